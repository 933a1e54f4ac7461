"""What sync keeps in the store beside the lists: the upload mark, the
backlog of journal rows to upload, the last sync status, and the tickets sold
for this bus.

The upload mark (meta ``uploaded_seq``) is the highest seq the ledger has
acknowledged. It moves only on the ledger's answer; rows above it are the
backlog. No journal row is deleted here: the journal keeps every row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from offline_store.db import get_meta, set_meta
from offline_store.hashing import OPTIONAL_HASHED_FIELDS
from offline_store.journal import COLUMNS

__all__ = [
    "TICKET_FIELDS",
    "backlog_rows",
    "read_status",
    "read_tickets",
    "save_tickets",
    "set_uploaded_seq",
    "tickets_after",
    "uploaded_seq",
    "use_ticket",
    "write_status",
]

UPLOADED_KEY = "uploaded_seq"
STATUS_KEY = "sync_status"
TICKETS_AFTER_KEY = "tickets_after"
TICKET_FIELDS = ("id", "code", "channel", "contact", "route", "fare", "sold_at", "valid_until")
_BACKLOG = f"SELECT {', '.join(COLUMNS)} FROM journal WHERE seq > ? ORDER BY seq LIMIT ?"
_OPTIONAL = [COLUMNS.index(name) for name in OPTIONAL_HASHED_FIELDS]


def uploaded_seq(conn: sqlite3.Connection) -> int:
    return int(get_meta(conn, UPLOADED_KEY) or 0)


def set_uploaded_seq(conn: sqlite3.Connection, seq: int) -> None:
    set_meta(conn, UPLOADED_KEY, str(seq))


def backlog_rows(conn: sqlite3.Connection, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` journal rows with seq above ``after``, as upload mappings
    (a bank card's fields only where present, as ``JournalRow.as_dict``)."""
    rows = []
    for values in conn.execute(_BACKLOG, (after, limit)):
        row = dict(zip(COLUMNS, values, strict=True))
        for index in _OPTIONAL:
            if values[index] is None:
                del row[COLUMNS[index]]
        rows.append(row)
    return rows


def read_status(conn: sqlite3.Connection) -> dict[str, Any]:
    text = get_meta(conn, STATUS_KEY)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def write_status(conn: sqlite3.Connection, status: Mapping[str, Any]) -> None:
    set_meta(conn, STATUS_KEY, json.dumps(dict(status), sort_keys=True))


def tickets_after(conn: sqlite3.Connection) -> int:
    return int(get_meta(conn, TICKETS_AFTER_KEY) or 0)


def save_tickets(
    conn: sqlite3.Connection, tickets: Sequence[Mapping[str, Any]], after: int, now: str
) -> int:
    """Keep new tickets (a repeated id or code is kept once); forget expired ones."""
    conn.executemany(
        "INSERT OR IGNORE INTO tickets (id, code, channel, contact, route, fare, sold_at,"
        " valid_until, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*(ticket[name] for name in TICKET_FIELDS), now) for ticket in tickets],
    )
    conn.execute("DELETE FROM tickets WHERE valid_until < ?", (now,))
    set_meta(conn, TICKETS_AFTER_KEY, str(after))
    return len(tickets)


def read_tickets(conn: sqlite3.Connection, now: str) -> list[dict[str, Any]]:
    """The tickets still valid at ``now`` (ISO UTC text), oldest first, with
    when each arrived (``received_at``) and was checked (``used_at``, or None)."""
    names = (*TICKET_FIELDS, "received_at", "used_at")
    cursor = conn.execute(
        f"SELECT {', '.join(names)} FROM tickets WHERE valid_until >= ? ORDER BY id", (now,)
    )
    return [dict(zip(names, row, strict=True)) for row in cursor]


def use_ticket(conn: sqlite3.Connection, code: str, now: str) -> str | None:
    """Mark the ticket with this code used at ``now``; None if it was not used
    before, else when it was (the mark is left as it was)."""
    wanted = code.strip().upper()
    marked = conn.execute(
        "UPDATE tickets SET used_at = ? WHERE upper(code) = ? AND used_at IS NULL", (now, wanted)
    )
    if marked.rowcount:
        return None
    row = conn.execute("SELECT used_at FROM tickets WHERE upper(code) = ?", (wanted,)).fetchone()
    return None if row is None else str(row[0])
