"""The single SQLite connection: open, pragmas, library check, migrations.

Every read and write goes through one :class:`Connection`, guarded by a lock so
the tap loop and the sync thread can share it. There is never a second writing
connection: that is what keeps this design clear of SQLite's WAL-reset bug.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from offline_store.errors import OUT_OF_SERVICE, StoreUnavailable, os_failure, storage_failure
from offline_store.schema import MIGRATIONS, SCHEMA_VERSION

LOG = logging.getLogger("offline_store")
DB_FILE = "validator.db"
BUSY_TIMEOUT_MS = 5000

Version = tuple[int, int, int]


def wal_reset_bug(version: Version) -> bool:
    """True when this SQLite release has the WAL-reset corruption bug.

    Affected: 3.7.0 up to 3.51.2, except the fixed patch releases 3.50.7+ and
    3.44.6+ of their lines. The bug needs two connections writing or
    checkpointing at once.
    """
    if not (3, 7, 0) <= version < (3, 51, 3):
        return False
    fixed_lines = {(3, 50): 7, (3, 44): 6}
    fixed_from = fixed_lines.get(version[:2])
    return fixed_from is None or version[2] < fixed_from


def library_version() -> Version:
    major, minor, patch = sqlite3.sqlite_version_info
    return (major, minor, patch)


def log_library(version: Version) -> None:
    text = ".".join(map(str, version))
    LOG.info("SQLite library %s", text)
    if wal_reset_bug(version):
        LOG.warning(
            "SQLite %s has the WAL-reset corruption bug (fixed in 3.51.3, 3.50.7, 3.44.6); "
            "it needs two connections writing or checkpointing at once, and this validator "
            "uses a single writer connection, which avoids it. Upgrade SQLite when possible.",
            text,
        )


class Connection:
    """The one connection to ``validator.db``, shared under a lock."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.lock = threading.RLock()
        self.simulated_fault: int | None = None  # fault injection: an SQLite result code
        self._durable: bool | None = None  # synchronous=FULL (True) or NORMAL; None: unknown
        self.last_durable_commit = 0.0  # time.monotonic() of the last durable commit (a tap, …)
        self.tap_begun = 0.0  # time.monotonic() when the tap in progress began; 0: none

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, locked; SQLite errors become StoreUnavailable."""
        with self.lock:
            try:
                yield self.conn
            except sqlite3.Error as error:
                raise storage_failure(error, self.path) from error

    @contextmanager
    def tap(self) -> Iterator[None]:
        """Mark a tap in progress (lookup, decision, journal row): background
        writers (a list's slices) hold back until it is done."""
        self.tap_begun = time.monotonic()
        try:
            yield
        finally:
            self.tap_begun = 0.0

    @contextmanager
    def writing(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction, committed durably on exit or rolled back on error.

        ``durable=False`` (slices of a list, which are written again when lost)
        commits without waiting for the disk; the next durable commit syncs the
        write-ahead log, and with it every commit before it. A durable
        transaction always begins at synchronous=FULL (or does not begin).
        """
        with self.reading() as conn:
            self._set_synchronous(conn, durable)
            try:
                conn.execute("BEGIN IMMEDIATE")
                self._inject_fault()
                yield conn
                conn.execute("COMMIT")
                if durable:
                    self.last_durable_commit = time.monotonic()
            except BaseException:
                self._rollback()
                raise

    def make_durable(self) -> None:
        """Back to synchronous=FULL now (after a run of ``durable=False`` writes)."""
        with self.reading() as conn:
            self._set_synchronous(conn, True)

    def _set_synchronous(self, conn: sqlite3.Connection, durable: bool) -> None:
        if durable is not self._durable:
            self._durable = None  # unknown until the pragma has run
            conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
            self._durable = durable

    def _inject_fault(self) -> None:
        """Fail like SQLite would, inside the transaction, when a fault is simulated."""
        if self.simulated_fault is None:
            return
        fault = sqlite3.OperationalError(f"simulated fault (SQLite code {self.simulated_fault})")
        fault.sqlite_errorcode = self.simulated_fault
        raise fault

    def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            LOG.exception("rollback failed on %s", self.path)

    def set_pragma(self, name: str, value: int) -> None:
        """Set an integer PRAGMA on this connection (maintenance and test hook)."""
        if not name.isidentifier():
            raise ValueError(f"not a pragma name: {name!r}")
        with self.reading() as conn:
            conn.execute(f"PRAGMA {name} = {int(value)}")
            self._durable = None

    def close(self) -> None:
        with self.lock:
            try:
                self.conn.close()
            except sqlite3.Error as error:
                raise storage_failure(error, self.path) from error


def open_connection(data_dir: Path) -> Connection:
    """Create ``data_dir`` if needed, open the database, set pragmas, migrate."""
    path = data_dir / DB_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise os_failure(error, data_dir) from error
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise storage_failure(error, path) from error
    connection = Connection(conn, path)
    try:
        with connection.reading():
            _set_pragmas(conn, path)
            _migrate(sqlite_utils.Database(conn, execute_plugins=False), path)
    except BaseException:
        conn.close()
        raise
    return connection


def _set_pragmas(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreUnavailable(
            f"Storage failed: {path} cannot use write-ahead logging (journal mode "
            f"stays '{mode}'); the data folder must be on a local disk. {OUT_OF_SERVICE}"
        )
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _migrate(db: sqlite_utils.Database, path: Path) -> None:
    current = schema_version(db.conn)
    if current > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"Storage failed: {path} was written by a newer validator (schema {current}; "
            f"this software knows up to {SCHEMA_VERSION}). Install the newer software; "
            f"do not delete the database. {OUT_OF_SERVICE}"
        )
    for number in range(current + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[number - 1](db)
            db.execute(f"PRAGMA user_version = {number}")
        LOG.info("database %s migrated to schema %d", path, number)


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
