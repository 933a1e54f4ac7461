"""`validator selftest` rows for the printer (a fake printer on a real pty), the
GPS receiver (the NMEA log replayed on a pty) and the ledger (the real ledger on
loopback, with the unit enrolled or not)."""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.nfc import CardEmulator
from ledger.admin_client import AdminClient
from ledger.serve import LedgerServer
from ledger.signing import admin_token
from sync import enroll
from tests.depot_helpers import bench_unit, depot
from tests.fake_printer import SerialFakePrinter
from tests.regenerate_receipts import needs_dejavu
from tests.test_selftest import row
from validator.config import load_config

LOG = Path(__file__).parent / "fixtures" / "nmea" / "receiver.log"
_units = itertools.count(1)


@pytest.fixture(scope="module")
def field() -> Iterator[CardEmulator]:
    with CardEmulator("127.0.0.1", 0) as emulator:
        yield emulator


@pytest.fixture
def reader(field: CardEmulator) -> str:
    return str(field.path)


def unit_with(
    capsys: pytest.CaptureFixture[str], tmp: Path, reader: str, toml: str, *extra: str
) -> Path:
    """A bench unit (device PARTS-n) with ``toml``'s section replacing its own."""
    device = ("--device-id", f"PARTS-{next(_units)}")
    unit = bench_unit(capsys, tmp, reader, *device, *extra)
    if not toml:
        return unit
    header = toml.splitlines()[0]
    kept = unit.read_text(encoding="utf-8").split("\n\n")
    kept = [block for block in kept if not block.startswith(header)]
    unit.write_text("\n\n".join(kept) + "\n\n" + toml, encoding="utf-8")
    return unit


def with_printer(port: str) -> str:
    return f'[printer]\nkind = "serial"\nserial_port = "{port}"\ntimeout = 1.0\n'


@pytest.fixture
def printer() -> Iterator[SerialFakePrinter]:
    fake = SerialFakePrinter()
    yield fake
    fake.close()


@needs_dejavu
def test_a_printer_that_prints_the_test_page_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str, printer: SerialFakePrinter
) -> None:
    unit = unit_with(capsys, tmp_path, reader, with_printer(printer.port))
    result = depot(capsys, "selftest", "--config", unit, "--gps-wait", "0")
    verdict, message = row(result, "printer")
    assert verdict == "PASS" and "printed a test page" in message
    assert len(printer.state.printed) > 1000  # the page, drawn as an image


@needs_dejavu
def test_a_printer_without_paper_fails_with_its_own_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str, printer: SerialFakePrinter
) -> None:
    printer.state.paper_out = True
    unit = unit_with(capsys, tmp_path, reader, with_printer(printer.port))
    result = depot(capsys, "selftest", "--config", unit)
    assert result.code == 1
    verdict, message = row(result, "printer")
    assert verdict == "FAIL" and message.startswith("Printer out of paper: load a new roll")
    assert "may NOT go on a bus: fix printer" in result.out
    assert printer.state.printed == bytearray()


def test_an_unplugged_printer_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str
) -> None:
    unit = unit_with(capsys, tmp_path, reader, with_printer("/dev/ttyPRINTER-none"))
    verdict, message = row(depot(capsys, "selftest", "--config", unit), "printer")
    assert verdict == "FAIL" and message.startswith("Printer not connected")


# --- GPS ------------------------------------------------------------------------


@pytest.fixture
def gps_pty() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    name = os.ttyname(slave)
    os.close(slave)
    os.set_blocking(master, False)
    yield master, name
    with contextlib.suppress(OSError):
        os.close(master)


def feed(master: int, stop: threading.Event) -> None:
    """The receiver talking: the log's first seconds, again and again."""
    data = LOG.read_bytes()[:3000]
    while not stop.wait(0.05):
        with contextlib.suppress(OSError):
            os.write(master, data)


def with_gps(port: str) -> str:
    return f'[gps]\nbackend = "serial"\nport = "{port}"\n'


