"""The replay cache: single-use token ids spent on this validator.

An id is written in the same transaction as the journal row of the tap that
spent it, so a restart (or a power cut) can never forget a spent token that
the passenger was told about. Ids are kept until the token's expiry plus the
clock leeway; after that the token is refused as expired anyway, and the row
is pruned by a later tap.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from offline_store.journal import TokenUse, format_utc

_USED = "SELECT 1 FROM used_tokens WHERE token_id = ?"
_REMEMBER = (
    "INSERT INTO used_tokens (token_id, keep_until, seq) VALUES (?, ?, ?) "
    "ON CONFLICT(token_id) DO NOTHING"
)
_PRUNE = "DELETE FROM used_tokens WHERE keep_until < ?"


def is_used(conn: sqlite3.Connection, token_id: bytes) -> bool:
    return conn.execute(_USED, (token_id.hex(),)).fetchone() is not None


def remember(conn: sqlite3.Connection, use: TokenUse, seq: int, now: datetime) -> None:
    """Record ``use`` as spent by journal row ``seq``, and forget ids whose
    time is over. The caller owns the transaction (the journal row's)."""
    conn.execute(_REMEMBER, (use.token_id.hex(), format_utc(use.keep_until), seq))
    conn.execute(_PRUNE, (format_utc(now),))
