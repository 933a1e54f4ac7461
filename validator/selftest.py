"""``validator selftest``: every part of the unit checked, one row each.

Each row is PASS, WARN, FAIL or SKIP with a message a depot technician can act
on. The unit may go on a bus when no row FAILs. Parts that belong to other
drivers (printer, GPS, ledger) come in through :class:`Hooks`; without a hook
the row says why it was not tested.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from offline_store import OfflineStore, StoreUnavailable
from validator.app import build_reader, open_store
from validator.config import Config, ConfigError
from validator.media_keys import load_media_keys
from validator.model import Signal
from validator.ports import CardRead, CardReader
from validator.unit_files import KeyFileError, UnitFiles, load_device_key, secret_mode_problem

__all__ = [
    "Hook",
    "Hooks",
    "Row",
    "SelfTestOptions",
    "Verdict",
    "check_clock",
    "format_table",
    "may_go_on_bus",
    "run_selftest",
]

MIN_YEAR = 2025
CLOCK_BEHIND_LIMIT = timedelta(minutes=5)
CLOCK_AHEAD_LIMIT = timedelta(days=90)
MB = 1024 * 1024
STOP_SERVICE = "if the validator service is running, stop it first: sudo systemctl stop validator"


class Verdict(StrEnum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True, slots=True)
class Row:
    part: str
    verdict: Verdict
    message: str


Hook = Callable[[Config], Row]


@dataclass(frozen=True, slots=True)
class Hooks:
    """Checks owned by other drivers; None: not part of this build."""

    printer: Hook | None = None  # print a test page on the configured printer
    gps: Hook | None = None  # wait for a fix
    ledger: Hook | None = None  # reach the ledger, and is this device accepted?


@dataclass(frozen=True, slots=True)
class SelfTestOptions:
    now: datetime  # timezone-aware, read once by the caller
    data: Path | None = None  # overrides store.data_dir
    card_wait: float | None = None  # seconds to wait for a card on the reader
    min_free_mb: int = 200


def run_selftest(config: Config, options: SelfTestOptions, hooks: Hooks) -> list[Row]:
    rows = [*check_unit(config), _media_keys(config)]
    storage, newest = check_storage(config, options)
    rows += [*storage, check_clock(options.now, newest)]
    rows += check_reader(config, options.card_wait)
    rows.append(check_feedback(config))
    rows += [_printer(config, hooks.printer), _gps(config, hooks.gps)]
    rows.append(_ledger(config, hooks.ledger))
    return rows


def may_go_on_bus(rows: Sequence[Row]) -> bool:
    return all(row.verdict is not Verdict.FAIL for row in rows)


def format_table(rows: Sequence[Row], width: int = 100) -> str:
    part_width = max([len("PART"), *(len(row.part) for row in rows)])
    indent = " " * (part_width + 10)
    lines = [f"{'PART':<{part_width}}  RESULT  WHAT WAS FOUND / WHAT TO DO"]
    for row in rows:
        head = f"{row.part:<{part_width}}  {row.verdict.value:<6}  "
        wrapped = textwrap.wrap(
            row.message, width - len(indent), break_long_words=False, break_on_hyphens=False
        ) or [""]
        lines.append(head + wrapped[0])
        lines += [indent + more for more in wrapped[1:]]
    return "\n".join([*lines, "", _summary(rows)]) + "\n"


def _summary(rows: Sequence[Row]) -> str:
    failed = [row.part for row in rows if row.verdict is Verdict.FAIL]
    warned = sum(row.verdict is Verdict.WARN for row in rows)
    if failed:
        return f"This unit may NOT go on a bus: fix {', '.join(failed)} and test again."
    return "This unit may go on a bus." + (f" Read the {warned} warning(s)." if warned else "")


# --- the unit and its keys ----------------------------------------------------


def check_unit(config: Config) -> list[Row]:
    if config.source is None or config.device.id == "UNPROVISIONED":
        fix = "run validator provision, then validator selftest --config /etc/validator/unit.toml"
        return [Row("unit", Verdict.FAIL, f"this unit is not provisioned: {fix}")]
    unit = Row("unit", Verdict.PASS, f"device {config.device.id} on bus {config.device.bus_number}")
    return [unit, _device_key(UnitFiles.beside(config.source))]


def _device_key(files: UnitFiles) -> Row:
    problem = secret_mode_problem(files.device_key)
    if problem is not None:
        return Row("device key", Verdict.FAIL, f"{problem}; run validator provision")
    try:
        load_device_key(files.device_key)
    except KeyFileError as error:
        fix = "run validator provision --force, then enroll the unit again"
        return Row("device key", Verdict.FAIL, f"{error}; {fix}")
    return Row("device key", Verdict.PASS, f"{files.device_key}, mode 0600")


def _media_keys(config: Config) -> Row:
    try:
        keys = load_media_keys(config.security)
    except ConfigError as error:
        return Row("media keys", Verdict.FAIL, str(error))
    found = (
        (keys.desfire_master, "no DESFire master key: DESFire transport cards will not be read"),
        (keys.fleet_key, "no fleet PAN key: bank cards and phone wallets are off"),
        (keys.ledger_keys, "no pinned ledger keys: app tokens are off until enrollment"),
    )
    missing = [what for have, what in found if not have]
    if missing:
        return Row("media keys", Verdict.WARN, "; ".join(missing))
    return Row("media keys", Verdict.PASS, "DESFire master key, fleet PAN key, ledger keys")


# --- storage and clock --------------------------------------------------------


def check_storage(config: Config, options: SelfTestOptions) -> tuple[list[Row], datetime | None]:
    """The storage rows, and the time of the newest journal row (None: empty)."""
    try:
        store = open_store(config, options.data)
    except StoreUnavailable as error:
        return [Row("storage", Verdict.FAIL, str(error))], None
    try:
        rows = [_health(store, options.min_free_mb), _chain(store)]
        newest = store.journal(last=1)
    except StoreUnavailable as error:
        return [Row("storage", Verdict.FAIL, str(error))], None
    finally:
        store.close()
    return rows, (newest[0].at if newest else None)


def _health(store: OfflineStore, min_free_mb: int) -> Row:
    health = store.health()
    free_mb = health.free_bytes // MB
    if health.journal_mode.lower() != "wal" or health.synchronous != 2:
        mode = f"journal_mode {health.journal_mode}, synchronous {health.synchronous}"
        return Row("storage", Verdict.FAIL, f"{store.path} is not in durable mode ({mode})")
    facts = (
        f"{store.path}: {store.card_count()} cards, {health.journal_rows} journal rows, "
        f"{free_mb} MB free, SQLite {health.sqlite_version}"
    )
    if health.wal_bug:
        facts += " (this SQLite has the WAL-reset bug; the single writer avoids it)"
    if free_mb < min_free_mb // 10:
        return Row("storage", Verdict.FAIL, f"{facts}: the SD card is nearly full; free space")
    if free_mb < min_free_mb:
        return Row("storage", Verdict.WARN, f"{facts}: under {min_free_mb} MB, free space soon")
    return Row("storage", Verdict.PASS, facts)


def _chain(store: OfflineStore) -> Row:
    check = store.verify_journal()
    if check.ok:
        return Row("journal", Verdict.PASS, f"{check.rows} rows, no gaps, hash chain verifies")
    first = check.problems[0] if check.problems else "unknown problem"
    fix = "do not delete the database (it holds taps not yet sent); take the unit to the depot"
    return Row("journal", Verdict.FAIL, f"{len(check.problems)} problem(s), first: {first}; {fix}")


def check_clock(now: datetime, newest: datetime | None) -> Row:
    """The clock is set (year ≥ 2025) and has not gone back before the newest tap."""
    shown = f"{now:%Y-%m-%d %H:%M %Z}".strip()
    if now.year < MIN_YEAR:
        fix = "connect the unit to a network (NTP) or set the real-time clock, then test again"
        return Row("clock", Verdict.FAIL, f"the clock says {shown}: it was never set; {fix}")
    if newest is not None and newest - now > CLOCK_BEHIND_LIMIT:
        gap = _duration(newest - now)
        fix = "the clock went back; set the time (NTP) and test again"
        return Row("clock", Verdict.FAIL, f"{shown} is {gap} before the newest journal row; {fix}")
    if newest is not None and now - newest > CLOCK_AHEAD_LIMIT:
        gap = _duration(now - newest)
        note = "if the unit was not stored that long, check the time"
        return Row("clock", Verdict.WARN, f"{shown} is {gap} after the newest journal row; {note}")
    return Row("clock", Verdict.PASS, shown)


def _duration(delta: timedelta) -> str:
    if delta >= timedelta(days=2):
        return f"{delta.days} days"
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min"


# --- reader and feedback ------------------------------------------------------


def check_reader(config: Config, card_wait: float | None) -> list[Row]:
    from drivers.errors import DeviceUnavailable

    if config.nfc.backend == "none":
        return [Row("NFC reader", Verdict.SKIP, "no reader configured (nfc.backend = none)")]
    try:
        reader = build_reader(config)
    except DeviceUnavailable as error:
        return [Row("NFC reader", Verdict.FAIL, f"{error} ({STOP_SERVICE})")]
    rows = [Row("NFC reader", Verdict.PASS, f"opened at {config.nfc.path}")]
    try:
        if card_wait is not None:
            rows.append(_card(reader, card_wait))
    except DeviceUnavailable as error:
        rows.append(Row("card read", Verdict.FAIL, str(error)))
    finally:
        reader.close()
    return rows


def _card(reader: CardReader, wait: float) -> Row:
    result = reader.poll(wait)
    if result is None:
        hint = "hold a card flat on the reader while the test runs"
        return Row("card read", Verdict.WARN, f"no card was presented within {wait:g} s; {hint}")
    if isinstance(result, CardRead):
        card = result.presentation
        return Row("card read", Verdict.PASS, f"read a {card.medium.value} card (UID {card.uid})")
    detail = f"a card was seen but not read ({result.problem.value}: {result.detail})"
    return Row("card read", Verdict.WARN, f"{detail}; try again with another card")


def check_feedback(config: Config) -> Row:
    """Play an accept and a decline through the configured backend."""
    from drivers.errors import DeviceUnavailable
    from drivers.feedback import RecordingPins, build_feedback

    try:
        panel = build_feedback(config.feedback, io.StringIO())
        try:
            panel.display("Self-test")
            panel.signal(Signal.ACCEPTED)
            panel.signal(Signal.DECLINED)
        finally:
            panel.close()
    except DeviceUnavailable as error:
        return Row("buzzer and lights", Verdict.FAIL, str(error))
    pins = panel.lights.pins
    if not isinstance(pins, RecordingPins):
        heard = "played a short beep with green, then a long beep with red"
        return Row("buzzer and lights", Verdict.PASS, f"{heard}: confirm you heard and saw both")
    wanted = {config.feedback.buzzer_pin, config.feedback.green_pin, config.feedback.red_pin}
    silent = sorted(wanted - {change.pin for change in pins.timeline if change.level})
    if silent:
        return Row("buzzer and lights", Verdict.FAIL, f"pin(s) {silent} never switched on")
    recorded = "buzzer, green and red each switched on and off (recorded: no hardware)"
    return Row("buzzer and lights", Verdict.PASS, recorded)


# --- parts behind hooks -------------------------------------------------------


def _printer(config: Config, hook: Hook | None) -> Row:
    kind = config.printer.kind
    if kind == "none":
        return Row("printer", Verdict.SKIP, "no printer configured")
    if hook is None:
        return Row(
            "printer", Verdict.WARN, f"a {kind} printer is configured but cannot be tested here"
        )
    return _guarded("printer", hook, config)


def _gps(config: Config, hook: Hook | None) -> Row:
    if hook is None:
        return Row("GPS", Verdict.SKIP, "no GPS check in this software version")
    return _guarded("GPS", hook, config)


def _ledger(config: Config, hook: Hook | None) -> Row:
    if not config.ledger.url:
        return Row("ledger", Verdict.SKIP, "not configured (no ledger URL in the unit's config)")
    if hook is None:
        note = "cannot be checked by this software version; run validator enroll to check it"
        return Row("ledger", Verdict.WARN, f"{config.ledger.url} {note}")
    return _guarded("ledger", hook, config)


def _guarded(part: str, hook: Hook, config: Config) -> Row:
    try:
        return hook(config)
    except Exception as error:  # a broken check is a failed part, not a crashed self-test
        return Row(part, Verdict.FAIL, f"the {part} check stopped with an error: {error!r}")
