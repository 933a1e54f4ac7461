"""Builds the crew service from the configuration (part of the composition root).

Without the crew list file the unit has no shifts: ``build_crew`` returns
None, says so in the log, and boarding stays open on the config's route. A
crew list, printer or device key that is there but wrong is a ``ConfigError``
(exit 78) naming the key and a fix.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from offline_store import OfflineStore
from validator.cash import CashSettings, SalePoint
from validator.clock import Clock, SystemClock
from validator.config import Config, ConfigError, crew_path
from validator.crew import CrewList, CrewListError, parse_crew_list
from validator.crew_service import CrewService, CrewSetup
from validator.fares import FareRules
from validator.media_keys import load_media_keys
from validator.model import TripContext
from validator.pipeline import Pipeline
from validator.printing import ReceiptPrinter
from validator.shift import ShiftPolicy
from validator.unit_files import KeyFileError, generate_device_key, load_device_key

__all__ = [
    "attach_crew",
    "build_crew",
    "build_receipt_printer",
    "device_key_file",
    "install_crew",
    "load_crew_list",
]

log = logging.getLogger("validator.crew")
DEVICE_KEY_FILE = "device-ed25519.pem"


def attach_crew(
    config: Config,
    store: OfflineStore,
    pipeline: Pipeline,
    rules: FareRules,
    display: Callable[[str], None] | None = None,
) -> CrewService | None:
    """The crew service, its shift gate and its inspection installed in the
    pipeline; ``display`` shows "Inspection: tap the card" when armed."""
    crew = build_crew(config, store, rules, SystemClock.named(config.device.timezone))
    if crew is not None:
        install_crew(crew, pipeline, display)
    return crew


def install_crew(
    crew: CrewService, pipeline: Pipeline, display: Callable[[str], None] | None = None
) -> None:
    """The shift gate decides whether a tap boards; the inspection desk takes
    the next presentation instead while "check the next card" is armed."""
    pipeline.gate = crew.gate
    pipeline.inspector = crew.inspection
    if display is not None:
        crew.inspection.show = display


def build_crew(
    config: Config, store: OfflineStore, rules: FareRules, clock: Clock
) -> CrewService | None:
    path = crew_path(config)
    if not path.is_file():
        log.warning(
            "No crew list at %s: no shifts, boarding open on route %s", path, config.route.number
        )
        return None
    setup = CrewSetup(
        crew=load_crew_list(path),
        policy=shift_policy(config),
        point=SalePoint(config.device.id, config.device.bus_number, cash_settings(config)),
        language=config.crew.language,
        device_key=_device_key(device_key_file(config, store.path.parent)),  # data directory
        ledger_keys=load_media_keys(config.security).ledger_keys,
        inspection_window=timedelta(minutes=config.shift.inspection_window_minutes),
        inspection_arming=timedelta(seconds=config.shift.inspection_tap_seconds),
    )
    printer = build_receipt_printer(config)
    trip = TripContext(config.route.number, config.route.direction)
    return CrewService(store, printer, rules, setup, clock, trip)


def shift_policy(config: Config) -> ShiftPolicy:
    return ShiftPolicy(
        off_shift=config.shift.off_shift,
        max_wrong_pins=config.shift.max_wrong_pins,
        lockout=timedelta(minutes=config.shift.lockout_minutes),
        card_needs_pin=config.shift.card_needs_pin,
    )


def cash_settings(config: Config) -> CashSettings:
    validity = timedelta(minutes=config.cash.ticket_validity_minutes)
    return CashSettings(ticket_validity=validity, max_riders=config.cash.max_riders)


def load_crew_list(path: Path) -> CrewList:
    try:
        with path.open("rb") as handle:
            return parse_crew_list(tomllib.load(handle), source=str(path))
    except OSError as exc:
        raise ConfigError(f"crew list {path} cannot be read ({exc.strerror})", file=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"crew list {path} is not valid TOML: {exc}", file=path) from exc
    except CrewListError as exc:
        raise ConfigError(str(exc), file=path, key="crew.file") from exc


def build_receipt_printer(config: Config) -> ReceiptPrinter:
    """The printer named in [printer]; a wrong setting is a ConfigError."""
    from drivers.printer import PrinterSettings, PrinterSettingsError, build_printer

    p = config.printer
    settings = PrinterSettings(
        kind=p.kind,
        usb_vendor=p.usb_vendor,
        usb_product=p.usb_product,
        serial_port=p.serial_port,
        baudrate=p.baudrate,
        host=p.host,
        port=p.port,
        timeout=p.timeout,
        profile=p.profile,
        text_mode=p.text_mode,
        font=p.font,
        bold_font=p.bold_font,
        native_qr=p.native_qr,
        qr_size=p.qr_size,
    )
    try:
        return build_printer(settings)
    except PrinterSettingsError as exc:
        raise ConfigError(str(exc), file=config.source, key=f"printer.{exc.key}") from exc


def device_key_file(config: Config, data_dir: Path) -> Path:
    """The same rule as sync's: sync.device_key_file, else beside the unit's
    config when provisioned there, else in the data directory."""
    configured = config.sync.device_key_file
    if configured is not None:
        return configured if configured.is_absolute() else data_dir / configured
    if config.source is not None:
        beside = config.source.absolute().parent / DEVICE_KEY_FILE
        if beside.exists():
            return beside
    return data_dir / DEVICE_KEY_FILE


def _device_key(path: Path) -> Ed25519PrivateKey:
    """The device key signs cash tickets; made (0600) when there is none yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(generate_device_key())
    try:
        return load_device_key(path)
    except KeyFileError as exc:
        raise ConfigError(f"{exc} — restore it or provision the unit again", file=path) from exc
