"""The health-gated watchdog: pings reach a real AF_UNIX datagram socket only
while the main loop beats and the unit is healthy."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.fake_systemd import FakeSystemd, fake_systemd
from validator.sdnotify import Notifier
from validator.watchdog import Health, Watchdog, watchdog_interval

READY = Health(True, "Ready: route 12, 3 cards, ledger online")
DISK_FULL = Health(False, "Out of service: the disk is full")


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class MainLoop:
    """A stand-in for the tap loop: beats every turn until it wedges."""

    def __init__(self, watchdog: Watchdog) -> None:
        self.watchdog = watchdog
        self.wedge = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.wedge.is_set():
            self.watchdog.beat()
            time.sleep(0.005)
        self.release.wait()  # stuck, like a read that never returns

    def __enter__(self) -> MainLoop:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wedge.set()
        self.release.set()
        self.thread.join()


def watchdog_messages(messages: list[str]) -> int:
    return sum(message == "WATCHDOG=1" for message in messages)


def wait_for_pings(systemd: FakeSystemd, count: int) -> None:
    pings = 0
    while pings < count:
        pings += systemd.receive(timeout=5.0) == "WATCHDOG=1"


@pytest.fixture
def systemd() -> Iterator[FakeSystemd]:
    with fake_systemd() as fake:
        yield fake


@pytest.fixture
def notifier(systemd: FakeSystemd) -> Iterator[Notifier]:
    sender = Notifier(systemd.address)
    yield sender
    sender.close()


def test_a_turning_healthy_main_loop_keeps_systemd_pinged(
    systemd: FakeSystemd,
    notifier: Notifier,
) -> None:
    watchdog = Watchdog(notifier, 0.2, lambda: READY)
    with watchdog.running(), MainLoop(watchdog):
        wait_for_pings(systemd, 3)


def test_a_wedged_main_loop_stops_the_pings(
    systemd: FakeSystemd,
    notifier: Notifier,
) -> None:
    watchdog = Watchdog(notifier, 0.2, lambda: READY)
    with watchdog.running(), MainLoop(watchdog) as loop:
        wait_for_pings(systemd, 2)
        loop.wedge.set()
        time.sleep(0.4)  # twice the interval: the last beat is now stale
        systemd.pending()  # pings sent before the beat went stale
        time.sleep(1.0)  # the pinger checked about 20 times meanwhile
        assert watchdog_messages(systemd.pending()) == 0


def test_pings_stop_once_the_last_beat_is_older_than_half_the_interval(
    systemd: FakeSystemd,
    notifier: Notifier,
) -> None:
    clock = ManualClock()
    watchdog = Watchdog(notifier, 10.0, lambda: READY, clock=clock)
    watchdog.beat()
    clock.now += 4.9
    assert watchdog.tick()
    clock.now += 0.1
    assert not watchdog.tick()
    watchdog.beat()
    assert watchdog.tick()
    assert systemd.pending() == [f"STATUS={READY.status}", "WATCHDOG=1", "WATCHDOG=1"]


def test_ready_carries_the_status_and_the_first_ping_does_not_repeat_it(
    systemd: FakeSystemd,
    notifier: Notifier,
) -> None:
    watchdog = Watchdog(notifier, 10.0, lambda: READY, clock=ManualClock())
    watchdog.ready()
    watchdog.tick()
    assert systemd.pending() == [f"READY=1\nSTATUS={READY.status}", "WATCHDOG=1"]


def test_an_unhealthy_unit_gets_no_pings_and_says_why_in_its_status(
    systemd: FakeSystemd,
    notifier: Notifier,
) -> None:
    watchdog = Watchdog(notifier, 10.0, lambda: DISK_FULL, clock=ManualClock())
    assert not watchdog.tick()
    assert systemd.pending() == ["STATUS=Out of service: the disk is full"]


def test_the_status_is_sent_again_only_when_it_changes(
    systemd: FakeSystemd,
    notifier: Notifier,
) -> None:
    health = [READY, READY, DISK_FULL, DISK_FULL, READY]
    watchdog = Watchdog(notifier, None, lambda: health.pop(0), clock=ManualClock())
    for _ in range(5):
        watchdog.tick()
    statuses = [READY.status, DISK_FULL.status, READY.status]
    assert systemd.pending() == [f"STATUS={status}" for status in statuses]


def test_a_health_check_that_raises_stops_the_pings_and_is_reported(
    systemd: FakeSystemd,
    notifier: Notifier,
) -> None:
    def broken() -> Health:
        raise RuntimeError("the store handle is gone")

    watchdog = Watchdog(notifier, 10.0, broken, clock=ManualClock())
    assert not watchdog.tick()
    assert systemd.pending() == [
        "STATUS=Out of service: health check failed (the store handle is gone)"
    ]


@pytest.mark.parametrize(
    ("environ", "interval"),
    [
        ({"WATCHDOG_USEC": "90000000", "WATCHDOG_PID": "4242"}, 90.0),
        ({"WATCHDOG_USEC": "500000"}, 0.5),
        ({"WATCHDOG_USEC": "90000000", "WATCHDOG_PID": "1"}, None),  # meant for another process
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_the_interval_comes_from_watchdog_usec_when_it_is_meant_for_this_process(
    environ: dict[str, str], interval: float | None
) -> None:
    assert watchdog_interval(environ, 4242) == interval
