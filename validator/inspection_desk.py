"""The inspector's "check the next card" at the reader.

Armed from the driver console for ``shift.inspection_tap_seconds``, the desk
answers the next card, phone or code presented at the reader or the QR
scanner with an inspection instead of a boarding: nothing is charged and no
tap is recorded; the inspection's line goes to the display (and the
console), a short neutral chirp plays (lights untouched, never the green
accept), and the inspection is journaled as a crew event with its verdict.
One presentation only: then boarding goes on as usual. A read that failed
asks for the card again and stays armed; the arming also ends by itself.

Installed as ``Pipeline.inspector`` (``validator.crew_wiring``); not armed,
it answers None at once and taps pay as usual. Thread-safe: the console arms
it from its own thread while the pipeline asks it on every presentation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from offline_store import JournalRow
from validator.clock import Clock
from validator.inspection import Inspection, Verdict
from validator.inspection_media import (
    Arming,
    InspectionEvent,
    Presented,
    arm,
    inspection_line,
    is_inspected,
)
from validator.model import Decision, Medium, Outcome, Reason, Signal
from validator.pipeline import Answer, Inspected
from validator.ports import ReadFailure

__all__ = ["INSPECTION_SIGNAL", "InspectionCrew", "InspectionDesk", "LastInspection"]

log = logging.getLogger("validator.crew")

INSPECTION_SIGNAL = Signal.TICKET_ARRIVED  # one short chirp, lights left as they are
_INSPECTED = Decision(Outcome.ACCEPTED, Reason.CREW_EVENT)  # as the journal row says
_NOT_READ = Decision(Outcome.DECLINED, Reason.READ_ERROR)
_AGAIN = Signal.PRESENT_AGAIN  # a failed read while armed: tap again, still armed


class InspectionCrew(Protocol):
    """What the desk needs from the crew service."""

    @property
    def language(self) -> str: ...

    def inspect_presented(self, result: Presented) -> Inspection | None: ...

    def record_inspection(self, event: InspectionEvent) -> JournalRow | None: ...


@dataclass(frozen=True, slots=True)
class LastInspection:
    """The last inspection answer, as the console lists it."""

    at: datetime
    line: str
    verdict: Verdict


class InspectionDesk:
    def __init__(self, crew: InspectionCrew, clock: Clock, span: timedelta) -> None:
        self._crew, self._clock, self.span = crew, clock, span
        self._lock = threading.Lock()
        self._arming = Arming()
        self._last: LastInspection | None = None
        self.show: Callable[[str], None] = _nowhere  # the validator's display (wiring)

    def arm(self) -> str:
        """Arm "check the next card"; the line for the console."""
        with self._lock:
            self._arming = arm(self._clock.now(), self.span)
        self.show(self._line("armed"))
        seconds = int(self.span.total_seconds())
        return self._line("armed_console").format(seconds=seconds)

    def cancel(self) -> str:
        with self._lock:
            was_armed = self._arming.armed(self._clock.now())
            self._arming = Arming()
        if was_armed:
            self.show(self._line("cancelled"))
        return self._line("cancelled")

    def armed_until(self) -> datetime | None:
        with self._lock:
            arming = self._arming
        return arming.until if arming.armed(self._clock.now()) else None

    @property
    def last(self) -> LastInspection | None:
        return self._last

    def remember(self, inspection: Inspection, at: datetime) -> None:
        self._last = LastInspection(at, inspection.line, inspection.verdict)

    def waiting_line(self) -> str | None:
        """The console's "Waiting for a card until 06:40:30" while armed, else None."""
        until = self.armed_until()
        if until is None:
            return None
        stamp = until.strftime("%H:%M:%S")
        return self._line("waiting").format(until=stamp)

    def __call__(self, result: Presented) -> Inspected | None:
        """For ``Pipeline.inspector``: None unless armed (and at the reader)."""
        now = self._clock.now()
        with self._lock:
            if not (self._arming.armed(now) and is_inspected(result)):
                return None
        inspection = self._crew.inspect_presented(result)
        if inspection is None:
            return Inspected(_answer(result, _NOT_READ, self._line("read_again")), _AGAIN)
        with self._lock:
            self._arming = Arming()  # one presentation only
        row = self._crew.record_inspection(_event(result, inspection, now))
        self.remember(inspection, now)
        log.info("Inspection at the reader: %s (%s)", inspection.verdict.value, _medium(result))
        return Inspected(_answer(result, _INSPECTED, inspection.line, row), INSPECTION_SIGNAL)

    def _line(self, key: str) -> str:
        return inspection_line(key, self._crew.language)


def _nowhere(line: str) -> None:
    return None


def _medium(result: Presented) -> Medium:
    if isinstance(result, ReadFailure):
        return result.medium or Medium.UNKNOWN
    return result.presentation.medium


def _event(result: Presented, inspection: Inspection, now: datetime) -> InspectionEvent:
    if isinstance(result, ReadFailure):
        return InspectionEvent(now, _medium(result), inspection, uid=result.uid)
    shown = result.presentation
    return InspectionEvent(
        now,
        shown.medium,
        inspection,
        card_number=shown.card_number,
        uid=shown.uid,
        pan_token=shown.pan_token,
        masked_pan=shown.masked_pan,
    )


def _answer(
    result: Presented, decision: Decision, line: str, row: JournalRow | None = None
) -> Answer:
    if isinstance(result, ReadFailure):
        return Answer(decision, line, _medium(result), result.uid, None, row)
    shown = result.presentation
    return Answer(decision, line, shown.medium, shown.uid, shown.card_number, row)
