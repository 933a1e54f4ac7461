"""The DESFire card profile (where the record lives on the card and how the
card key is diversified) and the master key file.
"""

from __future__ import annotations

import difflib
import stat
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from drivers.desfire.record import MIN_RECORD_LENGTH, RECORD_LENGTH

DEFAULT_AID = bytes.fromhex("4B5A01")  # "KZ" transit, application 01, wire order
DEFAULT_SYSTEM_IDENTIFIER = b"KZTRANSIT"
MAX_SYSTEM_IDENTIFIER = 21  # 0x01 || 7-byte UID || AID || SI fits AN10922's 32 bytes
MAX_RECORD_LENGTH = 256
_PICC_AID = bytes(3)


class ProfileError(ValueError):
    """The DESFire profile in the configuration is wrong; the message names the
    key and a fix."""


class MasterKeyError(Exception):
    """The master key file is missing, unreadable, too open or malformed. The
    message never contains key material."""


@dataclass(frozen=True, slots=True)
class DesfireProfile:
    """Which application, key and file hold the card record.

    ``aid`` is the three AID bytes in the order they travel in
    SelectApplication, the same bytes that enter the AN10922 input.
    """

    aid: bytes = DEFAULT_AID
    key_no: int = 1
    file_no: int = 1
    record_length: int = RECORD_LENGTH
    system_identifier: bytes = DEFAULT_SYSTEM_IDENTIFIER

    def __post_init__(self) -> None:
        _check(len(self.aid) == 3 and self.aid != _PICC_AID, "aid", "3 bytes, not 000000")
        _check(0 <= self.key_no <= 13, "key_no", "a key number 0 to 13")
        _check(0 <= self.file_no <= 31, "file_no", "a file number 0 to 31")
        _check(
            MIN_RECORD_LENGTH <= self.record_length <= MAX_RECORD_LENGTH,
            "record_length",
            f"{MIN_RECORD_LENGTH} to {MAX_RECORD_LENGTH} bytes",
        )
        _check(
            len(self.system_identifier) <= MAX_SYSTEM_IDENTIFIER,
            "system_identifier",
            f"at most {MAX_SYSTEM_IDENTIFIER} bytes",
        )

    @classmethod
    def from_config(cls, table: Mapping[str, object]) -> DesfireProfile:
        """The profile from a config table such as ``[desfire]``: ``aid`` and
        ``system_identifier`` as hex strings, the rest as integers. Missing
        keys take the defaults."""
        known = [field.name for field in fields(cls)]
        for key in table:
            if key not in known:
                raise ProfileError(f"desfire.{key}: unknown key{_did_you_mean(key, known)}")
        return cls(
            aid=_hex_value(table, "aid", DEFAULT_AID),
            key_no=_int_value(table, "key_no", 1),
            file_no=_int_value(table, "file_no", 1),
            record_length=_int_value(table, "record_length", RECORD_LENGTH),
            system_identifier=_hex_value(table, "system_identifier", DEFAULT_SYSTEM_IDENTIFIER),
        )


def _check(ok: bool, key: str, expected: str) -> None:
    if not ok:
        raise ProfileError(f"desfire.{key}: expected {expected}")


def _did_you_mean(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"


def _int_value(table: Mapping[str, object], key: str, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProfileError(f"desfire.{key}: expected an integer, got {value!r}")
    return value


def _hex_value(table: Mapping[str, object], key: str, default: bytes) -> bytes:
    value = table.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ProfileError(f'desfire.{key}: expected a hex string such as "4B5A01"')
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ProfileError(f"desfire.{key}: {value!r} is not hex digits") from None


DEFAULT_PROFILE = DesfireProfile()


def load_master_key(path: Path) -> bytes:
    """The 16-byte AES master key from ``path``: 32 hex digits, surrounding
    whitespace allowed. Refuses a file that group or others may read."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise MasterKeyError(f"master key {path} is not a regular file")
        if mode & 0o077:
            raise MasterKeyError(
                f"master key {path} is open to group or others (mode {mode & 0o777:04o}); "
                f"run: chmod 600 {path}"
            )
        text = path.read_text(encoding="ascii")
    except OSError as error:
        raise MasterKeyError(f"cannot read master key {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise MasterKeyError(f"master key {path} must hold 32 hex digits (16 bytes)") from None
    return _parse_master_key(path, text)


def _parse_master_key(path: Path, text: str) -> bytes:
    digits = text.strip()
    if len(digits) != 32:
        raise MasterKeyError(f"master key {path} must hold 32 hex digits (16 bytes)")
    try:
        return bytes.fromhex(digits)
    except ValueError:
        raise MasterKeyError(f"master key {path} must hold 32 hex digits (16 bytes)") from None
