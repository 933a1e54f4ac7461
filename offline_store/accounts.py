"""Build ``model.Account`` for one card: the query on every tap.

Three indexed lookups: the card (with its deny-list flag), this device's
pending fares above the watermark, and the card's journal rows of the last 24 h.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import date, datetime, timedelta

from offline_store.journal import format_utc, parse_utc
from validator.model import Account, Boarding, CardStatus, Category, Tenge

LOG = logging.getLogger("offline_store")
RECENT_WINDOW = timedelta(hours=24)
MAX_RECENT = 10
SAME_BOARDING = timedelta(seconds=1)

_CARD = """
SELECT status, category, balance, expires,
       last_boarding_at, last_boarding_route, last_boarding_fare,
       EXISTS (SELECT 1 FROM deny_list WHERE key = cards.card_number)
FROM cards WHERE card_number = ?
"""
_PENDING = """
SELECT COALESCE(SUM(fare), 0) FROM journal
WHERE card_number = ? AND seq > ? AND result = 'accepted'
"""
_SINCE = """
SELECT time, route, fare, riders FROM journal
WHERE card_number = ? AND result = 'accepted' AND time >= ?
ORDER BY seq DESC
"""

JournalTaps = list[tuple[str, str, int, int]]


def load_account(
    conn: sqlite3.Connection, card_number: str, now: datetime, watermark: int
) -> Account | None:
    """The account of ``card_number`` at ``now``, or None when it is not listed."""
    card = conn.execute(_CARD, (card_number,)).fetchone()
    if card is None:
        return None
    status, category, balance, expires, at, route, fare, denied = card
    pending = conn.execute(_PENDING, (card_number, watermark)).fetchone()[0]
    midnight = _local_midnight(now)
    since = min(now - RECENT_WINDOW, midnight)
    taps: JournalTaps = list(conn.execute(_SINCE, (card_number, format_utc(since))))
    listed = _list_boarding(at, route, fare)
    return Account(
        card_number=card_number,
        status=_status(status, card_number),
        category=_category(category, card_number),
        list_balance=Tenge(int(balance)),
        pending_fares=Tenge(int(pending)),
        expires=_expiry(expires),
        deny_listed=bool(denied),
        recent=_recent(taps, listed, now - RECENT_WINDOW),
        spent_today=_spent_since(taps, midnight),
    )


def _status(value: str, card_number: str) -> CardStatus:
    try:
        return CardStatus(value)
    except ValueError:
        LOG.warning("card %s has unknown status %r: treated as blocked", card_number, value)
        return CardStatus.BLOCKED


def _category(value: str, card_number: str) -> Category:
    try:
        return Category(value)
    except ValueError:
        LOG.warning("card %s has unknown category %r: treated as standard", card_number, value)
        return Category.STANDARD


def _expiry(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return date.min  # an unreadable expiry date counts as expired


def _list_boarding(at: str | None, route: str | None, fare: int | None) -> Boarding | None:
    if at is None:
        return None
    return Boarding(parse_utc(at), route or "", Tenge(fare or 0))


def _recent(taps: JournalTaps, listed: Boarding | None, since: datetime) -> tuple[Boarding, ...]:
    boardings = [
        Boarding(parse_utc(time), route, Tenge(fare), riders)
        for time, route, fare, riders in taps
        if riders > 0
    ]
    if listed is not None and listed.at >= since and not _already_in(listed, boardings):
        boardings.append(listed)
    boardings.sort(key=lambda boarding: boarding.at, reverse=True)
    return tuple(boardings[:MAX_RECENT])


def _already_in(listed: Boarding, boardings: list[Boarding]) -> bool:
    return any(
        abs(boarding.at - listed.at) < SAME_BOARDING and boarding.route == listed.route
        for boarding in boardings
    )


def _local_midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _spent_since(taps: JournalTaps, midnight: datetime) -> Tenge:
    cutoff = format_utc(midnight)
    return Tenge(sum(fare for time, _, fare, _ in taps if time >= cutoff))
