"""Balance and deny lists from the ledger, applied in one transaction.

The ledger sends a list as newline-terminated JSON arrays (docs/ledger-api.md)::

    ["c", card_number, uid, balance, category, status, expires,
          last_boarding_at, last_boarding_route, last_boarding_fare]
    ["d", token, kind, reason]      on the deny list
    ["u", token]                    off the deny list (deltas only)

sync/ verifies the signature first; this module only writes. The rows arrive
as *blocks* of whole lines and SQLite itself reads them (``json_each``), so a
100 000-row delta costs no Python object per row: the work runs in C with the
GIL released, and the tap thread keeps its pace while sync prepares. The one
write transaction holds everything: card upserts, deny list changes, the list
version, the watermark and the list's dates. A snapshot replaces both lists.

Every block is checked: its lines must be rows of a known kind, and SQLite
must take every one of them; otherwise :class:`ListRowsError` and nothing of
the list is kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from offline_store.db import get_meta, set_meta

__all__ = ["ListApplied", "ListInfo", "ListRowsError", "ListUpdate", "apply_update", "list_info"]

Mode = Literal["snapshot", "delta"]
SQLITE_CONSTRAINT_UNIQUE = 2067
_INFO_KEYS = ("list_mode", "list_issued_at", "list_expires_at", "list_received_at")

_CARDS = """
INSERT INTO cards (card_number, uid, status, category, balance, expires, list_version,
                   last_boarding_at, last_boarding_route, last_boarding_fare)
SELECT value->>1, upper(value->>2), value->>5, value->>4, value->>3, value->>6, :version,
       value->>7, value->>8, value->>9
FROM json_each(:rows)
WHERE value->>0 = 'c' AND json_array_length(value) = 10
  AND typeof(value->>1) = 'text' AND typeof(value->>3) = 'integer'
ON CONFLICT(card_number) DO UPDATE SET
    uid = excluded.uid, status = excluded.status, category = excluded.category,
    balance = excluded.balance, expires = excluded.expires,
    list_version = excluded.list_version, last_boarding_at = excluded.last_boarding_at,
    last_boarding_route = excluded.last_boarding_route,
    last_boarding_fare = excluded.last_boarding_fare
"""
_FREE_UIDS = """
UPDATE cards SET uid = NULL WHERE uid IN (
    SELECT upper(value->>2) FROM json_each(:rows)
    WHERE value->>0 = 'c' AND value->>2 IS NOT NULL)
"""
_DENY = """
INSERT INTO deny_list (key, reason, added_at)
SELECT value->>1, coalesce(value->>3, value->>2, 'ledger'), :now FROM json_each(:rows)
WHERE value->>0 = 'd' AND json_array_length(value) = 4 AND typeof(value->>1) = 'text'
ON CONFLICT(key) DO UPDATE SET reason = excluded.reason
"""
_UNDENY_COUNT = """
SELECT count(*) FROM json_each(:rows)
WHERE value->>0 = 'u' AND json_array_length(value) = 2 AND typeof(value->>1) = 'text'
"""
_UNDENY = """
DELETE FROM deny_list WHERE key IN (
    SELECT value->>1 FROM json_each(:rows) WHERE value->>0 = 'u')