def test_a_gps_with_a_fix_passes_with_position_and_satellites(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str, gps_pty: tuple[int, str]
) -> None:
    master, port = gps_pty
    unit = unit_with(capsys, tmp_path, reader, with_gps(port))
    stop = threading.Event()
    talker = threading.Thread(target=feed, args=(master, stop), daemon=True)
    talker.start()
    try:
        result = depot(capsys, "selftest", "--config", unit, "--gps-wait", "10")
    finally:
        stop.set()
        talker.join(5)
    verdict, message = row(result, "GPS")
    assert verdict == "PASS" and message.startswith("fix at ")
    assert "satellites in use" in message and "? satellites" not in message


def test_a_silent_gps_is_a_warning_not_a_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str, gps_pty: tuple[int, str]
) -> None:
    unit = unit_with(capsys, tmp_path, reader, with_gps(gps_pty[1]))
    result = depot(capsys, "selftest", "--config", unit, "--gps-wait", "0.3")
    verdict, message = row(result, "GPS")
    assert verdict == "WARN" and message.startswith("no fix yet (indoors?) after 0.3 s")
    assert result.code == 0


def test_a_gps_port_that_cannot_be_opened_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str
) -> None:
    unit = unit_with(capsys, tmp_path, reader, with_gps("/dev/ttyGPS-none"))
    result = depot(capsys, "selftest", "--config", unit, "--gps-wait", "0")
    verdict, message = row(result, "GPS")
    assert verdict == "FAIL" and "GPS receiver cannot be opened at /dev/ttyGPS-none" in message


# --- ledger ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerServer]:
    with LedgerServer(tmp_path_factory.mktemp("ledger")) as server:
        yield server


def ledger_unit(capsys: pytest.CaptureFixture[str], tmp: Path, reader: str, url: str) -> Path:
    return unit_with(capsys, tmp, reader, "", "--ledger", url)


def device_id(unit: Path) -> str:
    return str(load_config(unit).device.id)


def enroll_unit(ledger: LedgerServer, unit: Path) -> AdminClient:
    """Enroll the unit as ``validator enroll`` does; an admin of the ledger."""
    admin = AdminClient(ledger.url, admin_token(ledger.data_dir))
    code = admin.enrollment_code("B123")
    key = unit.parent / "device-ed25519.pem"
    data = unit.parent.parent / "data"
    enroll(ledger.url, code, data_dir=data, device_id=device_id(unit), key_path=key, timeout=5)
    return admin


def test_an_enrolled_unit_reaches_the_ledger_and_is_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str, ledger: LedgerServer
) -> None:
    unit = ledger_unit(capsys, tmp_path, reader, ledger.url)
    enroll_unit(ledger, unit)
    result = depot(capsys, "selftest", "--config", unit)
    verdict, message = row(result, "ledger")
    assert verdict == "PASS" and message.startswith("reachable, device accepted")
    assert result.code == 0


def test_a_unit_not_enrolled_is_told_to_run_validator_enroll(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str, ledger: LedgerServer
) -> None:
    unit = ledger_unit(capsys, tmp_path, reader, ledger.url)
    result = depot(capsys, "selftest", "--config", unit)
    verdict, message = row(result, "ledger")
    assert verdict == "FAIL" and message.startswith("unknown device: run validator enroll")
    assert result.code == 1


def test_a_revoked_unit_fails_as_revoked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str, ledger: LedgerServer
) -> None:
    unit = ledger_unit(capsys, tmp_path, reader, ledger.url)
    admin = enroll_unit(ledger, unit)
    admin.revoke(device_id(unit))
    verdict, message = row(depot(capsys, "selftest", "--config", unit), "ledger")
    assert verdict == "FAIL" and message.startswith("revoked:")


def test_a_ledger_that_does_not_answer_is_unreachable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reader: str
) -> None:
    unit = ledger_unit(capsys, tmp_path, reader, "http://127.0.0.1:9")
    verdict, message = row(depot(capsys, "selftest", "--config", unit), "ledger")
    assert verdict == "FAIL" and message.startswith("unreachable: no answer from")
