"""Opening the store, and what the driver sees when storage fails."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from offline_store import OfflineStore, StoreUnavailable, TapRecord, wal_reset_bug
from offline_store.schema import SCHEMA_VERSION
from validator.model import Medium, Outcome, Reason

BIG = 1_073_741_823  # SQLite's default max_page_count
RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def tap() -> TapRecord:
    return TapRecord(
        time=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        mono_ns=1,
        medium=Medium.CLASSIC,
        card_number="9643000000000000001",
        uid="A1B2C3D4",
        route="12",
        direction="forward",
        fare=80,
        riders=1,
        balance_after=920,
        result=Outcome.ACCEPTED,
        reason=Reason.PAID,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OfflineStore]:
    opened = OfflineStore.open(tmp_path / "data", "bus-042")
    yield opened
    opened.close()


def test_the_database_is_created_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path / "new" / "dir", "bus-042") as store:
        health = store.health()
    assert (tmp_path / "new" / "dir" / "validator.db").is_file()
    assert (health.journal_mode, health.synchronous) == ("wal", 2)
    assert health.schema_version == SCHEMA_VERSION


def test_the_wal_mode_is_recorded_in_the_file(tmp_path: Path, store: OfflineStore) -> None:
    with closing(sqlite3.connect(store.path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ((3, 6, 23), False),
        ((3, 7, 0), True),
        ((3, 40, 1), True),
        ((3, 44, 5), True),
        ((3, 44, 6), False),
        ((3, 44, 9), False),
        ((3, 45, 0), True),
        ((3, 50, 6), True),
        ((3, 50, 7), False),
        ((3, 51, 0), True),
        ((3, 51, 2), True),
        ((3, 51, 3), False),
        ((3, 52, 0), False),
        ((4, 0, 0), False),
    ],
)
def test_sqlite_releases_with_the_wal_reset_bug_are_recognised(
    version: tuple[int, int, int], affected: bool
) -> None:
    assert wal_reset_bug(version) is affected


def test_opening_logs_the_sqlite_version(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="offline_store")
    OfflineStore.open(tmp_path, "bus-042").close()
    assert any(sqlite3.sqlite_version in r.getMessage() for r in caplog.records)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == int(wal_reset_bug(sqlite3.sqlite_version_info))
    assert all("single writer" in r.getMessage() for r in warned)


def test_a_corrupt_database_file_is_reported_clearly(tmp_path: Path) -> None:
    (tmp_path / "validator.db").write_bytes(b"this is not a database\n" * 200)
    with pytest.raises(StoreUnavailable, match="not a validator database") as failure:
        OfflineStore.open(tmp_path, "bus-042")
    assert "Do not delete it" in str(failure.value)


def test_a_database_from_newer_software_is_refused(tmp_path: Path) -> None:
    OfflineStore.open(tmp_path, "bus-042").close()
    with closing(sqlite3.connect(tmp_path / "validator.db")) as other:
        other.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreUnavailable, match="newer validator"):
        OfflineStore.open(tmp_path, "bus-042")


def test_another_devices_database_is_refused(tmp_path: Path) -> None:
    OfflineStore.open(tmp_path, "bus-042").close()
    with pytest.raises(StoreUnavailable, match="belongs to device bus-042"):
        OfflineStore.open(tmp_path, "bus-777")


def test_a_full_disk_refuses_the_tap_and_recovers_with_the_next_seq(
    store: OfflineStore,
) -> None:
    store.record(tap())
    store._test_pragma("max_page_count", 1)  # clamps to the current size: no room to grow
    with pytest.raises(StoreUnavailable, match="the disk is full") as failure:
        for _ in range(1000):
            store.record(tap())
    stored = len(store.journal())
    assert failure.value.code == 13
    store._test_pragma("max_page_count", BIG)  # space is freed
    assert store.record(tap()).seq == stored + 1
    assert store.verify_journal().ok


def test_a_read_only_database_refuses_the_tap_and_keeps_the_journal(
    store: OfflineStore,
) -> None:
    store.record(tap())
    before = store.journal()
    store._test_pragma("query_only", 1)
    with pytest.raises(StoreUnavailable, match="read-only"):
        store.record(tap())
    assert store.journal() == before
    store._test_pragma("query_only", 0)
    assert store.record(tap()).seq == 2


@pytest.mark.skipif(RUNNING_AS_ROOT, reason="root ignores file permissions")
def test_a_read_only_data_folder_is_reported_and_the_journal_kept(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path, "bus-042") as store:
        store.record(tap())
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(StoreUnavailable), OfflineStore.open(tmp_path, "bus-042") as again:
            again.record(tap())
    finally:
        tmp_path.chmod(0o755)
    with OfflineStore.open(tmp_path, "bus-042") as store:
        assert len(store.journal()) == 1


@pytest.mark.skipif(RUNNING_AS_ROOT, reason="root ignores file permissions")
def test_a_read_only_database_file_is_reported_and_the_journal_kept(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path, "bus-042") as store:
        store.record(tap())
    (tmp_path / "validator.db").chmod(0o444)
    with (
        pytest.raises(StoreUnavailable, match="read-only"),
        OfflineStore.open(tmp_path, "bus-042") as again,
    ):
        again.record(tap())
    for file in tmp_path.glob("validator.db*"):  # the technician's fix
        file.chmod(0o644)
    with OfflineStore.open(tmp_path, "bus-042") as store:
        assert len(store.journal()) == 1


def test_an_unusable_data_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StoreUnavailable, match="cannot use the data folder"):
        OfflineStore.open(blocker / "inside", "bus-042")


def test_a_simulated_full_disk_refuses_writes_but_still_answers_reads(
    store: OfflineStore,
) -> None:
    store.record(tap())
    store.simulate_full_disk(True)
    with pytest.raises(StoreUnavailable, match="the disk is full"):
        store.record(tap())
    assert [row.seq for row in store.journal()] == [1]
    store.simulate_full_disk(False)
    assert store.record(tap()).seq == 2
