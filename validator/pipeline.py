"""One presentation at a time: wait for a card, read it, decide, make the tap
durable, and only then beep; then wait until the card has left the field.

The pipeline is the only writer of taps. It never touches the network.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from offline_store import JournalRow, OfflineStore, StoreUnavailable, TapRecord
from validator.clock import Clock
from validator.fares import FareRules
from validator.judge import MediaPolicy, Verdict, judge
from validator.list_policy import ListMode, restrict
from validator.messages import Language, passenger_line
from validator.model import (
    Category,
    Decision,
    Medium,
    Outcome,
    Presentation,
    Reason,
    Signal,
    TripContext,
)
from validator.ports import CardRead, CardReader, Feedback, ReadFailure, ReadProblem, Rejection
from validator.presence import PresenceTracker

log = logging.getLogger("validator.pipeline")

NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Answer:
    """What one presentation came to, as the passenger and the driver saw it."""

    decision: Decision
    line: str
    medium: Medium
    uid: str | None
    card_number: str | None
    row: JournalRow | None  # None when the tap could not be stored


@dataclass(frozen=True, slots=True)
class Inspected:
    """A presentation the inspector answered instead of boarding it: never
    charged; the pipeline shows ``answer.line`` and plays ``signal``."""

    answer: Answer
    signal: Signal


@dataclass(frozen=True, slots=True)
class PipelineSettings:
    poll_timeout: float = 0.5
    removal_timeout: float = 30.0
    echo_window: float = 0.5  # the same card re-sensed this soon after last seen: not a new tap
    companion_window: float = 10.0  # how long the +1 key stays armed


class Pipeline:
    def __init__(
        self,
        reader: CardReader,
        store: OfflineStore,
        feedback: Feedback,
        rules: FareRules,
        trip: TripContext,
        language: Language,
        clock: Clock,
        settings: PipelineSettings = PipelineSettings(),
        on_answer: Callable[[Answer], None] | None = None,
        media: MediaPolicy | None = None,
    ) -> None:
        self._reader, self._store, self._feedback = reader, store, feedback
        self.media = media or MediaPolicy()  # keys and limits of the secure media
        self._rules, self.trip, self._language = rules, trip, language
        self._clock, self._settings, self._on_answer = clock, settings, on_answer
        self._presence = PresenceTracker(reader, clock, settings.removal_timeout)
        self._companion_until_ns = 0
        self._lock = threading.Lock()
        self._fault: str | None = None
        self._tap_lock = threading.Lock()  # one presentation at a time, from any source
        self.context: Callable[[], Mapping[str, object]] = dict  # position, stop (GPS)
        self.list_mode = ListMode()  # degraded when the list is too old (set by sync)
        # The trip a tap is decided on, or the decline when boarding is not open
        # (the crew service's shift gate); given the config's trip. Default: open.
        self.gate: Callable[[TripContext], TripContext | Decision] = _always_open
        # Answers the presentation instead of boarding it while the crew has armed
        # "check the next card" (the crew service's inspection), else None.
        self.inspector: Callable[[CardRead | ReadFailure | Rejection], Inspected | None] = (
            _no_inspection
        )

    @property
    def fault(self) -> str | None:
        """Why the validator is out of service, or None while it works."""
        return self._fault

    def press_companion(self) -> None:
        """The +1 key: the next tap of a card that already paid pays for one more rider."""
        with self._lock:
            window = int(self._settings.companion_window * NS)
            self._companion_until_ns = self._clock.monotonic_ns() + window

    def set_rules(self, rules: FareRules) -> None:
        self._rules = rules

    def run(self, stop: threading.Event, heartbeat: Callable[[], None] | None = None) -> None:
        while not stop.is_set():
            self.step(self._settings.poll_timeout)
            if heartbeat is not None:
                heartbeat()

    def step(self, timeout: float) -> Answer | None:
        """Handle at most one presentation; None when no (new) card came."""
        result = self._reader.poll(timeout)
        if result is None:
            return None
        uid = result.uid if isinstance(result, ReadFailure) else result.presentation.uid
        if self._presence.is_echo(uid, self._settings.echo_window):
            self._presence.wait_until_gone(uid)
            return None
        answer = self.present(result)
        self._presence.wait_until_gone(uid)
        return answer

    def present(self, result: CardRead | ReadFailure | Rejection) -> Answer:
        """One presentation from any source (the NFC loop, the QR scanner,
        Bluetooth): decide, make it durable, then answer. Serialized."""
        with self._tap_lock, self._store.tap_in_progress():
            answer = self._inspected(result) or self._answer(result)
        if self._on_answer is not None:
            self._on_answer(answer)
        return answer

    def _inspected(self, result: CardRead | ReadFailure | Rejection) -> Answer | None:
        inspected = self.inspector(result)
        if inspected is None:
            return None
        self._feedback.display(inspected.answer.line)
        self._feedback.signal(inspected.signal)
        return inspected.answer

    def _answer(self, result: CardRead | ReadFailure | Rejection) -> Answer:
        now, mono = self._clock.now(), self._clock.monotonic_ns()
        if isinstance(result, Rejection):
            decision = Decision(Outcome.DECLINED, result.reason)
            return self._commit(Verdict(result.presentation, None, decision), now, mono)
        if isinstance(result, ReadFailure):
            presentation = Presentation(result.medium or Medium.UNKNOWN, uid=result.uid)
            return self._commit(Verdict(presentation, None, _read_failure(result)), now, mono)
        presentation = self._with_companion(result.presentation, mono)
        trip = self.gate(self.trip)
        if isinstance(trip, Decision):
            return self._commit(Verdict(presentation, None, trip), now, mono)
        try:
            verdict = judge(presentation, self._store, self._rules, trip, now, self.media)
            verdict = restrict(verdict, self.list_mode)
        except StoreUnavailable as exc:
            return self._out_of_service(presentation, exc)
        return self._commit(verdict, now, mono, trip)

    def _with_companion(self, presentation: Presentation, mono: int) -> Presentation:
        with self._lock:
            armed = mono < self._companion_until_ns
            self._companion_until_ns = 0
        return replace(presentation, companion=True) if armed else presentation

    def _commit(
        self, verdict: Verdict, now: datetime, mono: int, trip: TripContext | None = None
    ) -> Answer:
        extra = _extra(verdict, self.context())
        tap = _tap_record(verdict, trip or self.trip, now, mono, extra)
        try:
            row = self._store.record(tap)
        except StoreUnavailable as exc:
            return self._out_of_service(verdict.presentation, exc)
        self._back_in_service()
        return self._show(verdict.decision, verdict.presentation, tap.card_number, row)

    def _show(
        self,
        decision: Decision,
        presentation: Presentation,
        card_number: str | None,
        row: JournalRow | None,
    ) -> Answer:
        line = passenger_line(decision, self._language)
        self._feedback.display(line)
        self._feedback.signal(decision.signal)
        medium, uid = presentation.medium, presentation.uid
        return Answer(decision, line, medium, uid, card_number, row)

    def _out_of_service(self, presentation: Presentation, exc: StoreUnavailable) -> Answer:
        if self._fault != str(exc):
            log.error("Out of service: %s", exc)
        self._fault = str(exc)
        decision = Decision(Outcome.DECLINED, Reason.OUT_OF_SERVICE)
        return self._show(decision, presentation, presentation.card_number, None)

    def _back_in_service(self) -> None:
        if self._fault is not None:
            log.warning("Storage works again; the validator is back in service")
            self._fault = None


def _always_open(trip: TripContext) -> TripContext:
    return trip


def _no_inspection(result: CardRead | ReadFailure | Rejection) -> None:
    return None


def _read_failure(failure: ReadFailure) -> Decision:
    """A card that failed authentication is declined; any other failed read
    asks the passenger to present the card again."""
    if failure.problem is ReadProblem.NOT_GENUINE:
        return Decision(Outcome.DECLINED, Reason.NOT_GENUINE)
    return Decision(Outcome.DECLINED, Reason.READ_ERROR)


def _extra(verdict: Verdict, context: Mapping[str, object]) -> str | None:
    """Compact JSON of the tap's context: where the bus was, and the holder's
    category when it is not the standard one (for the shift report)."""
    extra = dict(context)
    account = verdict.account
    if account is not None and account.category is not Category.STANDARD:
        extra["category"] = account.category.value
    if not extra:
        return None
    return json.dumps(extra, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _tap_record(
    verdict: Verdict, trip: TripContext, now: datetime, mono: int, extra: str | None
) -> TapRecord:
    presentation, account, decision = verdict.presentation, verdict.account, verdict.decision
    return TapRecord(
        time=now,
        mono_ns=mono,
        medium=presentation.medium,
        card_number=account.card_number if account else presentation.card_number,
        uid=presentation.uid,
        route=trip.route,
        direction=trip.direction,
        fare=decision.fare,
        riders=decision.riders,
        balance_after=decision.balance_after,
        result=decision.outcome,
        reason=decision.reason,
        pan_token=presentation.pan_token,
        masked_pan=presentation.masked_pan,
        token_use=verdict.token_use,
        extra=extra,
    )
