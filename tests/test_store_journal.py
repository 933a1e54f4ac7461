"""The tap journal: gap-free sequence, hash chain, tamper detection, reopening."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest

from offline_store import GENESIS_HASH, OfflineStore, TapRecord, row_hash
from validator.model import Medium, Outcome, Reason

CARD = "9643000000000000001"
START = datetime(2025, 3, 1, 7, 15, 2, 120_000, tzinfo=UTC)


def tap(n: int = 0, fare: int = 80) -> TapRecord:
    return TapRecord(
        time=START + timedelta(seconds=n),
        mono_ns=1_000_000 * n,
        medium=Medium.DESFIRE,
        card_number=CARD,
        uid="04a1b2c3d4e5f6",
        route="12",
        direction="forward",
        fare=fare,
        riders=1,
        balance_after=1000 - fare,
        result=Outcome.ACCEPTED,
        reason=Reason.PAID,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OfflineStore]:
    opened = OfflineStore.open(tmp_path, "bus-042")
    yield opened
    opened.close()


def record_many(store: OfflineStore, count: int) -> None:
    for n in range(count):
        store.record(tap(n))


def tamper(data_dir: Path, sql: str) -> None:
    with closing(sqlite3.connect(data_dir / "validator.db")) as other, other:
        other.execute(sql)


def test_many_taps_get_consecutive_numbers_and_the_chain_verifies(store: OfflineStore) -> None:
    record_many(store, 250)
    rows = store.journal()
    assert [row.seq for row in rows] == list(range(1, 251))
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(row.prev_hash == before.hash for before, row in pairwise(rows))
    assert store.verify_journal().ok
    assert store.verify_journal().rows == 250


def test_a_row_carries_the_upload_format(store: OfflineStore) -> None:
    row = store.record(tap())
    uploaded = json.loads(json.dumps(row.as_dict()))
    assert uploaded["time"] == "2025-03-01T07:15:02.120Z"
    assert uploaded["device_id"] == "bus-042"
    assert uploaded["uid"] == "04A1B2C3D4E5F6"
    assert (uploaded["medium"], uploaded["result"], uploaded["reason"]) == (
        "desfire",
        "accepted",
        "paid",
    )
    assert uploaded["hash"] == row_hash(uploaded, GENESIS_HASH)


def test_the_time_is_stored_in_utc_whatever_the_local_zone(store: OfflineStore) -> None:
    almaty = timezone(timedelta(hours=5))
    local = replace(tap(), time=START.astimezone(almaty))
    assert store.record(local).time == "2025-03-01T07:15:02.120Z"


def test_journal_last_gives_the_newest_rows_in_order(store: OfflineStore) -> None:
    record_many(store, 5)
    assert [row.seq for row in store.journal(last=2)] == [4, 5]


def test_reopening_the_store_continues_the_sequence_and_the_chain(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path, "bus-042") as first:
        record_many(first, 3)
    with OfflineStore.open(tmp_path, "bus-042") as again:
        row = again.record(tap(3))
        assert row.seq == 4
        assert again.verify_journal().ok


def test_an_edited_row_is_reported_as_altered(tmp_path: Path, store: OfflineStore) -> None:
    record_many(store, 5)
    tamper(tmp_path, "UPDATE journal SET fare = 0 WHERE seq = 3")
    check = store.verify_journal()
    assert not check.ok
    assert check.problems == ["seq 3: contents do not match its hash — the row was altered"]


def test_a_deleted_middle_row_is_reported_as_missing(tmp_path: Path, store: OfflineStore) -> None:
    record_many(store, 5)
    tamper(tmp_path, "DELETE FROM journal WHERE seq = 3")
    check = store.verify_journal()
    assert not check.ok
    assert check.rows == 4
    assert check.problems[0].startswith("seq 3: missing")


def test_a_broken_link_is_reported(tmp_path: Path, store: OfflineStore) -> None:
    record_many(store, 5)
    tamper(tmp_path, f"UPDATE journal SET prev_hash = '{'f' * 64}' WHERE seq = 4")
    problems = store.verify_journal().problems
    assert any(p.startswith("seq 4: its link does not match seq 3") for p in problems)


def test_a_naive_tap_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(tap(), time=START.replace(tzinfo=None))
