"""``validator provision``: write a unit's ``unit.toml`` and keys, idempotently.

The same arguments twice leave the same files (the device key is made once
and kept). An existing key is never replaced, nor the device id changed,
without ``force``. Everything is checked before anything is written, and
``unit.toml`` is written last: its presence means "provisioned".
Enrollment with the ledger is the next step, ``validator enroll``.
"""

from __future__ import annotations

import os
import pwd
import re
from dataclasses import dataclass, field
from pathlib import Path

from validator import config_schema as schema
from validator.config import ConfigError
from validator.unit_files import (
    PUBLIC_MODE,
    SECRET_MODE,
    KeyFileError,
    Owner,
    UnitFiles,
    generate_device_key,
    load_device_key,
    parse_fleet_key,
    parse_master_key,
    public_key_text,
    write_file,
)
from validator.unit_toml import (
    UnitSettings,
    check_loads,
    configured_device_id,
    key_file_entries,
    render_unit_toml,
)

__all__ = [
    "ProvisionError",
    "ProvisionReport",
    "ProvisionRequest",
    "printer_spec",
    "provision",
    "reader_path",
    "resolve_owner",
    "settings_from",
]

EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_NOUSER = 64, 65, 66, 67
EX_CANTCREAT, EX_IOERR = 73, 74

READERS = {"pn532-uart": "tty:AMA0:pn532", "acr122u": "usb:072f:2200"}
DEFAULT_PRINTER_PORT = 9100
# The ledger's own patterns (ledger/inputs.py), so that enrollment accepts them.
_DEVICE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BUS_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,15}")
_USB_PRINTER = re.compile(r"usb:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}")
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}")


