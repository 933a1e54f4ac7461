"""The ledger's own SQLite database: schema, one writer connection, versions.

One connection does every write, behind a lock (SQLite's WAL-reset bug needs
two connections writing or checkpointing at once; one writer avoids it).
Long reads that must see one consistent version while they stream (list
snapshots) open their own read-only connection with :meth:`Database.reader`.
WAL mode with ``synchronous=FULL``: an acknowledged upload survives power loss,
because the device deletes what the ledger acknowledged.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

DB_FILE = "ledger.sqlite"
KEEP_CHANGES = 1_000_000  # card changes kept for deltas
PRUNE_STEP = 100_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS devices(
    device_id TEXT PRIMARY KEY, public_key BLOB NOT NULL, bus_number TEXT NOT NULL,
    status TEXT NOT NULL, enrolled_at TEXT NOT NULL, revoked_at TEXT,
    watermark INTEGER NOT NULL, tip_hash TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS enrollment_codes(
    code TEXT PRIMARY KEY, bus_number TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL, used_by TEXT, used_key BLOB, used_at TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nonces(
    device_id TEXT NOT NULL, nonce TEXT NOT NULL, seen_at INTEGER NOT NULL,
    PRIMARY KEY(device_id, nonce)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_seen ON nonces(seen_at);
CREATE TABLE IF NOT EXISTS cards(
    card_number TEXT PRIMARY KEY, uid TEXT UNIQUE, balance INTEGER NOT NULL,
    category TEXT NOT NULL, status TEXT NOT NULL, expires TEXT,
    last_boarding_at TEXT, last_boarding_route TEXT, last_boarding_fare INTEGER,
    version INTEGER NOT NULL, issued_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS card_changes(
    id INTEGER PRIMARY KEY, version INTEGER NOT NULL, card_number TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS card_changes_version ON card_changes(version);
CREATE TABLE IF NOT EXISTS deny(
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL,
    active INTEGER NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deny_version ON deny(version);
CREATE TABLE IF NOT EXISTS topups(
    id INTEGER PRIMARY KEY, card_number TEXT NOT NULL, amount INTEGER NOT NULL,
    reference TEXT UNIQUE, at TEXT NOT NULL, balance_after INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS taps(
    device_id TEXT NOT NULL, seq INTEGER NOT NULL, uuid TEXT NOT NULL, time TEXT NOT NULL,
    mono_ns INTEGER NOT NULL, medium TEXT NOT NULL, card_number TEXT, uid TEXT,
    route TEXT NOT NULL, direction TEXT NOT NULL, fare INTEGER NOT NULL,
    riders INTEGER NOT NULL, balance_after INTEGER, result TEXT NOT NULL,
    reason TEXT NOT NULL, hash TEXT NOT NULL, bus_number TEXT NOT NULL,
    ledger_balance INTEGER, local_day TEXT NOT NULL, pan_token TEXT, masked_pan TEXT,
    extra TEXT, PRIMARY KEY(device_id, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS taps_card ON taps(card_number, time) WHERE card_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS taps_day ON taps(local_day);
CREATE TABLE IF NOT EXISTS emv_pending(
    device_id TEXT NOT NULL, seq INTEGER NOT NULL, token TEXT NOT NULL, fare INTEGER NOT NULL,
    time TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY(device_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fare_tables(
    version INTEGER PRIMARY KEY, body TEXT NOT NULL, published_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS routes(
    route TEXT PRIMARY KEY, name TEXT NOT NULL, stops TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tickets(
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, channel TEXT NOT NULL,
    contact TEXT NOT NULL, bus_number TEXT NOT NULL, route TEXT NOT NULL,
    fare INTEGER NOT NULL, sold_at TEXT NOT NULL, valid_until TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_bus ON tickets(bus_number, id);
CREATE TABLE IF NOT EXISTS positions(
    device_id TEXT NOT NULL, time TEXT NOT NULL, route TEXT NOT NULL,
    lat REAL NOT NULL, lon REAL NOT NULL, PRIMARY KEY(device_id, time)) WITHOUT ROWID;
"""


class Database:
    """The ledger database: a locked writer connection and read-only readers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = _connect(path)
        self._conn.executescript(SCHEMA)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the writer connection; rolled back on error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A short read on the writer connection (it sees every commit)."""
        with self._lock:
            yield self._conn

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A separate read-only connection holding one snapshot until closed."""
        conn = sqlite3.connect(
            f"file:{self.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA cache_size=-131072")  # 128 MiB: a million cards stay in memory
    conn.execute("PRAGMA wal_autocheckpoint=20000")
    return conn


def meta_get(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def meta_bump(conn: sqlite3.Connection, key: str) -> int:
    """Raise the counter ``key`` by one (inside the caller's transaction)."""
    value = meta_get(conn, key) + 1
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
    return value


def next_list_version(conn: sqlite3.Connection) -> int:
    """A new list version for the rows this transaction changes."""
    return meta_bump(conn, "list_version")


def log_card_changes(conn: sqlite3.Connection, version: int, cards: Iterable[str]) -> None:
    """Note which cards changed in ``version``; deltas read this log.

    The log is append-only (cheap to write, unlike an index on a version
    column of a million random cards) and keeps about :data:`KEEP_CHANGES`
    rows: older versions are answered with a snapshot.
    """
    conn.executemany(
        "INSERT INTO card_changes(version, card_number) VALUES (?, ?)",
        ((version, card) for card in cards),
    )
    last = conn.execute("SELECT MAX(id) FROM card_changes").fetchone()[0] or 0
    first = conn.execute("SELECT MIN(id) FROM card_changes").fetchone()[0] or 0
    if last - first > KEEP_CHANGES + PRUNE_STEP:
        _prune_changes(conn, last - KEEP_CHANGES)


def _prune_changes(conn: sqlite3.Connection, below_id: int) -> None:
    pruned = conn.execute(
        "SELECT MAX(version) FROM card_changes WHERE id < ?", (below_id,)
    ).fetchone()[0]
    conn.execute("DELETE FROM card_changes WHERE version <= ?", (pruned,))
    raise_changes_floor(conn, int(pruned))


def raise_changes_floor(conn: sqlite3.Connection, version: int) -> None:
    """Deltas from versions below ``version`` are no longer possible: send snapshots."""
    if version > meta_get(conn, "changes_floor"):
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('changes_floor', ?)", (version,)
        )
