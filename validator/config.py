"""The unit's configuration: shipped ``defaults.toml``, then the unit's own file.

``load_config`` is the only place that reads a file; the composition root
calls it once at start-up. Every mistake becomes a ``ConfigError`` whose text
names the file, the key and a fix; the CLI exits with ``EX_CONFIG``.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from validator import config_schema as schema
from validator.messages import LANGUAGES, Language

__all__ = [
    "EX_CONFIG",
    "BleConfig",
    "CashConfig",
    "Config",
    "ConfigError",
    "ConsoleConfig",
    "CrewConfig",
    "DesfireConfig",
    "DeviceConfig",
    "EmvConfig",
    "FaresConfig",
    "FeedbackConfig",
    "GpsConfig",
    "LedgerConfig",
    "NfcConfig",
    "PrinterConfig",
    "QrConfig",
    "RouteConfig",
    "SecurityConfig",
    "ShiftConfig",
    "StoreConfig",
    "SyncConfig",
    "TicketsConfig",
    "crew_path",
    "fares_path",
    "load_config",
    "render_config",
    "shipped_config",
    "shipped_config_dir",
]

EX_CONFIG = 78  # sysexits.h: configuration error

NfcBackend = Literal["nfcpy", "none"]
FeedbackBackend = Literal["gpio", "recording"]
DisplayKind = Literal["terminal", "none"]
Direction = Literal["forward", "backward"]
DegradedPolicyName = Literal["decline_unknown", "cap_credit"]
OffShiftPolicy = Literal["accept", "decline"]
PrinterKindName = Literal["usb", "serial", "network", "dummy", "none"]
PrinterTextMode = Literal["image", "kz1048"]
SerialBackend = Literal["serial", "none"]
BleBackend = Literal["bleak", "simulated", "none"]

_SECRET_WORDS = ("key", "secret", "token", "password", "pin")
_MASK = "********"


def _key(parser: schema.Parser) -> dict[str, schema.Parser]:
    return {"parse": parser}


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    id: str = field(metadata=_key(schema.text()))
    bus_number: str = field(metadata=_key(schema.text()))
    language: Language = field(metadata=_key(schema.choice(LANGUAGES)))
    timezone: str = field(metadata=_key(schema.timezone()))


@dataclass(frozen=True, slots=True)
class RouteConfig:
    number: str = field(metadata=_key(schema.text()))
    direction: Direction = field(metadata=_key(schema.choice(get_args(Direction))))


@dataclass(frozen=True, slots=True)
class NfcConfig:
    backend: NfcBackend = field(metadata=_key(schema.choice(get_args(NfcBackend))))
    path: str = field(metadata=_key(schema.nfc_path()))
    poll_timeout: float = field(metadata=_key(schema.seconds()))
    removal_timeout: float = field(metadata=_key(schema.seconds()))


@dataclass(frozen=True, slots=True)
class FeedbackConfig:
    backend: FeedbackBackend = field(metadata=_key(schema.choice(get_args(FeedbackBackend))))
    display: DisplayKind = field(metadata=_key(schema.choice(get_args(DisplayKind))))
    buzzer_pin: int = field(metadata=_key(schema.pin()))
    green_pin: int = field(metadata=_key(schema.pin()))
    red_pin: int = field(metadata=_key(schema.pin()))


@dataclass(frozen=True, slots=True)
class StoreConfig:
    data_dir: Path = field(metadata=_key(schema.directory()))


@dataclass(frozen=True, slots=True)
class FaresConfig:
    file: str = field(metadata=_key(schema.text()))
    set_in: Path | None = None  # directory of the config file that set ``file``


@dataclass(frozen=True, slots=True)
class LedgerConfig:
    url: str = field(metadata=_key(schema.url()))
    timeout: float = field(metadata=_key(schema.seconds()))
    api_token: str = field(repr=False, metadata=_key(schema.text(empty_ok=True)))  # secret


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    """Key files of the secure media; None ("" in TOML) leaves that medium off."""

    desfire_master_key_file: Path | None = field(metadata=_key(schema.optional_file()))
    fleet_key_file: Path | None = field(metadata=_key(schema.optional_file()))
    ledger_keys_file: Path | None = field(metadata=_key(schema.optional_file()))
    token_leeway: int = field(metadata=_key(schema.whole(0, 3600)))


@dataclass(frozen=True, slots=True)
class DesfireConfig:
    """The DESFire card profile (docs/desfire.md)."""

    aid: str = field(metadata=_key(schema.hex_text(3, 3)))
    key_no: int = field(metadata=_key(schema.whole(0, 13)))
    file_no: int = field(metadata=_key(schema.whole(0, 31)))
    record_length: int = field(metadata=_key(schema.whole(16, 256)))
    system_identifier: str = field(metadata=_key(schema.hex_text(0, 21)))


@dataclass(frozen=True, slots=True)
class EmvConfig:
    first_ride_hours: float = field(metadata=_key(schema.hours()))


@dataclass(frozen=True, slots=True)
class SyncConfig:
    """The sync loop with the ledger (sync/) and the degraded policy."""

    interval: float = field(metadata=_key(schema.seconds()))
    batch_size: int = field(metadata=_key(schema.whole(1, 10_000)))
    backoff_cap: float = field(metadata=_key(schema.seconds()))
    max_list_age: float = field(metadata=_key(schema.hours()))
    degraded_policy: DegradedPolicyName = field(
        metadata=_key(schema.choice(get_args(DegradedPolicyName)))
    )
    clock_tolerance: float = field(metadata=_key(schema.seconds()))
    device_key_file: Path | None = field(metadata=_key(schema.optional_file()))


@dataclass(frozen=True, slots=True)
class QrConfig:
    """The QR scanner on a serial port (drivers/qr)."""

    backend: SerialBackend = field(metadata=_key(schema.choice(get_args(SerialBackend))))
    port: str = field(metadata=_key(schema.text(empty_ok=True)))
    baudrate: int = field(metadata=_key(schema.whole(1200, 921_600)))
    terminator: str = field(metadata=_key(schema.choice(("cr", "lf", "crlf"))))
    max_length: int = field(metadata=_key(schema.whole(16, 65_536)))
    half_line_timeout: float = field(metadata=_key(schema.seconds()))


@dataclass(frozen=True, slots=True)
class GpsConfig:
    """The GPS receiver on a serial port (drivers/gps) and where taps say the bus was."""

    backend: SerialBackend = field(metadata=_key(schema.choice(get_args(SerialBackend))))
    port: str = field(metadata=_key(schema.text(empty_ok=True)))
    baudrate: int = field(metadata=_key(schema.whole(1200, 921_600)))
    stale_after: float = field(metadata=_key(schema.seconds()))
    stop_radius: int = field(metadata=_key(schema.whole(1, 5000)))
    position_interval: float = field(metadata=_key(schema.seconds()))


@dataclass(frozen=True, slots=True)
class BleConfig:
    """Bluetooth payments from the app (drivers/ble, docs/bluetooth.md)."""

    backend: BleBackend = field(metadata=_key(schema.choice(get_args(BleBackend))))
    adapter: str = field(metadata=_key(schema.text(empty_ok=True)))
    rssi_threshold: int = field(metadata=_key(schema.whole(-127, 0)))
    tie_margin_db: int = field(metadata=_key(schema.whole(0, 40)))
    min_samples: int = field(metadata=_key(schema.whole(1, 20)))
    scan_window: float = field(metadata=_key(schema.seconds()))
    connect_timeout: float = field(metadata=_key(schema.seconds()))
    read_timeout: float = field(metadata=_key(schema.seconds()))
    write_timeout: float = field(metadata=_key(schema.seconds()))


@dataclass(frozen=True, slots=True)
class TicketsConfig:
    """Prepaid tickets (SMS, messenger, printed) on this bus."""

    leeway: int = field(metadata=_key(schema.whole(0, 3600)))


@dataclass(frozen=True, slots=True)
class CrewConfig:
    """The crew list and the language of the driver console (docs/crew.md)."""

    file: str = field(metadata=_key(schema.text()))
    language: Language = field(metadata=_key(schema.choice(LANGUAGES)))
    set_in: Path | None = None  # directory of the config file that set ``file``


@dataclass(frozen=True, slots=True)
class ShiftConfig:
    off_shift: OffShiftPolicy = field(metadata=_key(schema.choice(get_args(OffShiftPolicy))))
    max_wrong_pins: int = field(metadata=_key(schema.whole(1, 100)))
    lockout_minutes: int = field(metadata=_key(schema.whole(0, 1440)))
    card_needs_pin: bool = field(metadata=_key(schema.flag()))
    inspection_window_minutes: int = field(metadata=_key(schema.whole(1, 1440)))
    inspection_tap_seconds: int = field(metadata=_key(schema.whole(5, 600)))


@dataclass(frozen=True, slots=True)
class CashConfig:
    ticket_validity_minutes: int = field(metadata=_key(schema.whole(1, 1440)))
    max_riders: int = field(metadata=_key(schema.whole(1, 99)))


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """The receipt printer (drivers/printer); checked further when it is built."""

    kind: PrinterKindName = field(metadata=_key(schema.choice(get_args(PrinterKindName))))
    usb_vendor: int = field(metadata=_key(schema.whole(0, 0xFFFF)))
    usb_product: int = field(metadata=_key(schema.whole(0, 0xFFFF)))
    serial_port: str = field(metadata=_key(schema.text(empty_ok=True)))
    baudrate: int = field(metadata=_key(schema.whole(1200, 921_600)))
    host: str = field(metadata=_key(schema.text(empty_ok=True)))
    port: int = field(metadata=_key(schema.whole(1, 65535)))
    timeout: float = field(metadata=_key(schema.seconds()))
    profile: str = field(metadata=_key(schema.text()))
    text_mode: PrinterTextMode = field(metadata=_key(schema.choice(get_args(PrinterTextMode))))
    font: str = field(metadata=_key(schema.text()))
    bold_font: str = field(metadata=_key(schema.text()))
    native_qr: bool = field(metadata=_key(schema.flag()))
    qr_size: int = field(metadata=_key(schema.whole(1, 16)))


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """The driver console: a web page on loopback (127.0.0.1 only)."""

    enabled: bool = field(metadata=_key(schema.flag()))
    port: int = field(metadata=_key(schema.whole(1, 65535)))


@dataclass(frozen=True, slots=True)
class Config:
    device: DeviceConfig
    route: RouteConfig
    nfc: NfcConfig
    feedback: FeedbackConfig
    store: StoreConfig
    fares: FaresConfig
    ledger: LedgerConfig
    security: SecurityConfig
    desfire: DesfireConfig
    emv: EmvConfig
    sync: SyncConfig
    crew: CrewConfig
    shift: ShiftConfig
    cash: CashConfig
    printer: PrinterConfig
    console: ConsoleConfig
    qr: QrConfig
    gps: GpsConfig
    ble: BleConfig
    tickets: TicketsConfig
    source: Path | None = None  # the unit's file; None when only defaults


_SECTIONS: dict[str, type[Any]] = {
    "device": DeviceConfig,
    "route": RouteConfig,
    "nfc": NfcConfig,
    "feedback": FeedbackConfig,
    "store": StoreConfig,
    "fares": FaresConfig,
    "ledger": LedgerConfig,
    "security": SecurityConfig,
    "desfire": DesfireConfig,
    "emv": EmvConfig,
    "sync": SyncConfig,
    "crew": CrewConfig,
    "shift": ShiftConfig,
    "cash": CashConfig,
    "printer": PrinterConfig,
    "console": ConsoleConfig,
    "qr": QrConfig,
    "gps": GpsConfig,
    "ble": BleConfig,
    "tickets": TicketsConfig,
}


class ConfigError(Exception):
    """A config file is missing or wrong; the message names the key and a fix."""

    def __init__(self, message: str, *, file: Path | None = None, key: str | None = None):
        super().__init__(message)
        self.file = file
        self.key = key


def _parsers(section: str) -> dict[str, schema.Parser]:
    return {f.name: f.metadata["parse"] for f in fields(_SECTIONS[section]) if f.metadata}


# --- where the shipped files are ---------------------------------------------


def shipped_config_dir() -> Path:
    """``validator/_shipped_config`` in a wheel, else the repo's ``config/``."""
    package = Path(__file__).resolve().parent
    installed = package / "_shipped_config"
    return installed if installed.is_dir() else package.parent / "config"


