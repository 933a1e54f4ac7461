"""The keys of the secure media, read once at start-up by the composition root.

- the DESFire master key (``security.desfire_master_key_file``): read with
  ``drivers.desfire.load_master_key`` (32 hex digits, mode 0600);
- the fleet PAN key (``security.fleet_key_file``): at least 32 hex digits
  (16 bytes), mode 0600; it turns a bank card's PAN into its token;
- the pinned ledger keys (``security.ledger_keys_file``): one key per line,
  ``KEY_ID_HEX PUBLIC_KEY_BASE64`` (the raw 32-byte Ed25519 public key, as
  the ledger shows it); ``#`` starts a comment. App tokens name their key id.

Every problem is a ``ConfigError`` naming the key and the fix; no message
holds key material.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from validator.config import Config, ConfigError, SecurityConfig
from validator.emv_risk import FirstRideRules
from validator.judge import MediaPolicy
from validator.unit_files import KeyFileError, parse_fleet_key, secret_mode_problem

if TYPE_CHECKING:
    from drivers.nfc.secure_media import SecureMediaSetup

__all__ = [
    "MediaKeys",
    "load_ledger_keys",
    "load_media_keys",
    "media_policy",
    "parse_ledger_keys",
    "secure_media_setup",
]

MAX_KEY_ID_BYTES = 64
_EMPTY: Mapping[bytes, Ed25519PublicKey] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class MediaKeys:
    """None (or no ledger keys) leaves that medium off."""

    desfire_master: bytes | None = field(default=None, repr=False)
    fleet_key: bytes | None = field(default=None, repr=False)
    ledger_keys: Mapping[bytes, Ed25519PublicKey] = field(default_factory=dict)


def load_media_keys(security: SecurityConfig) -> MediaKeys:
    master = security.desfire_master_key_file
    fleet = security.fleet_key_file
    ledger = security.ledger_keys_file
    return MediaKeys(
        desfire_master=None if master is None else _load_master_key(master),
        fleet_key=None if fleet is None else load_fleet_key(fleet),
        ledger_keys=_EMPTY if ledger is None else load_ledger_keys(ledger),
    )


def _load_master_key(path: Path) -> bytes:
    from drivers.desfire import MasterKeyError, load_master_key

    try:
        return load_master_key(path)
    except MasterKeyError as error:
        raise _config_error("desfire_master_key_file", str(error)) from None


def load_fleet_key(path: Path) -> bytes:
    problem = secret_mode_problem(path)
    try:
        if problem is not None:
            raise KeyFileError(f"fleet key file {problem}")
        return parse_fleet_key(path, path.read_bytes())
    except OSError as error:
        raise _config_error("fleet_key_file", f"{path} cannot be read ({error.strerror})") from None
    except KeyFileError as error:
        raise _config_error("fleet_key_file", str(error)) from None


def load_ledger_keys(path: Path) -> Mapping[bytes, Ed25519PublicKey]:
    """The pinned keys; refused when others may write the file (they could pin theirs)."""
    try:
        if path.stat().st_mode & 0o022:
            raise _config_error(
                "ledger_keys_file", f"{path} is writable by group or others: chmod 644 {path}"
            )
        text = path.read_text(encoding="ascii")
    except OSError as error:
        why = error.strerror or "cannot be read"
        raise _config_error("ledger_keys_file", f"{path}: {why}") from None
    except UnicodeDecodeError:
        raise _config_error("ledger_keys_file", f"{path} is not ASCII text") from None
    try:
        return parse_ledger_keys(text)
    except ValueError as error:
        raise _config_error("ledger_keys_file", f"{path}: {error}") from None


def parse_ledger_keys(text: str) -> Mapping[bytes, Ed25519PublicKey]:
    """The keys in ``text``; ValueError naming the line that is wrong."""
    keys: dict[bytes, Ed25519PublicKey] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].split()
        if not content:
            continue
        kid, key = _key_line(content, number)
        if kid in keys:
            raise ValueError(f"line {number}: key id {kid.hex()} is listed twice")
        keys[kid] = key
    if not keys:
        raise ValueError("no keys (lines of KEY_ID_HEX PUBLIC_KEY_BASE64)")
    return MappingProxyType(keys)


def _key_line(content: list[str], number: int) -> tuple[bytes, Ed25519PublicKey]:
    wrong = ValueError(
        f"line {number}: expected KEY_ID_HEX PUBLIC_KEY_BASE64 (the raw 32-byte Ed25519 key)"
    )
    if len(content) != 2:
        raise wrong
    try:
        kid = bytes.fromhex(content[0])
        raw = base64.b64decode(content[1], validate=True)
        key = Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error):
        raise wrong from None
    if not 1 <= len(kid) <= MAX_KEY_ID_BYTES:
        raise wrong
    return kid, key


def _config_error(key: str, message: str) -> ConfigError:
    return ConfigError(f"security.{key}: {message}", key=f"security.{key}")


def media_policy(config: Config, keys: MediaKeys) -> MediaPolicy:
    """What the pipeline needs to judge tokens and bank cards."""
    window = timedelta(hours=config.emv.first_ride_hours)
    return MediaPolicy(keys.ledger_keys, config.security.token_leeway, FirstRideRules(window))


def secure_media_setup(config: Config, keys: MediaKeys) -> SecureMediaSetup:
    """Which ISO-DEP applications the nfcpy reader takes, from the keys present."""
    from drivers.desfire import DesfireProfile, ProfileError
    from drivers.nfc.secure_media import SecureMediaSetup

    table = asdict(config.desfire)
    try:
        profile = DesfireProfile.from_config(table)
    except ProfileError as error:
        raise ConfigError(str(error), key=str(error).split(":", 1)[0]) from None
    zone = ZoneInfo(config.device.timezone)
    return SecureMediaSetup(
        desfire_master=keys.desfire_master,
        desfire_profile=profile,
        fleet_key=keys.fleet_key,
        app=bool(keys.ledger_keys),
        today=lambda: datetime.now(zone).date(),
    )
