"""Primary account numbers (bank card numbers): check, mask, tokenise, find.

The clear PAN never reaches the journal, the logs or an upload: only
``mask_pan`` (first 6, last 4) and ``pan_token`` (HMAC-SHA256 under the fleet
key) do. ``scan_for_pans`` is the tool that checks that promise.
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = ["MIN_FLEET_KEY_BYTES", "luhn_valid", "mask_pan", "pan_token", "scan_for_pans"]

MIN_FLEET_KEY_BYTES = 16
_PAN = re.compile(r"[0-9]{12,19}")
# 13-19 digits, alone or in groups of 4 split by one space or dash, and not
# part of a longer word (a hex digest, a UUID): `a1234…` is not a PAN.
_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9]{13,19}|[0-9]{4}(?:[ -][0-9]{4}){2}[ -][0-9]{1,7})(?![0-9A-Za-z])"
)


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (ASCII digits only) passes the Luhn check."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def mask_pan(pan: str) -> str:
    """``4400001234561234`` -> ``440000******1234``."""
    _check_pan(pan)
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def pan_token(pan: str, fleet_key: bytes) -> str:
    """The keyed token that stands for the PAN: HMAC-SHA256, lower-case hex."""
    _check_pan(pan)
    if len(fleet_key) < MIN_FLEET_KEY_BYTES:
        raise ValueError(f"the fleet key must be at least {MIN_FLEET_KEY_BYTES} bytes")
    return hmac.new(fleet_key, pan.encode("ascii"), hashlib.sha256).hexdigest()


def scan_for_pans(text: str) -> list[str]:
    """Luhn-valid runs of 13-19 digits that look like a payment card number.

    A run counts when it stands alone (not inside a longer word such as a hex
    digest) and starts with 2-6 (the ISO/IEC 7812 banking and financial
    ranges). Returned as digits only, in order of appearance.
    """
    found: list[str] = []
    for match in _CANDIDATE.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits):
            found.append(digits)
    return found


def _check_pan(pan: str) -> None:
    if not pan.isascii() or not _PAN.fullmatch(pan):
        raise ValueError("a PAN is 12 to 19 digits")