def shipped_config(name: str) -> Path:
    return shipped_config_dir() / name


def fares_path(config: Config) -> Path:
    """The fare table: beside the config file that named it, else the shipped one."""
    beside = (config.fares.set_in or shipped_config_dir()) / config.fares.file
    return beside if beside.is_file() else shipped_config(config.fares.file)


def crew_path(config: Config) -> Path:
    """The crew list, relative to the config file that named it."""
    path = Path(config.crew.file)
    return path if path.is_absolute() else (config.crew.set_in or Path.cwd()) / path


# --- loading ------------------------------------------------------------------

_Values = dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _Layer:
    file: Path
    values: _Values


def load_config(path: Path | None) -> Config:
    """Shipped defaults, overridden key by key from ``path`` (None: defaults only)."""
    layers = [_read_layer(shipped_config("defaults.toml"))]
    if path is not None:
        layers.append(_read_layer(path))
    return _build(layers, source=path)


def _read_layer(file: Path) -> _Layer:
    raw = _parse_toml(file, _read_text(file))
    values: _Values = {}
    for section, table in raw.items():
        _check_section(file, section, table)
        values[section] = {key: _parse_value(file, section, key, v) for key, v in table.items()}
    return _Layer(file, values)


def _read_text(file: Path) -> str:
    try:
        return file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {file} was not found — pass --config with the path of this "
            "unit's TOML file (e.g. config/sim.toml)",
            file=file,
        ) from None
    except OSError as error:
        raise ConfigError(
            f"config file {file} could not be read ({error.strerror}) — check the path "
            "and that the validator's user may read it",
            file=file,
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{file}: not UTF-8 text (byte {error.start}) — save the file as UTF-8",
            file=file,
        ) from None


