"""``store.ledger``: what sync reads and writes in the store.

Every method is one short locked transaction on the store's single
connection, so the tap path waits at most for one of them. A list, once
sync/ has verified it, is written in slices of the same kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from offline_store import list_apply, lists, outbox
from offline_store.db import Connection
from offline_store.journal import chain_tail, format_utc
from offline_store.list_apply import Pacer
from offline_store.lists import ListApplied, ListInfo, ListUpdate

if TYPE_CHECKING:
    from offline_store.store import OfflineStore

__all__ = ["LedgerSide"]


class LedgerSide:
    """The store as sync sees it; get it as ``store.ledger``."""

    def __init__(self, db: Connection, store: OfflineStore) -> None:
        self._db = db
        self._store = store

    # --- lists --------------------------------------------------------------

    def apply_list(
        self, update: ListUpdate, now: datetime, pacer: Pacer | None = None
    ) -> ListApplied:
        """Apply a verified list: its rows in short slices (offline_store/list_apply.py),
        then its version and watermark in one durable transaction. The
        watermark is clamped to this journal's last seq (``ListApplied.watermark``
        says what was kept)."""
        received = format_utc(now)
        written, removed = list_apply.write_rows(self._db, update, received, pacer)
        with self._db.writing() as conn:
            watermark = min(update.watermark, chain_tail(conn)[0])
            lists.record(conn, update, watermark, received)
            self._store._lists_applied(update.version, watermark)
        mode, version = update.mode, update.version
        counts = written.cards, written.denied, written.undenied
        return ListApplied(mode, version, watermark, *counts, removed)

    def list_info(self) -> ListInfo:
        with self._db.reading() as conn:
            return lists.list_info(conn)

    # --- uploads ------------------------------------------------------------

    @property
    def uploaded_seq(self) -> int:
        """The highest seq the ledger has acknowledged."""
        with self._db.reading() as conn:
            return outbox.uploaded_seq(conn)

    def set_uploaded_seq(self, seq: int) -> None:
        """Record the ledger's acknowledgement (it may also move back, when the
        ledger says it holds less: those rows are sent again)."""
        with self._db.writing() as conn:
            last = chain_tail(conn)[0]
            if not 0 <= seq <= last:
                raise ValueError(f"upload mark {seq} is outside this journal (seq 0–{last})")
            outbox.set_uploaded_seq(conn, seq)

    def last_seq(self) -> int:
        with self._db.reading() as conn:
            return chain_tail(conn)[0]

    def backlog(self, after: int, limit: int) -> list[dict[str, Any]]:
        """Journal rows above ``after`` (at most ``limit``), as upload mappings."""
        with self._db.reading() as conn:
            return outbox.backlog_rows(conn, after, limit)

    # --- status and tickets -------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What the sync loop last recorded (online, last sync, clock offset, …)."""
        with self._db.reading() as conn:
            return outbox.read_status(conn)

    def set_status(self, status: Mapping[str, Any]) -> None:
        with self._db.writing() as conn:
            outbox.write_status(conn, status)

    @property
    def tickets_after(self) -> int:
        """The ledger id of the newest ticket received."""
        with self._db.reading() as conn:
            return outbox.tickets_after(conn)

    def save_tickets(self, tickets: Sequence[Mapping[str, Any]], after: int, now: datetime) -> int:
        with self._db.writing() as conn:
            return outbox.save_tickets(conn, tickets, after, format_utc(now))

    def tickets(self, now: datetime) -> list[dict[str, Any]]:
        """The tickets for this bus still valid at ``now``."""
        with self._db.reading() as conn:
            return outbox.read_tickets(conn, format_utc(now))

    def use_ticket(self, code: str, now: datetime) -> str | None:
        """Mark a ticket checked on this bus: None the first time, then when it was."""
        with self._db.writing() as conn:
            return outbox.use_ticket(conn, code, format_utc(now))