"""


class ListRowsError(ValueError):
    """The list's rows are not what the ledger's format promises; nothing was kept."""


@dataclass(frozen=True, slots=True)
class ListUpdate:
    """A verified list, ready to apply. ``blocks()`` yields its rows as whole
    lines (each ending in a newline), any number of lines per block; it is
    called once, inside the write transaction."""

    mode: Mode
    version: int
    watermark: int  # the highest of this device's seqs the balances include
    issued_at: str
    expires_at: str
    blocks: Callable[[], Iterator[bytes]]


@dataclass(frozen=True, slots=True)
class ListApplied:
    mode: Mode
    version: int
    watermark: int
    cards: int = 0  # cards written
    denied: int = 0  # deny entries written
    undenied: int = 0  # tokens taken off the deny list


@dataclass(frozen=True, slots=True)
class ListInfo:
    """The list in force, as recorded when it was applied (None: never from a ledger)."""

    version: int
    mode: str | None = None
    issued_at: str | None = None
    expires_at: str | None = None
    received_at: str | None = None  # this device's clock when it was applied


def apply_update(
    conn: sqlite3.Connection, update: ListUpdate, watermark: int, received_at: str
) -> ListApplied:
    """Write ``update`` (the caller owns the transaction); ``watermark`` is the
    one to record (the update's, clamped to this journal by the caller)."""
    if update.mode == "snapshot":
        conn.execute("DELETE FROM cards")
        conn.execute("DELETE FROM deny_list")
    counts = [0, 0, 0]
    for block in update.blocks():
        for index, count in enumerate(_apply_block(conn, block, update.version, received_at)):
            counts[index] += count
    _record(conn, update, watermark, received_at)
    return ListApplied(update.mode, update.version, watermark, *counts)


def _apply_block(
    conn: sqlite3.Connection, block: bytes, version: int, now: str
) -> tuple[int, int, int]:
    if not block:
        return 0, 0, 0
    kinds = [block.count(marker) for marker in (b'["c",', b'["d",', b'["u",')]
    if not block.endswith(b"\n") or sum(kinds) != block.count(b"\n"):
        raise ListRowsError("a list line is not a card, deny or undeny row")
    rows = "[" + block[:-1].replace(b"\n", b",").decode("utf-8", "strict") + "]"
    args = {"rows": rows, "version": version, "now": now}
    try:
        cards = _cards(conn, args) if kinds[0] else 0
        denied = conn.execute(_DENY, args).rowcount if kinds[1] else 0
        undenied = _undeny(conn, args, kinds[2]) if kinds[2] else 0
    except sqlite3.OperationalError as error:
        if "JSON" not in str(error):
            raise
        raise ListRowsError(f"a list block is not JSON ({error})") from None
    if (cards, denied) != (kinds[0], kinds[1]):
        raise ListRowsError("a card or deny row of the list has the wrong shape")
    return cards, denied, undenied


def _cards(conn: sqlite3.Connection, args: dict[str, object]) -> int:
    """Upsert the block's cards. A UID that moved to another card collides with
    its old holder: free the block's UIDs (the old holders' rows come in this
    same list) and write again."""
    try:
        return int(conn.execute(_CARDS, args).rowcount)
    except sqlite3.IntegrityError as error:
        if getattr(error, "sqlite_errorcode", None) != SQLITE_CONSTRAINT_UNIQUE:
            raise ListRowsError(f"a card row misses a required value ({error})") from None
    conn.execute(_FREE_UIDS, args)
    try:
        return int(conn.execute(_CARDS, args).rowcount)
    except sqlite3.IntegrityError as error:
        raise ListRowsError(f"two cards of the list share a UID ({error})") from None


def _undeny(conn: sqlite3.Connection, args: dict[str, object], expected: int) -> int:
    if conn.execute(_UNDENY_COUNT, args).fetchone()[0] != expected:
        raise ListRowsError("an undeny row of the list has the wrong shape")
    return int(conn.execute(_UNDENY, args).rowcount)


def _record(conn: sqlite3.Connection, update: ListUpdate, watermark: int, now: str) -> None:
    set_meta(conn, "list_version", str(update.version))
    set_meta(conn, "watermark", str(watermark))
    values = (update.mode, update.issued_at, update.expires_at, now)
    for key, value in zip(_INFO_KEYS, values, strict=True):
        set_meta(conn, key, value)


def list_info(conn: sqlite3.Connection) -> ListInfo:
    version = int(get_meta(conn, "list_version") or 0)
    return ListInfo(version, *(get_meta(conn, key) for key in _INFO_KEYS))