def _parse_toml(file: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"{file}: not valid TOML: {error} — fix the syntax on that line "
            '(text needs quotes: language = "en"; sections look like [nfc])',
            file=file,
        ) from None


def _check_section(file: Path, section: str, table: object) -> None:
    if section in _SECTIONS and isinstance(table, dict):
        return
    home = [name for name in _SECTIONS if section in _parsers(name)]
    if home:
        raise ConfigError(
            f"{file}: {section!r} is outside any section — put it under [{home[0]}]",
            file=file,
            key=section,
        )
    if section in _SECTIONS:
        hint = f"write it as a section [{section}]"
        raise ConfigError(f"{file}: {section} must be a section — {hint}", file=file, key=section)
    if not isinstance(table, dict):
        hint = "each key belongs under a section such as [device]"
        raise ConfigError(f"{file}: unknown key {section!r} — {hint}", file=file, key=section)
    near = difflib.get_close_matches(section, list(_SECTIONS), n=1)
    hint = f"did you mean [{near[0]}]?" if near else f"sections are {', '.join(_SECTIONS)}"
    raise ConfigError(f"{file}: unknown section [{section}] — {hint}", file=file, key=section)


def _parse_value(file: Path, section: str, key: str, value: object) -> Any:
    parser = _parsers(section).get(key)
    if parser is None:
        raise _unknown_key(file, section, key)
    try:
        return parser(value)
    except schema.Invalid as error:
        qualified = f"{section}.{key}"
        raise ConfigError(f"{file}: {qualified} {error}", file=file, key=qualified) from None


