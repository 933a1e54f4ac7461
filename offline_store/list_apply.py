"""A verified list written in short slices, so a tap waits at most for one slice.

The store has one connection, and a tap needs it to read the card and to
write its journal row. A 100 000-card delta written in one transaction holds
it for most of a second; here it is written a few dozen rows at a time, each
slice its own transaction sized to a time budget (:class:`Pacer`): while
passengers tap, 0.1 ms and then 0.2 ms left to them; when nobody has tapped
for two seconds, 20 ms slices back to back. A slice also holds back while a
tap is in progress (``store.tap_in_progress()``, around the pipeline's
lookup, decision and journal row), for 2 ms at most, so a stream of taps
slows the list down but never stops it.

The order keeps every state in between on the safe side:

1. card rows and deny additions, in the list's order;
2. deny removals (a delta's undeny rows; for a snapshot, the cards and deny
   entries it no longer holds);
3. the version, the watermark and the list's dates, in one durable
   transaction: only now does the tap path count with the new watermark.

Until step 3, a card whose row is already the new one has the new balance,
which includes this bus's taps up to the new watermark, while the tap path
still subtracts its taps above the old one: the fares in between count
twice, so a card can look poorer than the ledger says, never richer. A crash,
a storage fault or a bad row (lists.ListRowsError) in between leaves the
old version in force; the next sync
fetches the same list again and writes it again (every write is an upsert).
Slices commit without waiting for the disk (``durable=False``); step 3's
durable commit syncs them all.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

from offline_store import lists
from offline_store.db import Connection
from offline_store.lists import ListUpdate, RowCounts

__all__ = ["BUSY", "QUIET", "Pace", "Pacer", "write_rows"]

T = TypeVar("T")


_STALE_CARDS = """
DELETE FROM cards WHERE rowid > :after AND rowid <= :upto AND list_version IS NOT :version
"""
_STALE_DENIALS = """
DELETE FROM deny_list WHERE rowid > :after AND rowid <= :upto AND list_version IS NOT :version
"""


@dataclass(frozen=True, slots=True)
class Pace:
    budget: float  # how long one slice may hold the store, seconds
    pause: float  # the writer's sleep after a slice, seconds


BUSY = Pace(budget=0.0001, pause=0.0002)  # passengers tap: a tap waits 0.1 ms at most
QUIET = Pace(budget=0.02, pause=0.0001)  # nobody has tapped for QUIET_AFTER seconds
QUIET_AFTER = 2.0
DEFER_AT_MOST = 0.002  # a slice waits for the tap in progress, but not longer than this


@dataclass
class Pacer:
    """Sizes slices to a time budget and lets taps in between them.

    While passengers tap (a durable commit in the last ``quiet_after``
    seconds) a slice holds the store for about ``busy.budget`` (0.1 ms) and
    the writer then sleeps ``busy.pause``: a tap that meets a slice waits
    that long. When the bus is quiet, the list goes in at full speed in 20 ms
    slices. ``rows`` is the size of the next slice: the
    rows per second the last slice managed times the budget, within ``least``
    and ``most``."""

    busy: Pace = BUSY
    quiet: Pace = QUIET
    quiet_after: float = QUIET_AFTER
    defer_at_most: float = DEFER_AT_MOST
    rows: int = 32
    least: int = 4
    most: int = 65_536
    sleep: Callable[[float], None] = time.sleep
    slices: int = field(default=0, init=False)

    def run(self, db: Connection, rows: int, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` in one slice transaction over ``rows`` rows, once no tap is
        in progress (or after ``defer_at_most``); then the pause."""
        self._let_tap_finish(db)
        started = time.monotonic()
        with db.writing(durable=False) as conn:
            result = work(conn)
        finished = time.monotonic()
        self.slices += 1
        quiet = finished - db.last_durable_commit > self.quiet_after
        pace = self.quiet if quiet else self.busy
        if rows:
            wanted = int(rows * pace.budget / max(finished - started, 1e-6))
            self.rows = min(self.most, max(self.least, wanted))
        self.sleep(pace.pause)
        return result

    def _let_tap_finish(self, db: Connection) -> None:
        deadline = time.monotonic() + self.defer_at_most
        while db.tap_begun and time.monotonic() < deadline:
            self.sleep(self.busy.pause)

    def scanner(self) -> Pacer:
        """A pacer for rowid-range scans (many more rows fit a budget)."""
        budgets = self.busy, self.quiet, self.quiet_after, self.defer_at_most
        return Pacer(*budgets, rows=1024, least=256, most=1 << 20, sleep=self.sleep)


def write_rows(
    db: Connection, update: ListUpdate, now: str, pacer: Pacer | None = None
) -> tuple[RowCounts, int]:
    """Steps 1 and 2 above: the rows written (deny removals in ``undenied``)
    and the cards a snapshot took off. The caller records the list (step 3)."""
    pacer = pacer or Pacer()
    try:
        written = _each_slice(db, update, pacer, _additions(update.version, now))
        if written.undenied:
            written = replace(written, undenied=0)
            written += _each_slice(db, update, pacer, _removals, keep=lists.UNDENY_MARKER)
        removed = 0
        if update.mode == "snapshot":
            removed = _stale(db, "cards", _STALE_CARDS, update.version, pacer)
            dropped = _stale(db, "deny_list", _STALE_DENIALS, update.version, pacer)
            written += RowCounts(undenied=dropped)
    finally:
        db.make_durable()
    return written, removed


Writer = Callable[[bytes, sqlite3.Connection], RowCounts]  # rows, then the connection


def _additions(version: int, now: str) -> Writer:
    def write(rows: bytes, conn: sqlite3.Connection) -> RowCounts:
        return lists.apply_cards_and_denials(conn, rows, version, now)

    return write


def _removals(rows: bytes, conn: sqlite3.Connection) -> RowCounts:
    return RowCounts(undenied=lists.undeny(conn, rows))


def _each_slice(
    db: Connection, update: ListUpdate, pacer: Pacer, write: Writer, keep: bytes = b""
) -> RowCounts:
    total = RowCounts()
    for piece in _pieces(update, pacer, keep):
        total += pacer.run(db, piece.count(b"\n"), partial(write, piece))
    return total


def _pieces(update: ListUpdate, pacer: Pacer, keep: bytes) -> Iterator[bytes]:
    """The list's lines (only those starting with ``keep``), ``pacer.rows`` at
    a time, read as each piece is asked for."""
    for block in update.blocks():
        if keep:
            block = b"".join(x for x in block.splitlines(keepends=True) if x.startswith(keep))
        start = 0
        while start < len(block):
            end = lists.lines(block, start, pacer.rows)
            yield block[start:end]
            start = end


def _stale(db: Connection, table: str, delete: str, version: int, pacer: Pacer) -> int:
    """Delete ``table``'s rows not written by list ``version``, a rowid range a slice."""
    with db.reading() as conn:
        last = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0]
    scan = pacer.scanner()
    after, removed = 0, 0
    while after < last:
        upto = min(last, after + scan.rows)
        args = {"after": after, "upto": upto, "version": version}
        removed += scan.run(db, upto - after, partial(_count, delete, args))
        after = upto
    pacer.slices += scan.slices
    return removed


def _count(statement: str, args: dict[str, int], conn: sqlite3.Connection) -> int:
    return int(conn.execute(statement, args).rowcount)
