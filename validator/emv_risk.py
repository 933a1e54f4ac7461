"""Bank cards and phone wallets (EMV) decided offline, on the PAN token alone.

The validator cannot ask the bank during the tap. It checks what it knows:
the deny list of PAN tokens (cards the bank refused later), the card's own
expiry, anti-passback, and first-ride risk: a card the ledger has not yet
confirmed rides once per window on trust ("first ride"); the tap goes to the
ledger for deferred authorisation, and a second unconfirmed tap inside the
window is declined. A card the ledger confirmed pays the EMV fare.

Pure: no I/O; ``now`` is the bus's local, timezone-aware time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from validator.fares import FareRules
from validator.model import (
    Boarding,
    Decision,
    Medium,
    Outcome,
    Presentation,
    Reason,
    Tenge,
    TripContext,
    is_aware,
)

__all__ = ["EmvHistory", "FirstRideRules", "decide_emv"]


@dataclass(frozen=True, slots=True)
class EmvHistory:
    """What this validator knows about one PAN token at the moment of the tap."""

    deny_listed: bool = False
    confirmed: bool = False  # the ledger authorised an earlier tap of this card
    last_first_ride: datetime | None = None  # the last ride on trust taken here
    recent: tuple[Boarding, ...] = ()  # accepted taps with riders, newest first


@dataclass(frozen=True, slots=True)
class FirstRideRules:
    """An unconfirmed card rides on trust once per ``window``."""

    window: timedelta = timedelta(hours=24)


def decide_emv(
    presentation: Presentation,
    history: EmvHistory,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
    first_ride: FirstRideRules = FirstRideRules(),
) -> Decision:
    """Decide one bank-card tap. Raises ValueError only for naive datetimes."""
    _require_aware(now, history)
    refusal = _refusal(presentation, history, now)
    if refusal is not None:
        return refusal
    fare = rules.fare_for(trip.route, Medium.EMV, now.time())
    if fare is None:
        return _declined(Reason.NO_FARE)
    session = [b for b in history.recent if abs(now - b.at) <= rules.passback.window]
    if session:
        return _inside_passback(presentation.companion, history, rules, fare, session)
    return _ride(history, fare, now, first_ride.window)


def _require_aware(now: datetime, history: EmvHistory) -> None:
    times = [now, *(b.at for b in history.recent)]
    if history.last_first_ride is not None:
        times.append(history.last_first_ride)
    if not all(is_aware(moment) for moment in times):
        raise ValueError("decide_emv needs timezone-aware datetimes")


def _declined(reason: Reason) -> Decision:
    return Decision(Outcome.DECLINED, reason)


def _accepted(reason: Reason, fare: Tenge) -> Decision:
    return Decision(Outcome.ACCEPTED, reason, fare, riders=1)


def _refusal(presentation: Presentation, history: EmvHistory, now: datetime) -> Decision | None:
    """A card that may not ride at all. A card without a readable expiry
    counts as expired."""
    if presentation.pan_token is None:
        return _declined(Reason.UNKNOWN_CARD)
    if history.deny_listed:
        return _declined(Reason.DENY_LISTED)
    if presentation.expires is None or presentation.expires < now.date():
        return _declined(Reason.EXPIRED)
    return None


def _inside_passback(
    companion: bool, history: EmvHistory, rules: FareRules, fare: Tenge, session: list[Boarding]
) -> Decision:
    """Already paid; a companion pays the full fare, on a confirmed card only."""
    if not companion:
        return Decision(Outcome.ACCEPTED, Reason.ALREADY_PAID)
    if not history.confirmed:
        return _declined(Reason.FIRST_RIDE_USED)
    if sum(b.riders for b in session) - 1 >= rules.passback.max_companions:
        return _declined(Reason.COMPANION_LIMIT)
    return _accepted(Reason.COMPANION, fare)


def _ride(history: EmvHistory, fare: Tenge, now: datetime, window: timedelta) -> Decision:
    """A confirmed card pays; an unconfirmed one rides on trust once per window.
    A first ride stamped in the future (the clock went back) counts as recent."""
    if history.confirmed:
        return _accepted(Reason.PAID, fare)
    last = history.last_first_ride
    if last is not None and now - last < window:
        return _declined(Reason.FIRST_RIDE_USED)
    return _accepted(Reason.FIRST_RIDE, fare)
