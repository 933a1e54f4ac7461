"""Balance and deny lists from the ledger: the rows, checked, then written in slices.

The ledger sends a list as newline-terminated JSON arrays (docs/ledger-api.md)::

    ["c", card_number, uid, balance, category, status, expires,
          last_boarding_at, last_boarding_route, last_boarding_fare]
    ["d", token, kind, reason]      on the deny list
    ["u", token]                    off the deny list (deltas only)

sync/ verifies the signature first; this module writes. The rows arrive as
*blocks* of whole lines and SQLite itself reads them (``json_each``), so a
100 000-row delta costs no Python object per row: the work runs in C with the
GIL released.

offline_store/list_apply.py hands the rows over in short slices and moves the
version and the watermark last (:func:`record`). Each slice is checked as it
is written: a line that is not a row of a known kind and shape stops the list
with :class:`ListRowsError`, and the version in force stays the old one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from offline_store.db import get_meta, set_meta

__all__ = [
    "UNDENY_MARKER",
    "ListApplied",
    "ListInfo",
    "ListRowsError",
    "ListUpdate",
    "Mode",
    "RowCounts",
    "apply_cards_and_denials",
    "lines",
    "list_info",
    "record",
    "undeny",
]

Mode = Literal["snapshot", "delta"]
SQLITE_CONSTRAINT_UNIQUE = 2067
_INFO_KEYS = ("list_mode", "list_issued_at", "list_expires_at", "list_received_at")
_MARKERS = (b'["c",', b'["d",', b'["u",')
UNDENY_MARKER = _MARKERS[2]

_CARD_SHAPE = """value->>0 = 'c' AND json_array_length(value) = 10
  AND typeof(value->>1) = 'text' AND typeof(value->>3) = 'integer'"""
_DENY_SHAPE = "value->>0 = 'd' AND json_array_length(value) = 4 AND typeof(value->>1) = 'text'"
_UNDENY_SHAPE = "value->>0 = 'u' AND json_array_length(value) = 2 AND typeof(value->>1) = 'text'"
_CARDS = f"""
INSERT INTO cards (card_number, uid, status, category, balance, expires, list_version,
                   last_boarding_at, last_boarding_route, last_boarding_fare)
SELECT value->>1, upper(value->>2), value->>5, value->>4, value->>3, value->>6, :version,
       value->>7, value->>8, value->>9
FROM json_each(:rows) WHERE {_CARD_SHAPE}
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
_DENY = f"""
INSERT INTO deny_list (key, reason, added_at, list_version)
SELECT value->>1, coalesce(value->>3, value->>2, 'ledger'), :now, :version
FROM json_each(:rows) WHERE {_DENY_SHAPE}
ON CONFLICT(key) DO UPDATE SET reason = excluded.reason, list_version = excluded.list_version
"""
_UNDENY_COUNT = f"SELECT count(*) FROM json_each(:rows) WHERE {_UNDENY_SHAPE}"
_UNDENY = """
DELETE FROM deny_list WHERE key IN (SELECT value->>1 FROM json_each(:rows) WHERE value->>0 = 'u')
"""


class ListRowsError(ValueError):
    """The list's rows are not what the ledger's format promises; it is refused."""


@dataclass(frozen=True, slots=True)
class ListUpdate:
    """A verified list, ready to apply. ``blocks()`` yields its rows as whole
    lines (each ending in a newline), any number of lines per block; each call
    reads the list again from the start."""

    mode: Mode
    version: int
    watermark: int  # the highest of this device's seqs the balances include
    issued_at: str
    expires_at: str
    blocks: Callable[[], Iterator[bytes]]


@dataclass(frozen=True, slots=True)
class RowCounts:
    cards: int = 0
    denied: int = 0
    undenied: int = 0

    def __add__(self, other: RowCounts) -> RowCounts:
        return RowCounts(
            self.cards + other.cards, self.denied + other.denied, self.undenied + other.undenied
        )


