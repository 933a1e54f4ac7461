"""The shift: closed → open (PIN or driver card) → route chosen → trips → closed.

Every function here is pure: it takes the current ``ShiftState``, the input
and the time, and returns a ``ShiftStep`` with the next state, the events to
journal and, when the action was refused, why. The daemon keeps the state;
after a restart ``replay`` rebuilds it from the journaled events.

Taps outside an open shift follow ``ShiftPolicy.off_shift``: ``"accept"``
takes them on the last route, ``"decline"`` declines them with
``Reason.NO_SHIFT`` (``tap_gate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from validator.crew import CrewList, CrewMember, pin_matches
from validator.crew_lines import SHIFT_REFUSALS
from validator.model import Decision, Outcome, Reason, TripContext, is_aware

__all__ = [
    "CardSignIn",
    "OffShift",
    "Phase",
    "PinSignIn",
    "Refusal",
    "RefusalReason",
    "ShiftEvent",
    "ShiftEventKind",
    "ShiftPolicy",
    "ShiftState",
    "ShiftStep",
    "choose_route",
    "close_shift",
    "end_trip",
    "open_shift",
    "replay",
    "start_trip",
    "tap_gate",
]

OffShift = Literal["accept", "decline"]
DIRECTIONS = ("forward", "backward")
MAX_ROUTE_CHARS = 16


class Phase(StrEnum):
    CLOSED = "closed"  # no shift
    OPEN = "open"  # crew signed in, no route chosen yet
    ROUTE_SET = "route_set"  # route and direction chosen, between trips: boarding open
    ON_TRIP = "on_trip"  # a trip is running: boarding open


class ShiftEventKind(StrEnum):
    OPENED = "shift_opened"
    SIGN_IN_REFUSED = "sign_in_refused"
    KEYPAD_LOCKED = "keypad_locked"
    ROUTE_SET = "route_set"
    TRIP_STARTED = "trip_started"
    TRIP_ENDED = "trip_ended"
    CLOSED = "shift_closed"


@dataclass(frozen=True, slots=True)
class ShiftEvent:
    """One journal event of the shift. No PIN, ever."""

    kind: ShiftEventKind
    at: datetime
    crew_id: str | None = None
    crew_name: str | None = None
    route: str | None = None
    direction: str | None = None
    trip: int | None = None  # trip number within the shift, from 1
    until: datetime | None = None  # keypad locked until
    detail: str = ""


class RefusalReason(StrEnum):
    WRONG_PIN = "wrong_pin"  # unknown number, wrong PIN or PIN missing
    UNKNOWN_CARD = "unknown_card"
    LOCKED = "locked"
    ALREADY_OPEN = "already_open"
    NO_SHIFT = "no_shift"
    NO_ROUTE = "no_route"
    BAD_ROUTE = "bad_route"
    TRIP_RUNNING = "trip_running"
    NO_TRIP = "no_trip"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: RefusalReason
    tries_left: int | None = None
    until: datetime | None = None

    def line(self, language: str = "en") -> str:
        """What the driver reads on the console (kk, ru or en)."""
        book = SHIFT_REFUSALS.get(language, SHIFT_REFUSALS["en"])
        until = "" if self.until is None else self.until.strftime("%H:%M")
        return book[self.reason].format(left=self.tries_left, until=until)


@dataclass(frozen=True, slots=True)
class ShiftPolicy:
    off_shift: OffShift = "decline"
    max_wrong_pins: int = 3
    lockout: timedelta = timedelta(minutes=5)
    card_needs_pin: bool = False  # the driver card alone opens a shift unless True


@dataclass(frozen=True, slots=True)
class ShiftState:
    phase: Phase = Phase.CLOSED
    crew_id: str | None = None
    crew_name: str | None = None
    opened_at: datetime | None = None
    trip: TripContext | None = None  # route and direction while chosen
    last_trip: TripContext | None = None  # kept after close, for the "accept" policy
    trip_number: int = 0  # trips started in this shift
    trip_started_at: datetime | None = None
    wrong_pins: int = 0
    locked_until: datetime | None = None

    @property
    def boarding_open(self) -> bool:
        return self.phase in (Phase.ROUTE_SET, Phase.ON_TRIP)


@dataclass(frozen=True, slots=True)
class ShiftStep:
    state: ShiftState
    events: tuple[ShiftEvent, ...] = ()
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class PinSignIn:
    crew_id: str
    pin: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CardSignIn:
    card_number: str
    pin: str | None = field(default=None, repr=False)


# --- transitions ---------------------------------------------------------------


def open_shift(
    state: ShiftState,
    sign_in: PinSignIn | CardSignIn,
    crew: CrewList,
    policy: ShiftPolicy,
    now: datetime,
) -> ShiftStep:
    """Open a shift for the crew member the PIN or card names."""
    _require_aware(now)
    if state.phase is not Phase.CLOSED:
        return ShiftStep(state, refusal=Refusal(RefusalReason.ALREADY_OPEN))
    if state.locked_until is not None and now < state.locked_until:
        return ShiftStep(state, refusal=Refusal(RefusalReason.LOCKED, until=state.locked_until))
    if state.locked_until is not None:
        state = replace(state, wrong_pins=0, locked_until=None)
    member, problem = _identify(sign_in, crew, policy)
    if member is None:
        return _wrong_attempt(state, problem, policy, now)
    opened = ShiftState(
        phase=Phase.OPEN,
        crew_id=member.crew_id,
        crew_name=member.name,
        opened_at=now,
        last_trip=state.last_trip,
    )
    event = ShiftEvent(ShiftEventKind.OPENED, now, member.crew_id, member.name, detail=problem)
    return ShiftStep(opened, (event,))


def choose_route(state: ShiftState, route: str, direction: str, now: datetime) -> ShiftStep:
    """Pick the route and direction (again between trips to change them)."""
    _require_aware(now)
    refused = _needs(state, Phase.OPEN, Phase.ROUTE_SET)
    if refused is not None:
        return refused
    route = route.strip()
    if not route or len(route) > MAX_ROUTE_CHARS or direction not in DIRECTIONS:
        return ShiftStep(state, refusal=Refusal(RefusalReason.BAD_ROUTE))
    trip = TripContext(route=route, direction=direction)
    after = replace(state, phase=Phase.ROUTE_SET, trip=trip, last_trip=trip)
    return ShiftStep(after, (_event(ShiftEventKind.ROUTE_SET, after, now),))


def start_trip(state: ShiftState, now: datetime) -> ShiftStep:
    _require_aware(now)
    refused = _needs(state, Phase.ROUTE_SET)
    if refused is not None:
        return refused
    after = replace(
        state, phase=Phase.ON_TRIP, trip_number=state.trip_number + 1, trip_started_at=now
    )
    return ShiftStep(after, (_event(ShiftEventKind.TRIP_STARTED, after, now),))


def end_trip(state: ShiftState, now: datetime) -> ShiftStep:
    _require_aware(now)
    refused = _needs(state, Phase.ON_TRIP)
    if refused is not None:
        return refused
    event = _event(ShiftEventKind.TRIP_ENDED, state, now)
    return ShiftStep(replace(state, phase=Phase.ROUTE_SET, trip_started_at=None), (event,))


def close_shift(state: ShiftState, now: datetime) -> ShiftStep:
    """Close the shift; a running trip is ended first (two events)."""
    _require_aware(now)
    if state.phase is Phase.CLOSED:
        return ShiftStep(state, refusal=Refusal(RefusalReason.NO_SHIFT))
    ended = end_trip(state, now) if state.phase is Phase.ON_TRIP else ShiftStep(state)
    closing = ended.state
    closed = ShiftState(last_trip=closing.last_trip)
    return ShiftStep(closed, (*ended.events, _event(ShiftEventKind.CLOSED, closing, now)))


def tap_gate(
    state: ShiftState, policy: ShiftPolicy, configured: TripContext
) -> TripContext | Decision:
    """The trip a tap is decided on, or the decline when boarding is not open.

    Inside an open shift with a route: that route. Otherwise the policy:
    "accept" takes the tap on the last route chosen (or ``configured``, the
    config's route, when none was ever chosen); "decline" declines it.
    """
    if state.boarding_open and state.trip is not None:
        return state.trip
    if policy.off_shift == "accept":
        return state.last_trip or configured
    return Decision(Outcome.DECLINED, Reason.NO_SHIFT)


def replay(events: Iterable[ShiftEvent], policy: ShiftPolicy) -> ShiftState:
    """The state the journaled events lead to (after a restart)."""
    state = ShiftState()
    for event in events:
        state = _apply(state, event, policy)
    return state


# --- helpers ---------------------------------------------------------------------


def _identify(
    sign_in: PinSignIn | CardSignIn, crew: CrewList, policy: ShiftPolicy
) -> tuple[CrewMember | None, str]:
    """The crew member and how they signed in, or None and why not."""
    if isinstance(sign_in, PinSignIn):
        member = crew.by_id(sign_in.crew_id.strip())
        ok = member is not None and pin_matches(sign_in.pin, member.pin_hash)
        return (member, "pin") if ok else (None, "wrong number or PIN")
    member = crew.by_card(sign_in.card_number)
    if member is None:
        return None, "unknown card"
    if sign_in.pin is None:
        return (None, "PIN needed with the card") if policy.card_needs_pin else (member, "card")
    return (member, "card and pin") if pin_matches(sign_in.pin, member.pin_hash) else (None, "")


def _wrong_attempt(state: ShiftState, why: str, policy: ShiftPolicy, now: datetime) -> ShiftStep:
    wrong = state.wrong_pins + 1
    refused = ShiftEvent(ShiftEventKind.SIGN_IN_REFUSED, now, detail=why or "wrong PIN")
    if wrong >= policy.max_wrong_pins:
        until = now + policy.lockout
        locked = ShiftEvent(ShiftEventKind.KEYPAD_LOCKED, now, until=until)
        after = replace(state, wrong_pins=wrong, locked_until=until)
        return ShiftStep(after, (refused, locked), Refusal(RefusalReason.LOCKED, until=until))
    reason = RefusalReason.UNKNOWN_CARD if why == "unknown card" else RefusalReason.WRONG_PIN
    refusal = Refusal(reason, tries_left=policy.max_wrong_pins - wrong)
    return ShiftStep(replace(state, wrong_pins=wrong), (refused,), refusal)


def _needs(state: ShiftState, *phases: Phase) -> ShiftStep | None:
    if state.phase in phases:
        return None
    reason = {
        Phase.CLOSED: RefusalReason.NO_SHIFT,
        Phase.OPEN: RefusalReason.NO_ROUTE,
        Phase.ON_TRIP: RefusalReason.TRIP_RUNNING,
        Phase.ROUTE_SET: RefusalReason.NO_TRIP,
    }[state.phase]
    return ShiftStep(state, refusal=Refusal(reason))


def _event(kind: ShiftEventKind, state: ShiftState, now: datetime) -> ShiftEvent:
    trip = state.trip
    return ShiftEvent(
        kind,
        now,
        crew_id=state.crew_id,
        crew_name=state.crew_name,
        route=None if trip is None else trip.route,
        direction=None if trip is None else trip.direction,
        trip=state.trip_number or None,
    )


def _apply(state: ShiftState, event: ShiftEvent, policy: ShiftPolicy) -> ShiftState:
    kind, at = event.kind, event.at
    if kind is ShiftEventKind.OPENED:
        return replace(
            ShiftState(last_trip=state.last_trip),
            phase=Phase.OPEN,
            crew_id=event.crew_id,
            crew_name=event.crew_name,
            opened_at=at,
        )
    if kind is ShiftEventKind.SIGN_IN_REFUSED:
        if state.locked_until is not None and at >= state.locked_until:
            state = replace(state, wrong_pins=0, locked_until=None)
        return replace(state, wrong_pins=state.wrong_pins + 1)
    if kind is ShiftEventKind.KEYPAD_LOCKED:
        return replace(state, locked_until=event.until or at + policy.lockout)
    if kind is ShiftEventKind.ROUTE_SET:
        trip = TripContext(event.route or "", event.direction or "forward")
        return replace(state, phase=Phase.ROUTE_SET, trip=trip, last_trip=trip)
    if kind is ShiftEventKind.TRIP_STARTED:
        number = event.trip or state.trip_number + 1
        return replace(state, phase=Phase.ON_TRIP, trip_number=number, trip_started_at=at)
    if kind is ShiftEventKind.TRIP_ENDED:
        return replace(state, phase=Phase.ROUTE_SET, trip_started_at=None)
    return ShiftState(last_trip=state.last_trip)


def _require_aware(now: datetime) -> None:
    if not is_aware(now):
        raise ValueError("shift times must be timezone-aware")
