"""The GPS receiver on a real pty: the latest fix, the counters, silence,
unplugging, and the bench replay of an NMEA log."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.errors import DeviceUnavailable
from drivers.gps import (
    Fix,
    GpsReceiver,
    GpsSettings,
    NmeaCounters,
    NoFix,
    current_state,
    nmea_epochs,
)
from drivers.serial_link import Backoff
from validator.cmd_emulate_serial import emulate_gps
from validator.config import ConfigError

LOG = Path(__file__).parent / "fixtures" / "nmea" / "receiver.log"
FAST = GpsSettings(stale_after=5.0, backoff=Backoff(first=0.01, longest=0.05))
WAIT = 10.0
HERE = Fix(None, 47.1, 51.9, 20.0)


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    name = os.ttyname(slave)
    os.close(slave)
    yield master, name
    with contextlib.suppress(OSError):
        os.close(master)


def send(master: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(master, view) :]


def test_the_receiver_log_through_a_real_pty_gives_the_last_fix_and_the_counts(
    pty: tuple[int, str],
) -> None:
    master, name = pty
    with GpsReceiver.open(name, FAST) as receiver:
        assert receiver.state() == NoFix(None, "no position from the GPS receiver yet")
        send(master, LOG.read_bytes())
        until(lambda: receiver.counters().lines == 882)
        assert receiver.counters() == NmeaCounters(
            lines=882, fixes=185, no_fix=30, ignored=657, bad_checksum=3, garbage=7
        )
        state = receiver.state()
        assert isinstance(state, Fix) and state.speed_kmh == 0.0


def test_a_receiver_that_falls_silent_reads_as_no_fix(pty: tuple[int, str]) -> None:
    master, name = pty
    rmc = b"$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n"
    with GpsReceiver.open(name, GpsSettings(stale_after=0.2)) as receiver:
        send(master, rmc)
        until(lambda: isinstance(receiver.state(), Fix))
        until(lambda: isinstance(receiver.state(), NoFix))
        state = receiver.state()
        assert isinstance(state, NoFix) and "silent" in state.reason
        assert state.time is not None and state.time.year == 1994  # the last time it said


def test_an_unplugged_receiver_is_no_fix_logged_once_and_read_again_when_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="drivers.serial_link")
    link = tmp_path / "ttyGPS"
    master, slave = os.openpty()
    link.symlink_to(os.ttyname(slave))
    os.close(slave)
    with GpsReceiver.open(str(link), FAST) as receiver:
        os.close(master)
        until(lambda: receiver.link.failed_reopens >= 5)
        assert receiver.state() == NoFix(None, "the GPS receiver is unplugged")
        master, slave = os.openpty()
        link.unlink()
        link.symlink_to(os.ttyname(slave))
        os.close(slave)
        until(lambda: receiver.link.up)
        send(master, LOG.read_bytes()[:3000])
        until(lambda: isinstance(receiver.state(), Fix))
    os.close(master)
    assert [r.getMessage() for r in caplog.records] == [
        f"GPS receiver unplugged at {link}; retrying",
        f"GPS receiver back at {link}",
    ]


def test_a_receiver_that_cannot_be_opened_at_start_names_the_setting_to_check() -> None:
    with pytest.raises(
        DeviceUnavailable, match=r"GPS receiver cannot be opened at /dev/ttyGPS-none"
    ):
        GpsReceiver.open("/dev/ttyGPS-none")
    with pytest.raises(DeviceUnavailable, match=r"gps\.port"):
        GpsReceiver.open("/dev/ttyGPS-none")


def test_the_state_shown_follows_connection_silence_and_the_last_word() -> None:
    assert current_state(HERE, 0.5, True, 3.0) is HERE
    assert current_state(HERE, 0.5, False, 3.0) == NoFix(None, "the GPS receiver is unplugged")
    assert "silent for 4 s" in current_state(HERE, 4.2, True, 3.0).reason  # type: ignore[union-attr]
    searching = NoFix(None, "the GPS receiver has no fix")
    assert current_state(searching, 0.1, True, 3.0) is searching


def test_the_bench_replays_a_log_to_a_validator_on_a_pty(tmp_path: Path) -> None:
    link = tmp_path / "ttyGPS"
    stop = threading.Event()
    out = io.StringIO()
    bench = threading.Thread(
        target=lambda: emulate_gps(LOG, f"pty:{link}", 50.0, stop=stop, out=out)
    )
    bench.start()
    try:
        until(link.exists)
        with GpsReceiver.open(str(link), FAST) as receiver:
            until(lambda: isinstance(receiver.state(), Fix))
    finally:
        stop.set()
        bench.join(WAIT)
    assert "Replaying 109 epochs" in out.getvalue()  # 110 s, one RMC lost in a splice
    assert not link.exists()


def test_the_bench_replay_refuses_a_missing_file_and_a_rate_of_zero(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the NMEA file"):
        emulate_gps(tmp_path / "none.log", "loop://", 1.0)
    with pytest.raises(ConfigError, match="--rate"):
        emulate_gps(LOG, "loop://", 0.0)


def test_the_bench_cuts_a_log_into_one_epoch_a_second_and_loses_no_byte() -> None:
    data = LOG.read_bytes()
    epochs = nmea_epochs(data)
    assert b"".join(epochs) == data
    assert all(epoch.startswith(b"$GPRMC") for epoch in epochs)


def test_a_replay_into_a_port_nobody_reads_stops_with_an_error_instead_of_hanging() -> None:
    with pytest.raises(DeviceUnavailable, match="writing to loop:// failed"):
        emulate_gps(LOG, "loop://", 1000.0, out=io.StringIO())
