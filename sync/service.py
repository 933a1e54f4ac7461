"""The sync loop: one cycle uploads the backlog, takes the lists, the fare
table and the tickets, and measures the clock; a thread repeats it.

The loop runs on its own thread beside the tap loop and never blocks it: it
touches the store only through short transactions (``store.ledger``), and
the network only here. A failure never ends the thread; it backs off with
jitter (up to ``backoff_cap``) and says once that the ledger is unreachable
and once that it is back. After every cycle, successful or not, the list's
age is checked against ``max_list_age`` and the pipeline told the mode.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from offline_store import OfflineStore, StoreUnavailable
from offline_store.lists import ListApplied
from sync.backoff import Availability, Backoff
from sync.client import LedgerClient
from sync.errors import DocumentRefused, LedgerRefused, LedgerUnreachable, SyncError
from sync.fares import fetch_fares, fetch_tickets
from sync.keys import Enrollment
from sync.lists import fetch_list
from sync.positions import upload_positions
from sync.routes import fetch_routes
from sync.status import record_cycle, record_failure
from sync.upload import Progress, UploadReport, upload_backlog
from validator.fares import FareRules
from validator.list_policy import DegradedPolicy, ListMode, list_mode

__all__ = ["CycleReport", "Hooks", "SyncService", "SyncSettings"]

log = logging.getLogger("sync")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SyncSettings:
    interval: float = 30.0
    batch_size: int = 5000
    backoff_cap: float = 60.0
    max_list_age: timedelta = timedelta(hours=24)
    policy: DegradedPolicy = DegradedPolicy.DECLINE_UNKNOWN
    clock_tolerance: float = 5.0


@dataclass(frozen=True, slots=True)
class Hooks:
    """How the loop reaches the running validator (the pipeline)."""

    on_rules: Callable[[FareRules], None] = lambda rules: None
    on_list_mode: Callable[[ListMode], None] = lambda mode: None
    on_tickets: Callable[[list[dict[str, Any]]], None] = lambda tickets: None  # new ones


@dataclass(frozen=True, slots=True)
class CycleReport:
    upload: UploadReport
    applied: ListApplied | None = None
    fares: int | None = None  # the fare table version installed, if a new one came
    tickets: int = 0
    clock_offset: float = 0.0
    problems: tuple[str, ...] = ()  # documents refused this cycle
    routes: int | None = None  # the route data version stored, if a new one came
    positions: int = 0  # GPS positions sent to the arrival board


@dataclass
class SyncService:
    store: OfflineStore
    client: LedgerClient
    enrollment: Enrollment
    settings: SyncSettings = field(default_factory=SyncSettings)
    hooks: Hooks = field(default_factory=Hooks)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __post_init__(self) -> None:
        self.availability = Availability(self.client.url)
        self.backoff = Backoff(self.settings.backoff_cap)
        self.mode = ListMode(policy=self.settings.policy, max_age=self.settings.max_list_age)
        self._clock_off = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one cycle ----------------------------------------------------------

    def run_once(self, progress: Progress | None = None) -> CycleReport:
        """One full sync; raises LedgerUnreachable / LedgerRefused (nothing half-done
        is recorded: each step is acknowledged or applied on its own)."""
        offset = self.client.measure_offset()
        self._check_clock(offset)
        batch = self.settings.batch_size
        upload = upload_backlog(self.store, self.client, batch, progress, self._stop.is_set)
        problems: list[str] = []
        applied = self._guarded(problems, self._lists)
        version = self._guarded(problems, self._fares)
        routes = self._guarded(problems, self._routes)
        tickets = self._tickets()
        positions = upload_positions(self.client, self.store)
        report = CycleReport(
            upload,
            applied,
            version,
            tickets,
            offset,
            tuple(problems),
            routes=routes,
            positions=positions,
        )
        record_cycle(self.store, self.client.url, report, self.clock())
        return report

    def _lists(self) -> ListApplied:
        key, device = self.enrollment.ledger_key, self.enrollment.device_id
        return fetch_list(self.client, self.store, key, device, self.clock())

    def _tickets(self) -> int:
        """Take the tickets; tell the validator of each one stored for the first time."""
        before = self.store.ledger.tickets_after
        count = fetch_tickets(self.client, self.store, self.clock())
        if count:
            fresh = [t for t in self.store.ledger.tickets(self.clock()) if t["id"] > before]
            self._safely(lambda: self.hooks.on_tickets(fresh))
        return count

    def _routes(self) -> int | None:
        return fetch_routes(self.client, self.store, self.enrollment.ledger_key)

    def _fares(self) -> int | None:
        rules = fetch_fares(self.client, self.store, self.enrollment.ledger_key)
        if rules is None:
            return None
        self.hooks.on_rules(rules)
        return rules.version

    def _guarded(self, problems: list[str], step: Callable[[], _T]) -> _T | None:
        try:
            return step()
        except DocumentRefused as error:
            problems.append(str(error))
            return None

    def _check_clock(self, offset: float) -> None:
        off = abs(offset) > self.settings.clock_tolerance
        if off and not self._clock_off:
            log.warning(
                "This unit's clock is %+.1f s off the ledger's (tolerance %.1f s): "
                "check its time source (NTP or GPS); sync signs with the ledger's time",
                -offset,
                self.settings.clock_tolerance,
            )
        elif self._clock_off and not off:
            log.info("This unit's clock agrees with the ledger's again (%+.1f s)", -offset)
        self._clock_off = off

    # --- the list's age -----------------------------------------------------

    def check_list_age(self) -> ListMode:
        """Compute the mode from the list's age; tell the pipeline; log changes once."""
        received = _parse(self.store.ledger.list_info().received_at)
        s = self.settings
        mode = list_mode(received, self.clock(), s.max_list_age, s.policy)
        if mode.degraded != self.mode.degraded:
            level = logging.WARNING if mode.degraded else logging.INFO
            log.log(level, "Balance list: %s", mode.describe() if mode.degraded else "fresh again")
        self.mode = mode
        self.hooks.on_list_mode(mode)
        return mode

    # --- the thread ---------------------------------------------------------

    def start(self, running_rules: FareRules | None = None) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(running_rules,), name="sync", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, running_rules: FareRules | None) -> None:
        self._install_stored(running_rules)
        while not self._stop.is_set():
            delay = self.cycle()
            self._stop.wait(delay)

    def cycle(self) -> float:
        """One cycle as the loop runs it: never raises; the delay until the next."""
        try:
            report = self.run_once()
        except Exception as error:  # the loop must outlive any failure
            self._failed(error)
            delay = self.backoff.next_delay()
        else:
            self._succeeded(report)
            delay = self.settings.interval
        self._safely(self.check_list_age)
        return delay

    def _succeeded(self, report: CycleReport) -> None:
        self.backoff.reset()
        self.availability.reachable(report.upload.backlog)
        if report.problems:
            self.availability.trouble("; ".join(report.problems))
        else:
            self.availability.clear()

    def _failed(self, error: Exception) -> None:
        backlog = self._safely(self._backlog) or 0
        if isinstance(error, LedgerUnreachable):
            self.availability.unreachable(str(error), backlog)
        elif isinstance(error, SyncError | StoreUnavailable):
            if isinstance(error, LedgerRefused):
                self.availability.reachable(backlog)
            self.availability.trouble(f"Sync stopped: {error}")
        else:
            self.availability.trouble(f"Sync failed unexpectedly: {error!r}")
            log.debug("sync failure", exc_info=error)
        self._safely(lambda: record_failure(self.store, self.client.url, error, self.clock()))

    def _backlog(self) -> int:
        return self.store.ledger.last_seq() - self.store.ledger.uploaded_seq

    def _install_stored(self, running: FareRules | None) -> None:
        from sync.fares import stored_rules

        rules = None if running is None else stored_rules(self.store, running)
        if rules is not None:
            log.info("Fare table version %d (received from the ledger) in force", rules.version)
            self.hooks.on_rules(rules)

    def _safely(self, step: Callable[[], _T]) -> _T | None:
        try:
            return step()
        except Exception as error:  # a failing store must not end the loop
            log.debug("sync step failed: %r", error)
            return None


def _parse(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
