"""The balance list and the deny list: bulk import and the tap-path lookups."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime

from offline_store.card_import import CardRow
from offline_store.errors import CardImportError
from offline_store.journal import format_utc

SQLITE_CONSTRAINT_UNIQUE = 2067

_UPSERT = """
INSERT INTO cards (card_number, uid, status, category, balance, expires, list_version,
                   last_boarding_at, last_boarding_route, last_boarding_fare)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(card_number) DO UPDATE SET
    uid = excluded.uid, status = excluded.status, category = excluded.category,
    balance = excluded.balance, expires = excluded.expires,
    list_version = excluded.list_version, last_boarding_at = excluded.last_boarding_at,
    last_boarding_route = excluded.last_boarding_route,
    last_boarding_fare = excluded.last_boarding_fare
"""


def _values(cards: Sequence[CardRow], list_version: int) -> Iterator[tuple[object, ...]]:
    for card in cards:
        boarded = card.last_boarding_at
        yield (
            card.card_number,
            card.uid.upper() if card.uid else None,
            card.status.value,
            card.category.value,
            card.balance,
            card.expires.isoformat() if card.expires else None,
            list_version,
            format_utc(boarded) if boarded else None,
            card.last_boarding_route,
            card.last_boarding_fare,
        )


def upsert_cards(conn: sqlite3.Connection, cards: Sequence[CardRow], list_version: int) -> int:
    """Insert or update every card; the caller owns the transaction."""
    try:
        conn.executemany(_UPSERT, _values(cards, list_version))
    except sqlite3.IntegrityError as error:
        if getattr(error, "sqlite_errorcode", None) != SQLITE_CONSTRAINT_UNIQUE:
            raise
        raise CardImportError(
            [
                "a uid in the list already belongs to another card in the store (a card "
                "was re-issued?); list the old card without its uid in the same import"
            ]
        ) from error
    return len(cards)


def card_number_for_uid(conn: sqlite3.Connection, uid: str) -> str | None:
    found = conn.execute(
        "SELECT card_number FROM cards WHERE uid = ?", (uid.strip().upper(),)
    ).fetchone()
    return None if found is None else str(found[0])


def card_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0])


def deny(conn: sqlite3.Connection, key: str, reason: str, now: datetime) -> None:
    conn.execute(
        "INSERT INTO deny_list (key, reason, added_at) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET reason = excluded.reason, added_at = excluded.added_at",
        (key, reason, format_utc(now)),
    )


def is_denied(conn: sqlite3.Connection, key: str) -> bool:
    found = conn.execute("SELECT 1 FROM deny_list WHERE key = ?", (key,)).fetchone()
    return found is not None