def _unknown_key(file: Path, section: str, key: str) -> ConfigError:
    qualified = f"{section}.{key}"
    everywhere = [f"{name}.{k}" for name in _SECTIONS for k in _parsers(name)]
    moved = [q for q in everywhere if q.split(".", 1)[1] == key]
    near = moved or difflib.get_close_matches(qualified, everywhere, n=1)
    if near:
        hint = f"did you mean {near[0]!r}?"
    else:
        hint = f"the keys of [{section}] are {', '.join(_parsers(section))}"
    return ConfigError(f"{file}: unknown key {qualified!r} — {hint}", file=file, key=qualified)


def _build(layers: list[_Layer], source: Path | None) -> Config:
    merged: _Values = {name: {} for name in _SECTIONS}
    origin: dict[str, Path] = {}
    for layer in layers:
        for section, values in layer.values.items():
            merged[section].update(values)
            origin.update({f"{section}.{key}": layer.file for key in values})
    _check_complete(merged, layers[0].file)
    _check_distinct_pins(merged["feedback"], origin)
    sections = {name: _SECTIONS[name](**values) for name, values in merged.items()}
    fares = FaresConfig(file=merged["fares"]["file"], set_in=origin["fares.file"].parent)
    security = _resolve_files(sections["security"], origin)
    home = source.absolute().parent if source is not None else origin["crew.file"].parent
    crew = replace(sections["crew"], set_in=home)  # crew.toml sits beside the unit's file
    resolved = {"fares": fares, "security": security, "crew": crew}
    return Config(**(sections | resolved), source=source)


