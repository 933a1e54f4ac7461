"""``OfflineStore``: the validator's durable state behind one locked connection."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Container, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from offline_store import accounts, cards, emv_history, replay_cache
from offline_store.card_import import CardRow
from offline_store.db import (
    Connection,
    get_meta,
    library_version,
    log_library,
    open_connection,
    schema_version,
    set_meta,
    wal_reset_bug,
)
from offline_store.errors import OUT_OF_SERVICE, SQLITE_FULL, StoreUnavailable
from offline_store.journal import (
    JournalCheck,
    JournalRow,
    TapRecord,
    build_row,
    chain_tail,
    format_utc,
    insert_row,
    read_rows,
    verify_rows,
)
from offline_store.ledger_side import LedgerSide
from offline_store.positions import PositionQueue
from offline_store.routes import RouteStops
from validator.emv_risk import EmvHistory
from validator.model import Account, Reason


@dataclass(frozen=True, slots=True)
class StoreHealth:
    free_bytes: int
    journal_rows: int
    schema_version: int
    sqlite_version: str
    wal_bug: bool
    journal_mode: str  # "wal" when healthy
    synchronous: int  # 2 (FULL) when healthy


class OfflineStore:
    """Balance list, deny list, fare tables and the tap journal of one device.

    Create it with :meth:`open`. Every method may raise StoreUnavailable.
    """

    def __init__(self, db: Connection, device_id: str, watermark: int, list_version: int) -> None:
        self._db = db
        self._device_id = device_id
        self._watermark = watermark
        self._list_version = list_version
        self._tail: tuple[int, str] | None = None  # None: reload from the database

    @classmethod
    def open(cls, data_dir: Path, device_id: str) -> OfflineStore:
        """Open (creating if needed) ``data_dir/validator.db`` for ``device_id``."""
        log_library(library_version())
        db = open_connection(data_dir)
        try:
            with db.writing() as conn:
                _claim(conn, device_id, db.path)
                watermark = int(get_meta(conn, "watermark") or 0)
                list_version = int(get_meta(conn, "list_version") or 0)
        except BaseException:
            db.close()
            raise
        return cls(db, device_id, watermark, list_version)

    @property
    def device_id(self) -> str:
        return self._device_id

    @property
    def path(self) -> Path:
        return self._db.path

    # --- the tap path -------------------------------------------------------

    def card_number_for_uid(self, uid: str) -> str | None:
        with self._db.reading() as conn:
            return cards.card_number_for_uid(conn, uid)

    def account(self, card_number: str, now: datetime) -> Account | None:
        with self._db.reading() as conn:
            return accounts.load_account(conn, card_number, now, self._watermark)

    def emv_history(self, pan_token: str, now: datetime) -> EmvHistory:
        """What this validator knows about a bank card, by its PAN token."""
        with self._db.reading() as conn:
            return emv_history.load_history(conn, pan_token, now)

    def token_used(self, token_id: bytes) -> bool:
        """True when this single-use token id was spent here and is still remembered."""
        with self._db.reading() as conn:
            return replay_cache.is_used(conn, token_id)

    @property
    def used_tokens(self) -> Container[bytes]:
        """The replay cache as a container: ``token_id in store.used_tokens``."""
        return _UsedTokens(self)

    def is_denied(self, key: str) -> bool:
        """True when a card number or token is on the deny list."""
        with self._db.reading() as conn:
            return cards.is_denied(conn, key)

    def tap_in_progress(self) -> AbstractContextManager[None]:
        """Around one tap's lookups and journal row: a list being applied in the
        background holds its next slice back until the tap is done."""
        return self._db.tap()

    def record(self, tap: TapRecord) -> JournalRow:
        """Append ``tap`` to the journal; durable on return, else StoreUnavailable."""
        with self._db.lock:
            last_seq, last_hash = self._tail or self._load_tail()
            row = build_row(tap, self._device_id, last_seq + 1, last_hash)
            try:
                with self._db.writing() as conn:
                    insert_row(conn, row)
                    _note_side_effects(conn, tap, row.seq)
            except BaseException:
                self._tail = None  # the commit may or may not have landed: re-read
                raise
            self._tail = (row.seq, row.hash)
            return row

    def _load_tail(self) -> tuple[int, str]:
        with self._db.reading() as conn:
            self._tail = chain_tail(conn)
        return self._tail

    # --- the journal --------------------------------------------------------

    def journal(self, last: int | None = None) -> list[JournalRow]:
        """Every journal row in seq order, or only the ``last`` ones."""
        with self._db.reading() as conn:
            return read_rows(conn, last)

    def verify_journal(self) -> JournalCheck:
        with self._db.reading() as conn:
            return verify_rows(conn)

    @property
    def watermark(self) -> int:
        """The highest of this device's seqs the current list already includes."""
        return self._watermark

    def set_watermark(self, seq: int) -> None:
        with self._db.lock:
            last_seq = (self._tail or self._load_tail())[0]
            if not 0 <= seq <= last_seq:
                raise ValueError(f"watermark {seq} is outside this journal (seq 1–{last_seq})")
            with self._db.writing() as conn:
                set_meta(conn, "watermark", str(seq))
            self._watermark = seq

    # --- lists from the depot and the ledger --------------------------------

    @property
    def list_version(self) -> int:
        return self._list_version

    def import_cards(self, rows: Sequence[CardRow], list_version: int) -> int:
        """Upsert ``rows`` as list ``list_version``, all or nothing; returns the count."""
        with self._db.writing() as conn:
            count = cards.upsert_cards(conn, rows, list_version)
            set_meta(conn, "list_version", str(list_version))
        self._list_version = list_version
        return count

    @property
    def ledger(self) -> LedgerSide:
        """What sync reads and writes: lists, upload mark, backlog, status, tickets."""
        return LedgerSide(self._db, self)

    @property
    def positions(self) -> PositionQueue:
        """GPS positions waiting for upload to the ledger's arrival board."""
        return PositionQueue(self._db)

    @property
    def routes(self) -> RouteStops:
        """The stops of every route, from the ledger's signed route data."""
        return RouteStops(self._db)

    def _lists_applied(self, version: int, watermark: int) -> None:
        """Called by ``LedgerSide.apply_list`` inside its transaction, under the lock."""
        self._list_version, self._watermark = version, watermark

    def counter(self, name: str) -> int | None:
        """The last number taken from counter ``name`` (meta ``counter.NAME``); None: never."""
        with self._db.reading() as conn:
            value = get_meta(conn, f"counter.{name}")
        return None if value is None else int(value)

    def take_number(self, name: str, at_least: int = 1) -> int:
        """The next number of counter ``name`` (and at least ``at_least``), stored
        durably before it is returned: a number is never handed out twice."""
        with self._db.writing() as conn:
            number = max(int(get_meta(conn, f"counter.{name}") or 0) + 1, at_least)
            set_meta(conn, f"counter.{name}", str(number))
        return number

    def card_count(self) -> int:
        with self._db.reading() as conn:
            return cards.card_count(conn)

    def confirm_emv(self, pan_tokens: Iterable[str], now: datetime) -> None:
        """The ledger authorised these bank cards: they pay without first-ride limits."""
        with self._db.writing() as conn:
            emv_history.confirm(conn, pan_tokens, now)

    def deny(self, key: str, reason: str, now: datetime) -> None:
        """Put a card number or token on the deny list."""
        with self._db.writing() as conn:
            cards.deny(conn, key, reason, now)

    def set_fare_table(self, version: int, body_json: str, signature: str | None = None) -> None:
        """Install a fare table (JSON text); the highest version is the one in force."""
        json.loads(body_json)  # ValueError when it is not JSON
        installed = format_utc(datetime.now(UTC))
        with self._db.writing() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO fare_tables (version, body, signature, installed_at) "
                "VALUES (?, ?, ?, ?)",
                (version, body_json, signature, installed),
            )

    def fare_table(self) -> tuple[int, str] | None:
        """The installed fare table with the highest version, as (version, JSON)."""
        with self._db.reading() as conn:
            found = conn.execute(
                "SELECT version, body FROM fare_tables ORDER BY version DESC LIMIT 1"
            ).fetchone()
        return None if found is None else (int(found[0]), str(found[1]))

    # --- upkeep -------------------------------------------------------------

    def health(self) -> StoreHealth:
        version = library_version()
        with self._db.reading() as conn:
            rows = int(conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0])
            schema = schema_version(conn)
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
            synchronous = int(conn.execute("PRAGMA synchronous").fetchone()[0])
        return StoreHealth(
            free_bytes=_free_bytes(self._db.path.parent),
            journal_rows=rows,
            schema_version=schema,
            sqlite_version=".".join(map(str, version)),
            wal_bug=wal_reset_bug(version),
            journal_mode=mode,
            synchronous=synchronous,
        )

    def simulate_full_disk(self, on: bool) -> None:
        """Fault injection for tests and bench: every write fails as on a full disk
        (SQLITE_FULL inside the transaction) until switched off. Reads still work."""
        with self._db.lock:
            self._db.simulated_fault = SQLITE_FULL if on else None

    def _test_pragma(self, name: str, value: int) -> None:
        """Test hook: set a PRAGMA on the writer (e.g. max_page_count for a full disk)."""
        self._db.set_pragma(name, value)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class _UsedTokens:
    def __init__(self, store: OfflineStore) -> None:
        self._store = store

    def __contains__(self, token_id: object) -> bool:
        return isinstance(token_id, bytes) and self._store.token_used(token_id)


def _note_side_effects(conn: sqlite3.Connection, tap: TapRecord, seq: int) -> None:
    """What a tap changes beside its journal row, in the row's transaction: a
    spent single-use token, a bank card's first ride on trust."""
    if tap.token_use is not None:
        replay_cache.remember(conn, tap.token_use, seq, tap.time)
    if tap.reason is Reason.FIRST_RIDE and tap.pan_token is not None:
        emv_history.note_first_ride(conn, tap.pan_token, tap.time)


def _claim(conn: sqlite3.Connection, device_id: str, path: Path) -> None:
    owner = get_meta(conn, "device_id")
    if owner is None:
        set_meta(conn, "device_id", device_id)
    elif owner != device_id:
        raise StoreUnavailable(
            f"Storage failed: {path} belongs to device {owner}, but this unit is configured "
            f"as {device_id}. Fix device_id in the configuration. {OUT_OF_SERVICE}"
        )


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0