class ProvisionError(Exception):
    """Provisioning stopped; ``code`` is the exit status, the message says what to do."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ProvisionRequest:
    bus_number: str
    device_id: str
    ledger: str  # URL, or "none"
    reader: str  # pn532-uart | acr122u | udp:HOST:PORT
    printer: str  # none | usb:VID:PID | serial:/dev/… | network:HOST[:PORT]
    config_dir: Path
    data_dir: Path | None = None
    feedback: str = "gpio"
    fleet_key_file: Path | None = None
    master_key_file: Path | None = None
    force: bool = False
    user: str = "validator"


@dataclass(slots=True)
class ProvisionReport:
    files: UnitFiles
    settings: UnitSettings
    public_key: str
    actions: list[str] = field(default_factory=list)  # what changed; empty: nothing

    @property
    def changed(self) -> bool:
        return bool(self.actions)


# --- checking the arguments ---------------------------------------------------


def settings_from(request: ProvisionRequest) -> UnitSettings:
    """The request checked and normalised; raises ``ProvisionError`` (usage)."""
    if not _DEVICE_ID.fullmatch(request.device_id):
        raise _usage(f"--device-id {request.device_id!r}: use 1-64 of A-Z a-z 0-9 . _ -")
    if not _BUS_NUMBER.fullmatch(request.bus_number):
        raise _usage(
            f"--bus-number {request.bus_number!r}: use up to 16 letters, digits, spaces or "
            "dashes, starting with a letter or digit"
        )
    if request.feedback not in ("gpio", "recording"):
        raise _usage(f"--feedback {request.feedback!r}: use gpio (a Pi) or recording (bench)")
    data_dir = None if request.data_dir is None else request.data_dir.absolute()
    return UnitSettings(
        device_id=request.device_id,
        bus_number=request.bus_number,
        ledger_url=_ledger_url(request.ledger),
        nfc_path=reader_path(request.reader),
        printer=printer_spec(request.printer),
        feedback=request.feedback,
        data_dir=data_dir,
    )


def _ledger_url(value: str) -> str:
    if value == "none":
        return ""
    try:
        url = str(schema.url()(value))
    except schema.Invalid as error:
        raise _usage(f"--ledger {error} (or none for a unit without a ledger)") from None
    if not url or any(char.isspace() or not char.isprintable() for char in url):
        raise _usage(
            f"--ledger {value!r}: give the ledger's address, e.g. https://ledger.example.kz"
        )
    return url


def reader_path(spec: str) -> str:
    """The nfcpy device path for a reader type."""
    if spec in READERS:
        return READERS[spec]
    host, _, port = spec.removeprefix("udp:").rpartition(":")
    if spec.startswith("udp:") and _HOST.fullmatch(host) and _port(port) is not None:
        return spec
    raise _usage(
        f"--reader {spec!r}: use pn532-uart (PN532 on the Pi's UART), acr122u (ACR122U on "
        "USB) or udp:HOST:PORT (the card emulator on a bench)"
    )


def printer_spec(spec: str) -> str:
    """The printer as the config names it: none, usb:vvvv:pppp, serial:/dev/…, network:HOST:PORT."""
    if spec == "none":
        return spec
    if _USB_PRINTER.fullmatch(spec):
        return spec.lower()
    device = spec.removeprefix("serial:")
    if spec.startswith("serial:/dev/") and re.fullmatch(r"/dev/[A-Za-z0-9/_.-]+", device):
        return spec
    host, _, port = spec.removeprefix("network:").partition(":")
    number = _port(port) if port else DEFAULT_PRINTER_PORT
    if spec.startswith("network:") and _HOST.fullmatch(host) and number is not None:
        return f"network:{host}:{number}"
    raise _usage(
        f"--printer {spec!r}: use none, usb:VID:PID (e.g. usb:04b8:0202), "
        "serial:/dev/ttyUSB0 or network:HOST[:PORT] (port 9100 when left out)"
    )


def _port(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 65536 else None


def _usage(message: str) -> ProvisionError:
    return ProvisionError(message, EX_USAGE)


# --- provisioning -------------------------------------------------------------


def provision(request: ProvisionRequest) -> ProvisionReport:
    """Check everything, then write the keys, the data directory and unit.toml."""
    settings = settings_from(request)
    files = UnitFiles(request.config_dir.absolute())
    secrets = _read_secrets(request)
    owner = resolve_owner(request.user)
    _check_identity(files, settings.device_id, request.force)
    planned = _planned_secrets(secrets, request.force)
    new_device_key = _needs_device_key(files, request.force)
    entries = key_file_entries(files, (path for path, _ in planned))
    text = render_unit_toml(settings, entries)
    try:
        files.directory.mkdir(mode=0o755, parents=True, exist_ok=True)
        _check_config(text, files.directory)
        return _write(files, settings, text, planned, new_device_key, owner)
    except OSError as error:
        raise ProvisionError(
            f"cannot write {error.filename or files.directory} ({error.strerror}); run "
            "provisioning as root (sudo) and check that the SD card is not read-only",
            EX_IOERR,
        ) from None


def _write(
    files: UnitFiles,
    settings: UnitSettings,
    text: str,
    planned: list[tuple[Path, bytes]],
    new_device_key: bool,
    owner: Owner | None,
) -> ProvisionReport:
    actions = _device_key(files, new_device_key, owner)
    for path, content in planned:
        write_file(path, content, SECRET_MODE, owner)
        actions.append(f"installed {path} (0600)")
    for path in _secret_files(files):
        actions += _tighten(path, owner)
    public = public_key_text(load_device_key(files.device_key))
    actions += _write_if_changed(files.device_public_key, (public + "\n").encode(), PUBLIC_MODE)
    if settings.data_dir is not None:
        actions += _data_dir(settings.data_dir, owner)
    actions += _write_if_changed(files.config, text.encode("utf-8"), PUBLIC_MODE)
    return ProvisionReport(files, settings, public, actions)


def _read_secrets(request: ProvisionRequest) -> list[tuple[Path, bytes]]:
    """(destination, content) of each key file given, each checked to be a key."""
    files = UnitFiles(request.config_dir.absolute())
    sources = (
        (request.fleet_key_file, files.fleet_key, parse_fleet_key),
        (request.master_key_file, files.master_key, parse_master_key),
    )
    found: list[tuple[Path, bytes]] = []
    for source, destination, check in sources:
        if source is None:
            continue
        try:
            content = source.read_bytes()
            check(source, content)
        except OSError as error:
            raise ProvisionError(f"cannot read {source} ({error.strerror})", EX_NOINPUT) from None
        except KeyFileError as error:
            raise ProvisionError(str(error), EX_DATAERR) from None
        found.append((destination, content))
    return found


def _check_config(text: str, directory: Path) -> None:
    try:
        check_loads(text, directory)
    except ConfigError as error:
        raise ProvisionError(f"the new unit.toml would not load: {error}", EX_USAGE) from None


def resolve_owner(user: str) -> Owner | None:
    """The service user's (uid, gid) when running as root; None otherwise (no chown)."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise ProvisionError(
            f"the service user {user!r} does not exist; create it first: sudo useradd --system "
            f"--user-group --home-dir /var/lib/validator --shell /usr/sbin/nologin {user}",
            EX_NOUSER,
        ) from None
    return entry.pw_uid, entry.pw_gid


