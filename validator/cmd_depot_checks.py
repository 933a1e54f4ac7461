"""The self-test rows owned by drivers and sync: printer, GPS and ledger.

``depot_hooks`` gives ``validator selftest`` its :class:`~validator.selftest.Hooks`:
a test page on the configured printer, a wait for a GPS fix, and a signed
call to the ledger as this device. Each check returns a row and never raises
for a missing or broken device; driver and sync libraries are imported only
inside the checks (this is a command module: it may reach sync/).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from validator.app import data_dir
from validator.config import Config, ConfigError
from validator.printing import Align, Receipt, Rule, TextLine
from validator.selftest import Hooks, Row, Verdict

if TYPE_CHECKING:
    from drivers.gps import GpsReceiver, GpsState

__all__ = ["DEFAULT_GPS_WAIT", "check_gps", "check_ledger", "check_printer", "depot_hooks"]

DEFAULT_GPS_WAIT = 30.0
_POLL = 0.1
KAZAKH_LINE = "Сынақ беті: әғқңөұүһі ӘҒҚҢӨҰҮҺІ"
RUSSIAN_LINE = "Тестовая страница: ёжзщъыэюя ЁЖЗЩЪЫЭЮЯ"


def depot_hooks(
    now: datetime, gps_wait: float = DEFAULT_GPS_WAIT, data: Path | None = None
) -> Hooks:
    """The printer, GPS and ledger checks; ``now`` is printed on the test page."""
    return Hooks(
        printer=lambda config: check_printer(config, now),
        gps=lambda config: check_gps(config, gps_wait),
        ledger=lambda config: check_ledger(config, data),
    )


# --- printer --------------------------------------------------------------------


def test_page(config: Config, now: datetime) -> Receipt:
    """A short receipt: who printed it, when, and a line in each alphabet."""
    return Receipt(
        (
            TextLine("SELF-TEST", align=Align.CENTER, bold=True),
            TextLine("Unit", config.device.id),
            TextLine("Bus", config.device.bus_number),
            TextLine("Time", f"{now:%Y-%m-%d %H:%M}"),
            Rule(),
            TextLine(KAZAKH_LINE),
            TextLine(RUSSIAN_LINE),
        )
    )


def check_printer(config: Config, now: datetime) -> Row:
    from validator.crew_wiring import build_receipt_printer

    if config.printer.kind == "none":
        return Row("printer", Verdict.SKIP, "no printer configured (printer.kind = none)")
    try:
        printer = build_receipt_printer(config)
    except ConfigError as error:
        return Row("printer", Verdict.FAIL, str(error))
    try:
        result = printer.print_receipt(test_page(config, now))
    finally:
        printer.close()
    if not result.printed:
        said = result.line("en").replace("press Reprint", "test again")
        return Row("printer", Verdict.FAIL, f"{said} ({result.detail})")
    look = "check that the Kazakh and Russian lines read correctly"
    return Row("printer", Verdict.PASS, f"printed a test page ({config.printer.kind}): {look}")


# --- GPS ------------------------------------------------------------------------


def check_gps(config: Config, wait: float) -> Row:
    from drivers.errors import DeviceUnavailable
    from drivers.gps import Fix, GpsReceiver, GpsSettings

    gps = config.gps
    if gps.backend == "none":
        return Row("GPS", Verdict.SKIP, "no GPS receiver configured (gps.backend = none)")
    if not gps.port.strip():
        fix = 'name the port (e.g. "/dev/ttyACM0") or set gps.backend = "none"'
        return Row("GPS", Verdict.FAIL, f"gps.port is empty: {fix}")
    try:
        receiver = GpsReceiver.open(gps.port, GpsSettings(gps.baudrate, gps.stale_after))
    except DeviceUnavailable as error:
        return Row("GPS", Verdict.FAIL, str(error))
    with receiver:
        state = _wait_for_fix(receiver, wait)
    if isinstance(state, Fix):
        seen = "?" if state.satellites is None else str(state.satellites)
        where = f"fix at {state.lat:.5f}, {state.lon:.5f}, {seen} satellites in use"
        return Row("GPS", Verdict.PASS, f"{where} on {gps.port}")
    hint = "take the unit outside or near a window and test again"
    return Row(
        "GPS", Verdict.WARN, f"no fix yet (indoors?) after {wait:g} s: {state.reason}; {hint}"
    )


def _wait_for_fix(receiver: GpsReceiver, wait: float) -> GpsState:
    from drivers.gps import Fix

    deadline = time.monotonic() + wait
    state = receiver.state()
    while not isinstance(state, Fix) and time.monotonic() < deadline:
        time.sleep(_POLL)
        state = receiver.state()
    return state


# --- ledger ---------------------------------------------------------------------


def check_ledger(config: Config, data: Path | None) -> Row:
    """A signed status request as this device: reachable, and is it accepted?"""
    from sync.client import LedgerClient
    from sync.errors import LedgerRefused, LedgerUnreachable, NotEnrolled
    from sync.keys import load_key
    from sync.setup import key_path

    url = config.ledger.url
    try:
        key = load_key(key_path(config, data_dir(config, data)))
    except NotEnrolled as error:
        return Row("ledger", Verdict.FAIL, f"unknown device: run validator enroll ({error})")
    client = LedgerClient(url, config.ledger.timeout, key, config.device.id)
    try:
        answer = client.me()
    except LedgerRefused as error:
        return _refused(error.code, str(error))
    except LedgerUnreachable as error:
        return Row("ledger", Verdict.FAIL, f"unreachable: {error}")
    finally:
        client.close()
    return Row("ledger", Verdict.PASS, f"reachable, device accepted: {_accepted(url, answer)}")


def _refused(code: str, words: str) -> Row:
    if code == "unknown_device":
        fix = "run validator enroll --code XXXX-XXXX-XXXX"
        return Row("ledger", Verdict.FAIL, f"unknown device: {fix} ({words})")
    if code == "device_revoked":
        return Row("ledger", Verdict.FAIL, f"revoked: {words}")
    return Row("ledger", Verdict.FAIL, words)


def _accepted(url: str, answer: dict[str, object]) -> str:
    device, bus = answer.get("device_id", "?"), answer.get("bus_number", "?")
    return f"{url} knows {device} on bus {bus}"
