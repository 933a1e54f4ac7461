"""`validator selftest` on a bench unit: the real nfcpy reader against the UDP
card emulator, recorded buzzer and lights, a real SQLite store."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import takewhile
from pathlib import Path

import pytest

from drivers.nfc import CardEmulator, ClassicCard
from offline_store import OfflineStore, TapRecord
from tests.depot_helpers import Result, bench_unit, depot
from validator.model import Medium, Outcome, Reason
from validator.selftest import Verdict, check_clock

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def field() -> Iterator[CardEmulator]:
    with CardEmulator("127.0.0.1", 0) as emulator:
        yield emulator


@pytest.fixture
def unit(capsys: pytest.CaptureFixture[str], tmp_path: Path, field: CardEmulator) -> Path:
    return bench_unit(capsys, tmp_path, field.path)


def row(result: Result, part: str) -> tuple[str, str]:
    """(verdict, message) of the table row for ``part``, wrapped lines joined."""
    lines = iter(result.out.splitlines())
    for line in lines:
        found = re.fullmatch(rf"{re.escape(part)} +(PASS|WARN|FAIL|SKIP) +(.*)", line)
        if found:
            message = [found.group(2)]
            message += [text.strip() for text in takewhile(lambda t: t.startswith(" "), lines)]
            return found.group(1), " ".join(message)
    raise AssertionError(f"no row for {part!r} in:\n{result.out}")


def test_a_bench_unit_passes_and_may_go_on_a_bus(
    capsys: pytest.CaptureFixture[str], unit: Path
) -> None:
    result = depot(capsys, "selftest", "--config", unit)
    assert result.code == 0, result.out
    for part in ("unit", "device key", "storage", "journal", "clock", "NFC reader"):
        assert row(result, part)[0] == "PASS", part
    assert row(result, "buzzer and lights") == (
        "PASS",
        "buzzer, green and red each switched on and off (recorded: no hardware)",
    )
    assert row(result, "ledger")[0] == "SKIP"
    assert row(result, "printer") == ("SKIP", "no printer configured")
    assert "This unit may go on a bus." in result.out


def test_a_card_held_on_the_reader_during_the_test_is_read(
    capsys: pytest.CaptureFixture[str], unit: Path, field: CardEmulator
) -> None:
    field.place(ClassicCard(bytes.fromhex("04A1B2C3")))
    try:
        result = depot(capsys, "selftest", "--config", unit, "--card-wait", "5")
    finally:
        field.remove()
    assert row(result, "card read") == ("PASS", "read a classic card (UID 04A1B2C3)")


def test_no_card_within_the_wait_is_a_warning_not_a_failure(
    capsys: pytest.CaptureFixture[str], unit: Path
) -> None:
    result = depot(capsys, "selftest", "--config", unit, "--card-wait", "0.5")
    assert result.code == 0
    verdict, message = row(result, "card read")
    assert verdict == "WARN" and message.startswith("no card was presented within 0.5 s")


def test_a_missing_reader_fails_its_row_and_keeps_the_unit_off_the_bus(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    unit = bench_unit(capsys, tmp_path, "pn532-uart")
    result = depot(capsys, "selftest", "--config", unit)
    assert result.code == 1
    verdict, message = row(result, "NFC reader")
    assert verdict == "FAIL"
    assert message.startswith("No NFC reader at 'tty:AMA0:pn532'")
    assert "may NOT go on a bus: fix NFC reader and test again" in result.out


def test_an_unprovisioned_unit_fails_with_the_command_that_provisions_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = depot(capsys, "selftest", "--data", tmp_path / "data")
    assert result.code == 1
    verdict, message = row(result, "unit")
    assert verdict == "FAIL" and "run validator provision" in message


def test_a_device_key_open_to_others_fails_with_the_fix(
    capsys: pytest.CaptureFixture[str], unit: Path
) -> None:
    key = unit.parent / "device-ed25519.pem"
    os.chmod(key, 0o644)
    result = depot(capsys, "selftest", "--config", unit)
    assert result.code == 1
    verdict, message = row(result, "device key")
    assert verdict == "FAIL" and "open to group or others" in message


def test_little_free_space_warns_and_almost_none_fails(
    capsys: pytest.CaptureFixture[str], unit: Path
) -> None:
    result = depot(capsys, "selftest", "--config", unit, "--min-free-mb", str(10**12))
    assert result.code == 1  # under a tenth of the threshold: nearly full
    assert row(result, "storage")[0] == "FAIL"
    free_mb = os.statvfs(unit.parent).f_bavail * os.statvfs(unit.parent).f_frsize // 2**20
    result = depot(capsys, "selftest", "--config", unit, "--min-free-mb", str(free_mb + 100))
    assert result.code == 0
    assert row(result, "storage")[0] == "WARN"


def test_a_clock_behind_the_newest_tap_fails(
    capsys: pytest.CaptureFixture[str], unit: Path
) -> None:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with OfflineStore.open(unit.parent.parent / "data", "BENCH-1") as store:
        store.record(
            TapRecord(
                *(tomorrow, 1, Medium.CLASSIC, "9643108000000000012", "04A1B2C3", "12"),
                *("forward", 80, 1, 420, Outcome.ACCEPTED, Reason.PAID),
            )
        )
    result = depot(capsys, "selftest", "--config", unit)
    assert result.code == 1
    verdict, message = row(result, "clock")
    assert verdict == "FAIL" and "before the newest journal row" in message


@pytest.mark.parametrize(
    ("now", "newest", "verdict"),
    [
        (NOW, None, Verdict.PASS),
        (NOW, NOW - timedelta(hours=3), Verdict.PASS),
        (NOW, NOW + timedelta(minutes=4), Verdict.PASS),  # a little drift is fine
        (datetime(1970, 1, 1, tzinfo=UTC), None, Verdict.FAIL),  # never set
        (NOW, NOW + timedelta(hours=2), Verdict.FAIL),  # went back
        (NOW, NOW - timedelta(days=200), Verdict.WARN),  # long gap since the last tap
    ],
)
def test_the_clock_is_judged_against_the_year_and_the_newest_tap(
    now: datetime, newest: datetime | None, verdict: Verdict
) -> None:
    assert check_clock(now, newest).verdict is verdict
