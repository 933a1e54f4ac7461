"""The crew list: who may open a shift on this validator, with hashed PINs.

A PIN is never stored in clear. ``hash_pin`` makes an scrypt hash in the
form ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``; the parameters travel with
the hash so they can be raised later without invalidating old entries. The
salt is passed in (the CLI draws it with ``secrets.token_bytes(16)``).

The crew list is a TOML file (``[[crew]]`` tables, see docs/crew.md), parsed
by the caller with ``tomllib`` and checked here. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "CrewList",
    "CrewListError",
    "CrewMember",
    "Role",
    "hash_pin",
    "parse_crew_list",
    "pin_matches",
]

PIN_PATTERN = re.compile(r"[0-9]{4,8}")
_SCHEME = "scrypt"
_DEFAULT_N, _DEFAULT_R, _DEFAULT_P = 2**14, 8, 1
_MIN_N, _MAX_N, _MAX_R, _MAX_P = 2**10, 2**20, 16, 4
_KEY_BYTES = 32
_MIN_SALT_BYTES = 8
_MAX_MEM = 1 << 30
_HASH = re.compile(r"scrypt\$(\d+)\$(\d+)\$(\d+)\$([0-9a-f]{16,128})\$([0-9a-f]{64})")
_CREW_KEYS = ("id", "name", "role", "pin", "card")


class Role(StrEnum):
    DRIVER = "driver"
    CONDUCTOR = "conductor"


@dataclass(frozen=True, slots=True)
class CrewMember:
    crew_id: str  # personnel number, typed on the keypad
    name: str
    role: Role
    pin_hash: str = field(repr=False)
    card_number: str | None = None  # driver card: opens a shift when tapped


@dataclass(frozen=True, slots=True)
class CrewList:
    members: tuple[CrewMember, ...] = ()

    def by_id(self, crew_id: str) -> CrewMember | None:
        return next((m for m in self.members if m.crew_id == crew_id), None)

    def by_card(self, card_number: str) -> CrewMember | None:
        return next((m for m in self.members if m.card_number == card_number), None)


class CrewListError(ValueError):
    """A crew list that cannot be used; the message names the entry and a fix."""

    def __init__(self, key_path: str, message: str, source: str = "crew.toml") -> None:
        super().__init__(f"{source}: {key_path} {message}")
        self.key_path = key_path


def hash_pin(pin: str, salt: bytes, *, n: int = _DEFAULT_N, r: int = _DEFAULT_R) -> str:
    """The stored form of ``pin``. Raises ValueError for a PIN that is not
    4 to 8 digits or a salt shorter than 8 bytes."""
    if not PIN_PATTERN.fullmatch(pin):
        raise ValueError("a PIN is 4 to 8 digits")
    if len(salt) < _MIN_SALT_BYTES:
        raise ValueError(f"the salt must be at least {_MIN_SALT_BYTES} bytes")
    digest = _scrypt(pin, salt, n, r, _DEFAULT_P)
    return f"{_SCHEME}${n}${r}${_DEFAULT_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, pin_hash: str) -> bool:
    """True when ``pin`` is the PIN behind ``pin_hash``; False for a malformed
    hash or PIN. Compares in constant time."""
    params = _parse_hash(pin_hash)
    if params is None or not PIN_PATTERN.fullmatch(pin):
        return False
    n, r, p, salt, expected = params
    return hmac.compare_digest(_scrypt(pin, salt, n, r, p), expected)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        pin.encode("ascii"), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEM, dklen=_KEY_BYTES
    )


def _parse_hash(text: str) -> tuple[int, int, int, bytes, bytes] | None:
    found = _HASH.fullmatch(text)
    if found is None:
        return None
    n, r, p = (int(found.group(i)) for i in (1, 2, 3))
    power_of_two = n & (n - 1) == 0
    if not (power_of_two and _MIN_N <= n <= _MAX_N and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        return None
    return n, r, p, bytes.fromhex(found.group(4)), bytes.fromhex(found.group(5))


# --- the crew list file -------------------------------------------------------


def parse_crew_list(data: Mapping[str, Any], *, source: str = "crew.toml") -> CrewList:
    """Check a parsed crew list and build ``CrewList``; raises ``CrewListError``."""
    if not isinstance(data, Mapping) or set(data) - {"crew"}:
        raise CrewListError("crew list", "must hold only [[crew]] entries", source)
    entries = data.get("crew", [])
    if not isinstance(entries, list):
        raise CrewListError("crew", "must be a list of [[crew]] tables", source)
    members = tuple(_member(entry, f"crew[{i}]", source) for i, entry in enumerate(entries))
    _check_unique(members, source)
    return CrewList(members)


def _member(entry: Any, path: str, source: str) -> CrewMember:
    if not isinstance(entry, Mapping):
        raise CrewListError(path, "must be a table with id, name, role and pin", source)
    unknown = sorted(set(entry) - set(_CREW_KEYS))
    if unknown:
        raise CrewListError(
            f"{path}.{unknown[0]}", f"is not a known key; known: {', '.join(_CREW_KEYS)}", source
        )
    card = entry.get("card")
    if card is not None and not (isinstance(card, str) and card.isdigit()):
        raise CrewListError(f"{path}.card", "must be the card number in quotes (digits)", source)
    return CrewMember(
        crew_id=_text(entry, "id", path, source),
        name=_text(entry, "name", path, source),
        role=_role(entry.get("role"), path, source),
        pin_hash=_pin_hash(entry.get("pin"), path, source),
        card_number=card,
    )


def _text(entry: Mapping[str, Any], key: str, path: str, source: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CrewListError(f"{path}.{key}", "is missing or empty; add it in quotes", source)
    return value.strip()


def _role(value: Any, path: str, source: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        roles = ", ".join(role.value for role in Role)
        raise CrewListError(f"{path}.role", f"must be one of {roles}", source) from None


def _pin_hash(value: Any, path: str, source: str) -> str:
    if isinstance(value, str | int) and PIN_PATTERN.fullmatch(str(value)):
        raise CrewListError(
            f"{path}.pin",
            "looks like a PIN in clear: store its hash (validator crew hash-pin) instead",
            source,
        )
    if not isinstance(value, str) or _parse_hash(value) is None:
        raise CrewListError(
            f"{path}.pin", "must be an scrypt PIN hash (scrypt$n$r$p$salt$hash)", source
        )
    return value


def _check_unique(members: tuple[CrewMember, ...], source: str) -> None:
    ids = [m.crew_id for m in members]
    cards = [m.card_number for m in members if m.card_number]
    for what, values in (("id", ids), ("card", cards)):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise CrewListError(f"crew.{what}", f"{repeated[0]} appears twice", source)
