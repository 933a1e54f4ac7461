"""A health-gated systemd watchdog.

The main loop calls :meth:`Watchdog.beat` once per iteration. A small thread
sends ``WATCHDOG=1`` only while the last beat is fresher than half of the
watchdog interval and the unit reports itself healthy, so a wedged main loop
(or a unit that says it is not fit to serve) stops the pings and systemd
restarts it. The same thread keeps ``STATUS=`` in step with the unit's health,
in words: "Ready: route 12, 1 000 000 cards, ledger online".

The interval comes from ``WATCHDOG_USEC``, read by the composition root with
:func:`watchdog_interval` and passed in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from validator.sdnotify import Notifier

__all__ = [
    "Health",
    "LedgerState",
    "Watchdog",
    "out_of_service_status",
    "ready_status",
    "watchdog_interval",
]

log = logging.getLogger(__name__)

STATUS_PERIOD = 5.0  # seconds between health checks when systemd set no watchdog
LedgerState = Literal["online", "offline", "not configured"]


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool  # False: stop the pings, let systemd restart the unit
    status: str  # the STATUS= line, in words


def watchdog_interval(environ: Mapping[str, str], pid: int) -> float | None:
    """``WATCHDOG_USEC`` in seconds, or None when systemd set no watchdog for us."""
    owner = environ.get("WATCHDOG_PID")
    if owner is not None and owner.strip() != str(pid):
        return None
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None


def ready_status(route: str, cards: int, ledger: LedgerState) -> str:
    """``"Ready: route 12, 1 000 000 cards, ledger online"``."""
    count = f"{cards:,}".replace(",", " ") + (" card" if cards == 1 else " cards")
    link = "no ledger configured" if ledger == "not configured" else f"ledger {ledger}"
    return f"Ready: route {route}, {count}, {link}"


def out_of_service_status(reason: str) -> str:
    """``"Out of service: the disk is full"`` from a driver-facing message."""
    text = reason.removeprefix("Storage failed: ").strip()
    first = text.split(". ", 1)[0].rstrip(".")
    return f"Out of service: {first or 'unknown fault'}"


class Watchdog:
    """Pings systemd from a thread while the main loop beats and the unit is healthy."""

    def __init__(
        self,
        notifier: Notifier,
        interval: float | None,
        health: Callable[[], Health],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notifier, self._interval = notifier, interval
        self._health, self._clock = health, clock
        self._last_beat = clock()
        self._status: str | None = None
        self._check_failed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def period(self) -> float:
        """How often the thread checks: a quarter of the watchdog interval."""
        return self._interval / 4 if self._interval else STATUS_PERIOD

    def ready(self) -> None:
        """Tell systemd the unit is ready (READY=1), with its status in words."""
        health = self._check()
        self._notifier.ready(health.status)
        self._status = health.status

    def beat(self) -> None:
        """Called by the main loop each iteration: it is alive."""
        self._last_beat = self._clock()

    def tick(self) -> bool:
        """One round of the thread: STATUS= when it changed, WATCHDOG=1 when
        the last beat is fresh and the unit healthy. True when it pinged."""
        health = self._check()
        if health.status != self._status:
            self._notifier.status(health.status)
            self._status = health.status
        if self._interval is None or not health.ok:
            return False
        if self._clock() - self._last_beat >= self._interval / 2:
            return False
        return self._notifier.watchdog()

    def start(self) -> None:
        self._last_beat = self._clock()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    @contextmanager
    def running(self) -> Iterator[Watchdog]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def _run(self) -> None:
        self.tick()
        while not self._stop.wait(self.period):
            self.tick()

    def _check(self) -> Health:
        try:
            health = self._health()
        except Exception as error:  # a broken check must not kill the pinger silently
            if not self._check_failed:
                log.exception("health check failed; the watchdog pings stop")
            self._check_failed = True
            return Health(False, f"Out of service: health check failed ({error})")
        self._check_failed = False
        return health
