"""The decision: may this presentation ride, and for how much?

``decide`` is a pure function of the presentation, the account as the offline
store sees it, the fare rules, the trip and the clock. It does no I/O.

Local time is ``now`` itself: the caller passes ``now`` in the bus's local
timezone (``datetime.now(ZoneInfo("Asia/Almaty"))``), and its wall-clock time
and date pick time-of-day bands and expiry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from validator.fares import FareRules
from validator.model import (
    Account,
    Boarding,
    CardStatus,
    Decision,
    Outcome,
    Presentation,
    Reason,
    Tenge,
    TripContext,
    is_aware,
)

__all__ = ["decide"]


def decide(
    presentation: Presentation,
    account: Account | None,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
) -> Decision:
    """Decide one tap. Never raises for well-typed input, except ValueError
    when ``now`` or a boarding time in ``account.recent`` is naive."""
    _require_aware(now, account)
    if account is None:
        return _declined(Reason.UNKNOWN_CARD)
    refusal = _refusal(account, now)
    if refusal is not None:
        return refusal
    full = rules.fare_for(trip.route, presentation.medium, now.time())
    if full is None:
        return _declined(Reason.NO_FARE)
    session = _passback_session(account.recent, now, rules.passback.window)
    if session:
        return _inside_passback(presentation.companion, account, rules, full, session)
    fare, reason = _holder_fare(account, rules, trip.route, full, now)
    return _charge(account, rules, fare, reason)


def _require_aware(now: datetime, account: Account | None) -> None:
    times = [now, *(b.at for b in account.recent)] if account else [now]
    if not all(is_aware(moment) for moment in times):
        raise ValueError("decide needs timezone-aware datetimes (now and boarding times)")


def _declined(reason: Reason, balance: Tenge | None = None) -> Decision:
    return Decision(Outcome.DECLINED, reason, balance_after=balance)


def _refusal(account: Account, now: datetime) -> Decision | None:
    """A card that may not ride at all, whatever the fare."""
    if account.deny_listed:
        return _declined(Reason.DENY_LISTED)
    if account.status is CardStatus.BLOCKED:
        return _declined(Reason.BLOCKED)
    if account.expires is not None and account.expires < now.date():
        return _declined(Reason.EXPIRED)
    return None


# --- anti-passback -------------------------------------------------------------


def _passback_session(
    recent: Sequence[Boarding], now: datetime, window: timedelta
) -> list[Boarding]:
    """The boardings this tap follows within the passback window, newest first:
    each within ``window`` of the one after it, the newest within ``window`` of
    now. Empty when the card was not seen lately."""
    session: list[Boarding] = []
    later = now
    for boarding in sorted(recent, key=lambda b: b.at, reverse=True):
        if boarding.at - now > window:
            continue  # the clock went back: a boarding from the "future" is not this one
        if abs(later - boarding.at) > window:
            break
        session.append(boarding)
        later = boarding.at
    return session


def _inside_passback(
    companion: bool, account: Account, rules: FareRules, full: Tenge, session: list[Boarding]
) -> Decision:
    """Already paid; pays again only for a companion, at the full fare."""
    if not companion:
        balance = account.available
        low = balance < rules.balance.low_warning
        return Decision(
            Outcome.ACCEPTED, Reason.ALREADY_PAID, balance_after=balance, low_balance=low
        )
    companions_paid = sum(b.riders for b in session) - 1
    if companions_paid >= rules.passback.max_companions:
        return _declined(Reason.COMPANION_LIMIT, account.available)
    return _charge(account, rules, full, Reason.COMPANION)


# --- the holder's fare -----------------------------------------------------------


def _holder_fare(
    account: Account, rules: FareRules, route: str, full: Tenge, now: datetime
) -> tuple[Tenge, Reason]:
    """Full fare, then the concession, the transfer and the daily cap, each
    naming the reason when it lowers the fare."""
    fare, reason = full, Reason.PAID
    concession = _percent_of(fare, rules.concession_percent(account.category))
    if concession < fare:
        fare, reason = concession, Reason.CONCESSION
    if _is_transfer(account.recent, rules, route, now):
        transfer = _percent_of(fare, rules.transfer.percent)
        fare, reason = transfer, (Reason.TRANSFER if transfer < fare else reason)
    capped = _capped(fare, account.spent_today, rules.daily_cap)
    if capped == 0 and fare > 0:
        reason = Reason.DAILY_CAP
    return capped, reason


def _percent_of(fare: Tenge, percent: int) -> Tenge:
    """``percent`` of the fare, rounded down to whole tenge."""
    return Tenge(fare * percent // 100)


def _capped(fare: Tenge, spent_today: Tenge, daily_cap: Tenge) -> Tenge:
    if daily_cap <= 0:
        return fare
    return Tenge(max(0, min(fare, daily_cap - spent_today)))


def _is_transfer(recent: Sequence[Boarding], rules: FareRules, route: str, now: datetime) -> bool:
    """True when the newest paid boarding is on another route, within the
    transfer window, and was not itself a transfer."""
    paid = _paid_boardings(recent, rules.passback.window)
    if not paid or _last_was_transfer(paid, rules.transfer.window):
        return False
    newest = paid[-1]
    return newest.route != route and timedelta(0) <= now - newest.at <= rules.transfer.window


def _paid_boardings(recent: Sequence[Boarding], passback: timedelta) -> list[Boarding]:
    """The boardings where the holder got on, oldest first: the first tap of
    each passback session (later taps in a session are companions or repeats)."""
    holders: list[Boarding] = []
    previous: Boarding | None = None
    for boarding in sorted(recent, key=lambda b: b.at):
        if previous is None or boarding.at - previous.at > passback:
            holders.append(boarding)
        previous = boarding
    return holders


def _last_was_transfer(paid: list[Boarding], window: timedelta) -> bool:
    """Replays the transfer rule over the paid boardings, oldest first, to tell
    whether the newest one rode as a transfer."""
    was_transfer = False
    for before, after in pairwise(paid):
        in_window = after.at - before.at <= window
        was_transfer = not was_transfer and before.route != after.route and in_window
    return was_transfer


# --- funds ----------------------------------------------------------------------


def _charge(account: Account, rules: FareRules, fare: Tenge, reason: Reason) -> Decision:
    """Accept and charge one rider, unless the fare takes the balance below the floor."""
    available = account.available
    balance = Tenge(available - fare)
    if fare > 0 and balance < rules.balance.floor:
        return _declined(Reason.INSUFFICIENT_FUNDS, available)
    low = balance < rules.balance.low_warning
    return Decision(
        Outcome.ACCEPTED, reason, fare, riders=1, balance_after=balance, low_balance=low
    )