@dataclass(frozen=True, slots=True)
class ListApplied:
    mode: Mode
    version: int
    watermark: int
    cards: int = 0  # cards written
    denied: int = 0  # deny entries written
    undenied: int = 0  # tokens taken off the deny list (for a snapshot: entries it dropped)
    removed: int = 0  # cards a snapshot no longer holds, taken off this unit


@dataclass(frozen=True, slots=True)
class ListInfo:
    """The list in force, as recorded when it was applied (None: never from a ledger)."""

    version: int
    mode: str | None = None
    issued_at: str | None = None
    expires_at: str | None = None
    received_at: str | None = None  # this device's clock when it was applied


def json_rows(rows: bytes) -> str:
    """Whole lines of rows as one JSON array for ``json_each``."""
    try:
        return "[" + rows[:-1].replace(b"\n", b",").decode("utf-8", "strict") + "]"
    except UnicodeDecodeError:
        raise ListRowsError("a list line is not UTF-8 text") from None


def lines(block: bytes, start: int, count: int) -> int:
    """The offset just past the ``count``-th newline of ``block`` from ``start``
    (or the block's end)."""
    end = start
    for _ in range(count):
        found = block.find(b"\n", end)
        if found < 0:
            return len(block)
        end = found + 1
    return end


def apply_cards_and_denials(
    conn: sqlite3.Connection, rows: bytes, version: int, now: str
) -> RowCounts:
    """Upsert the card rows and deny additions among ``rows`` (whole lines);
    count the undeny rows, which wait for the end (:func:`undeny`)."""
    kinds = _kinds(rows)
    args = {"rows": json_rows(rows), "version": version, "now": now}
    with _json_errors():
        cards = _cards(conn, args) if kinds.cards else 0
        denied = conn.execute(_DENY, args).rowcount if kinds.denied else 0
    if (cards, denied) != (kinds.cards, kinds.denied):
        raise ListRowsError("a card or deny row of the list has the wrong shape")
    return RowCounts(cards, denied, kinds.undenied)


def undeny(conn: sqlite3.Connection, rows: bytes) -> int:
    """Take the undeny rows among ``rows`` off the deny list."""
    expected = _kinds(rows).undenied
    if not expected:
        return 0
    args = {"rows": json_rows(rows)}
    with _json_errors():
        if conn.execute(_UNDENY_COUNT, args).fetchone()[0] != expected:
            raise ListRowsError("an undeny row of the list has the wrong shape")
        return int(conn.execute(_UNDENY, args).rowcount)


def _kinds(rows: bytes) -> RowCounts:
    """The rows by kind; :class:`ListRowsError` for a line of no known kind."""
    kinds = RowCounts(*(rows.count(marker) for marker in _MARKERS))
    if not rows.endswith(b"\n") or kinds.cards + kinds.denied + kinds.undenied != rows.count(b"\n"):
        raise ListRowsError("a list line is not a card, deny or undeny row")
    return kinds


@contextmanager
def _json_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as error:
        if "JSON" not in str(error):
            raise
        raise ListRowsError(f"a list block is not JSON ({error})") from None


def _cards(conn: sqlite3.Connection, args: dict[str, object]) -> int:
    """Upsert the cards. A UID that moved to another card collides with its
    old holder: free these rows' UIDs (the old holders' own rows come in this
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


def record(conn: sqlite3.Connection, update: ListUpdate, watermark: int, now: str) -> None:
    """Make ``update`` the list in force: its version, the watermark, its dates."""
    set_meta(conn, "list_version", str(update.version))
    set_meta(conn, "watermark", str(watermark))
    values = (update.mode, update.issued_at, update.expires_at, now)
    for key, value in zip(_INFO_KEYS, values, strict=True):
        set_meta(conn, key, value)


def list_info(conn: sqlite3.Connection) -> ListInfo:
    version = int(get_meta(conn, "list_version") or 0)
    return ListInfo(version, *(get_meta(conn, key) for key in _INFO_KEYS))