def _check_identity(files: UnitFiles, device_id: str, force: bool) -> None:
    if force or not files.config.exists():
        return
    current = configured_device_id(files.config)
    if current == device_id:
        return
    shown = f"as device {current}" if current else "with a unit.toml that cannot be read"
    raise ProvisionError(
        f"this unit is already provisioned {shown} ({files.config}). To provision it as "
        f"{device_id} pass --force: it gets a new device key and must be enrolled again",
        EX_CANTCREAT,
    )


def _planned_secrets(secrets: list[tuple[Path, bytes]], force: bool) -> list[tuple[Path, bytes]]:
    planned = []
    for path, content in secrets:
        current = _read_or_none(path)
        if current == content:
            continue
        if current is not None and not force:
            raise ProvisionError(
                f"{path} already holds a different key; nothing was changed. Pass --force "
                "to replace it (cards and tokens made under the old key stop working)",
                EX_CANTCREAT,
            )
        planned.append((path, content))
    return planned


def _needs_device_key(files: UnitFiles, force: bool) -> bool:
    if force or not files.device_key.exists():
        return True
    try:
        load_device_key(files.device_key)
    except KeyFileError as error:
        raise ProvisionError(
            f"{error}; pass --force to make a new one (the unit must then be enrolled again)",
            EX_CANTCREAT,
        ) from None
    return False


def _device_key(files: UnitFiles, new: bool, owner: Owner | None) -> list[str]:
    if not new:
        return []
    replaced = files.device_key.exists()
    write_file(files.device_key, generate_device_key(), SECRET_MODE, owner)
    made = f"made a new device key {files.device_key} (0600)"
    return [made + (", replacing the old one: enroll again" if replaced else "")]


def _secret_files(files: UnitFiles) -> list[Path]:
    slots = (files.fleet_key, files.master_key)
    return [files.device_key, *(path for path in slots if path.exists())]


def _tighten(path: Path, owner: Owner | None) -> list[str]:
    """Make an existing secret 0600 and the service user's."""
    info = path.stat()
    actions = []
    if info.st_mode & 0o777 != SECRET_MODE:
        os.chmod(path, SECRET_MODE)
        actions.append(f"set {path} to 0600")
    if owner is not None and (info.st_uid, info.st_gid) != owner:
        os.chown(path, *owner)
        actions.append(f"gave {path} to the service user")
    return actions


def _write_if_changed(path: Path, content: bytes, mode: int) -> list[str]:
    if _read_or_none(path) == content:
        return []
    existed = path.exists()
    write_file(path, content, mode)
    return [f"{'updated' if existed else 'wrote'} {path}"]


def _data_dir(path: Path, owner: Owner | None) -> list[str]:
    if path.is_dir():
        return []
    path.mkdir(mode=0o750, parents=True)
    if owner is not None:
        os.chown(path, *owner)
    return [f"made the data directory {path}"]


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