def _resolve_files(security: SecurityConfig, origin: dict[str, Path]) -> SecurityConfig:
    """Relative key file paths are relative to the config file that names them
    (``/etc/validator/unit.toml`` keeps its keys beside it)."""
    changes = {}
    for name in ("desfire_master_key_file", "fleet_key_file", "ledger_keys_file"):
        path = getattr(security, name)
        if path is not None and not path.is_absolute():
            changes[name] = (origin[f"security.{name}"].parent / path).absolute()
    return replace(security, **changes)


def _check_complete(merged: _Values, defaults: Path) -> None:
    for section in _SECTIONS:
        for key in _parsers(section):
            if key not in merged[section]:
                raise ConfigError(
                    f"{defaults}: {section}.{key} is missing from the shipped defaults — "
                    "reinstall the validator package",
                    file=defaults,
                    key=f"{section}.{key}",
                )


def _check_distinct_pins(feedback: dict[str, Any], origin: dict[str, Path]) -> None:
    names = ("buzzer_pin", "green_pin", "red_pin")
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            if feedback[first] == feedback[second]:
                file = origin[f"feedback.{second}"]
                raise ConfigError(
                    f"{file}: feedback.{first} and feedback.{second} are both pin "
                    f"{feedback[first]} — give each its own BCM pin",
                    file=file,
                    key=f"feedback.{second}",
                )


# --- showing ------------------------------------------------------------------


def render_config(config: Config) -> str:
    """The effective configuration as TOML, secrets shown as ``********``."""
    files = "defaults.toml" + (f" + {config.source}" if config.source else "")
    lines = [f"# Effective configuration ({files}); secrets masked."]
    for section in _SECTIONS:
        lines += ["", f"[{section}]"]
        values = getattr(config, section)
        for name in _parsers(section):
            lines.append(f"{name} = {_toml_value(name, getattr(values, name))}")
    return "\n".join(lines) + "\n"


def _toml_value(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = "" if value is None else str(value)
    if text and isinstance(value, str) and any(word in name for word in _SECRET_WORDS):
        text = _MASK
    return json.dumps(text, ensure_ascii=False)
