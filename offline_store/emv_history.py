"""Bank cards by PAN token: what the tap path needs to decide offline.

Two indexed lookups per tap: the token's deny-list flag and first-ride state
(one statement over two primary keys), and its accepted taps of the last day
from the journal (index ``journal_by_pan_token``). The clear PAN is never
here: only the keyed token.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta

from offline_store.journal import format_utc, parse_utc
from validator.emv_risk import EmvHistory
from validator.model import Boarding, Tenge

RECENT_WINDOW = timedelta(hours=24)
MAX_RECENT = 10

_STATE = """
SELECT EXISTS (SELECT 1 FROM deny_list WHERE key = :token),
       (SELECT first_ride_at FROM emv_tokens WHERE pan_token = :token),
       (SELECT confirmed_at FROM emv_tokens WHERE pan_token = :token)
"""
_RECENT = f"""
SELECT time, route, fare, riders FROM journal
WHERE pan_token = ? AND result = 'accepted' AND riders > 0 AND time >= ?
ORDER BY seq DESC LIMIT {MAX_RECENT}
"""
_FIRST_RIDE = """
INSERT INTO emv_tokens (pan_token, first_ride_at) VALUES (?, ?)
ON CONFLICT(pan_token) DO UPDATE SET first_ride_at = excluded.first_ride_at
"""
_CONFIRM = """
INSERT INTO emv_tokens (pan_token, confirmed_at) VALUES (?, ?)
ON CONFLICT(pan_token) DO UPDATE SET confirmed_at = excluded.confirmed_at
"""


def load_history(conn: sqlite3.Connection, pan_token: str, now: datetime) -> EmvHistory:
    denied, first_ride, confirmed = conn.execute(_STATE, {"token": pan_token}).fetchone()
    since = format_utc(now - RECENT_WINDOW)
    recent = [
        Boarding(parse_utc(time), route, Tenge(fare), riders)
        for time, route, fare, riders in conn.execute(_RECENT, (pan_token, since))
    ]
    return EmvHistory(
        deny_listed=bool(denied),
        confirmed=confirmed is not None,
        last_first_ride=None if first_ride is None else parse_utc(first_ride),
        recent=tuple(recent),
    )


def note_first_ride(conn: sqlite3.Connection, pan_token: str, at: datetime) -> None:
    """The caller owns the transaction: the journal row of that first ride."""
    conn.execute(_FIRST_RIDE, (pan_token, format_utc(at)))


def confirm(conn: sqlite3.Connection, pan_tokens: Iterable[str], at: datetime) -> None:
    stamp = format_utc(at)
    conn.executemany(_CONFIRM, ((token, stamp) for token in pan_tokens))
