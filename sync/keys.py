"""The device key and the enrollment record (the pinned ledger key).

- The device key is an Ed25519 private key (PKCS#8 PEM, mode 0600). It is
  ``sync.device_key_file`` when configured; else the one ``validator
  provision`` made beside the unit's config (``device-ed25519.pem``); else
  ``device-ed25519.pem`` in the data directory, made on first enrollment.
- The enrollment record, ``ledger.json`` in the data directory (mode 0600),
  pins the ledger's public key and remembers the ledger's address, this
  device's id and its bus. Every list and fare table is verified against
  that pinned key and no other.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.envelope import parse_public_key
from sync.errors import NotEnrolled
from validator.unit_files import (
    SECRET_MODE,
    KeyFileError,
    generate_device_key,
    load_device_key,
    secret_mode_problem,
    write_file,
)

__all__ = [
    "DEVICE_KEY_FILE",
    "ENROLLMENT_FILE",
    "Enrollment",
    "device_key_path",
    "load_enrollment",
    "load_key",
    "make_or_load_key",
    "save_enrollment",
]

DEVICE_KEY_FILE = "device-ed25519.pem"
ENROLLMENT_FILE = "ledger.json"


@dataclass(frozen=True, slots=True)
class Enrollment:
    """What enrollment pinned: the ledger, its key, and who this device is."""

    ledger_url: str
    device_id: str
    bus_number: str
    ledger_public_key: str  # base64 of the raw 32 bytes
    ledger_key_id: str
    enrolled_at: str

    @property
    def ledger_key(self) -> Ed25519PublicKey:
        return parse_public_key(self.ledger_public_key)


def device_key_path(configured: Path | None, config_file: Path | None, data_dir: Path) -> Path:
    """Where this unit's device key is (or will be made)."""
    if configured is not None:
        return configured if configured.is_absolute() else data_dir / configured
    if config_file is not None:
        provisioned = config_file.absolute().parent / DEVICE_KEY_FILE
        if provisioned.exists():
            return provisioned
    return data_dir / DEVICE_KEY_FILE


def make_or_load_key(path: Path) -> Ed25519PrivateKey:
    """The device key at ``path``, made (0600) when there is none yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, generate_device_key(), SECRET_MODE)
    return load_key(path)


def load_key(path: Path) -> Ed25519PrivateKey:
    """The device key; NotEnrolled with the reason when it is missing or unsafe."""
    if not path.exists():
        raise NotEnrolled(f"there is no device key at {path}: enroll this unit first")
    problem = secret_mode_problem(path)
    if problem is not None:
        raise NotEnrolled(f"the device key is not safe: {problem}")
    try:
        return load_device_key(path)
    except KeyFileError as error:
        raise NotEnrolled(f"{error}; enroll the unit again with a new key") from None


def save_enrollment(data_dir: Path, enrollment: Enrollment) -> Path:
    path = data_dir / ENROLLMENT_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(asdict(enrollment), indent=1, sort_keys=True) + "\n"
    write_file(path, text.encode("utf-8"), SECRET_MODE)
    return path


def load_enrollment(data_dir: Path) -> Enrollment:
    """The enrollment record; NotEnrolled when there is none or it is damaged."""
    path = data_dir / ENROLLMENT_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        enrollment = Enrollment(**raw)
        enrollment.ledger_key  # noqa: B018  (checks the pinned key parses)
    except FileNotFoundError:
        raise NotEnrolled(
            f"this unit is not enrolled with a ledger ({path} is missing): "
            "run validator enroll --ledger URL --code XXXX-XXXX-XXXX"
        ) from None
    except (OSError, ValueError, TypeError) as error:
        raise NotEnrolled(
            f"the enrollment record {path} is damaged ({error}); enroll again"
        ) from None
    return enrollment
