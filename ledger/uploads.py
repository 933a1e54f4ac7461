"""Tap upload: check a batch's sequence and hash chain, store it exactly once,
apply the fares to the card balances, acknowledge a contiguous watermark.

Idempotent on (device_id, seq): rows at or below the device's watermark are
counted as duplicates, once the batch is shown to agree with what the ledger
holds (the chain hash it implies for the watermark row equals the stored one).
One batch is one transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request

from ledger.auth import GENESIS_HASH, DeviceDep
from ledger.batches import Batch, UploadBody, gunzip, parse_batch
from ledger.context import Ledger, LedgerDep
from ledger.db import log_card_changes, meta_get, next_list_version
from ledger.errors import LedgerError
from ledger.wire import OPTIONAL_COLUMNS, UPLOAD_COLUMNS
from offline_store.hashing import HASHED_FIELDS, OPTIONAL_HASHED_FIELDS

router = APIRouter(tags=["taps"])

_TAP_INSERT = (
    "INSERT INTO taps(device_id, seq, uuid, time, mono_ns, medium, card_number, uid, route,"
    " direction, fare, riders, balance_after, result, reason, hash, bus_number,"
    " ledger_balance, local_day, pan_token, masked_pan, extra)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_LOOKUP_CHUNK = 500
_fields = itemgetter(*HASHED_FIELDS)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
if set(HASHED_FIELDS) != {"device_id", "seq", *UPLOAD_COLUMNS} or set(
    OPTIONAL_HASHED_FIELDS
) != set(OPTIONAL_COLUMNS):
    raise ImportError("ledger.wire.UPLOAD_COLUMNS no longer matches offline_store's hashed fields")


def row_hash(row: dict[str, Any], prev_hash: str) -> str:
    """``offline_store.hashing.row_hash`` for a row holding exactly the hashed
    fields and its non-null optional ones, without the per-row checks (the
    batch parser guarantees them): the same bytes, about twice as fast."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(_CANONICAL.encode(row).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Outcome:
    accepted: int
    duplicates: int
    watermark: int
    last_hash: str
    list_version: int


@router.post(
    "/v1/taps",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/UploadBody"}}
            },
        }
    },
)
def upload_taps(device: DeviceDep, ledger: LedgerDep, request: Request) -> dict[str, Any]:
    """Upload consecutive journal rows (columnar or rows, optionally gzip'd); signed."""
    raw = gunzip(
        device.body, request.headers.get("content-encoding", ""), ledger.settings.max_body_bytes
    )
    batch = parse_batch(raw, ledger.settings.max_batch_rows)
    if batch.device_id != device.device_id:
        raise LedgerError(403, "wrong_device", "a device uploads only its own journal")
    hashes = chain_hashes(batch)
    outcome = store_batch(ledger, batch, hashes, device.bus_number)
    return {
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "watermark": outcome.watermark,
        "next_seq": outcome.watermark + 1,
        "last_hash": outcome.last_hash,
        "list_version": outcome.list_version,
    }


def chain_hashes(batch: Batch) -> list[str]:
    """Recompute every row's hash; 422 naming the first row that does not match."""
    hashes: list[str] = []
    prev, claimed = batch.prev_hash, batch.claimed
    for index, row in enumerate(batch.rows):
        prev = row_hash(row, prev)
        if claimed is not None and not prev.startswith(claimed[index]):
            raise _mismatch(row["seq"], "its fields do not give the hash the device sent")
        hashes.append(prev)
    if prev != batch.last_hash:
        raise _mismatch(batch.last_seq, "the chain does not end in last_hash")
    return hashes


def _mismatch(seq: int, why: str) -> LedgerError:
    return LedgerError(422, "hash_mismatch", f"row {seq} fails the hash chain: {why}", seq=seq)


def store_batch(ledger: Ledger, batch: Batch, hashes: list[str], bus: str) -> Outcome:
    with ledger.db.write() as conn:
        watermark, tip = conn.execute(
            "SELECT watermark, tip_hash FROM devices WHERE device_id = ?", (batch.device_id,)
        ).fetchone()
        _check_position(conn, batch, hashes, watermark, tip)
        fresh = max(0, batch.last_seq - watermark)
        start = len(batch.rows) - fresh
        version = _apply(conn, ledger, batch, hashes, start, bus) if fresh else None
        if fresh:
            watermark, tip = batch.last_seq, hashes[-1]
            conn.execute(
                "UPDATE devices SET watermark = ?, tip_hash = ? WHERE device_id = ?",
                (watermark, tip, batch.device_id),
            )
        list_version = version if version is not None else meta_get(conn, "list_version")
    return Outcome(fresh, len(batch.rows) - fresh, watermark, tip, list_version)


def _check_position(
    conn: sqlite3.Connection, batch: Batch, hashes: list[str], watermark: int, tip: str
) -> None:
    """Refuse a gap, and a batch that disagrees with the rows the ledger holds."""
    if batch.first_seq > watermark + 1:
        raise LedgerError(
            409,
            "sequence_gap",
            f"the ledger holds up to seq {watermark}: send {watermark + 1} next",
            expected_seq=watermark + 1,
            watermark=watermark,
        )
    anchor = min(watermark, batch.last_seq)  # the last seq both sides should agree on
    implied = batch.prev_hash if anchor < batch.first_seq else hashes[anchor - batch.first_seq]
    if implied != _stored_hash(conn, batch.device_id, anchor, watermark, tip):
        raise LedgerError(
            409,
            "chain_conflict",
            f"row {anchor} differs from the row the ledger holds",
            seq=anchor,
        )


def _stored_hash(conn: sqlite3.Connection, device: str, seq: int, watermark: int, tip: str) -> str:
    if seq == watermark:
        return tip
    if seq == 0:
        return GENESIS_HASH
    row = conn.execute(
        "SELECT hash FROM taps WHERE device_id = ? AND seq = ?", (device, seq)
    ).fetchone()
    return str(row[0]) if row else ""


def _apply(
    conn: sqlite3.Connection, ledger: Ledger, batch: Batch, hashes: list[str], start: int, bus: str
) -> int | None:
    """Insert the new rows and charge their fares; the new list version, if any card changed."""
    rows = batch.rows[start:]
    balances = _balances(conn, {r["card_number"] for r in rows if r["result"] == "accepted"})
    day = _local_day_function(ledger.settings.timezone)
    touched: dict[str, dict[str, Any]] = {}
    values = []
    for row, row_hash_ in zip(rows, hashes[start:], strict=True):
        ledger_balance = _charge(row, balances, touched)
        extra = (row.get("pan_token"), row.get("masked_pan"), row.get("extra"))
        values.append((*_fields(row), row_hash_, bus, ledger_balance, day(row["time"]), *extra))
    conn.executemany(_TAP_INSERT, values)
    _record_emv(conn, rows)
    return _update_cards(conn, balances, touched) if touched else None


def _charge(row: dict[str, Any], balances: dict[str, int], touched: dict[str, Any]) -> int | None:
    card = row["card_number"]
    if card not in balances:
        return None
    if row["result"] == "accepted":
        balances[card] -= row["fare"]
        touched[card] = row
    return balances[card]


def _balances(conn: sqlite3.Connection, cards: set[str | None]) -> dict[str, int]:
    numbers = [card for card in cards if card is not None]
    found: dict[str, int] = {}
    for chunk in _chunks(numbers, _LOOKUP_CHUNK):
        marks = ",".join("?" * len(chunk))
        query = f"SELECT card_number, balance FROM cards WHERE card_number IN ({marks})"
        found.update(conn.execute(query, chunk).fetchall())
    return found


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_cards(
    conn: sqlite3.Connection, balances: dict[str, int], touched: dict[str, dict[str, Any]]
) -> int:
    version = next_list_version(conn)
    conn.executemany(
        "UPDATE cards SET balance = ?, version = ?, last_boarding_at = ?,"
        " last_boarding_route = ?, last_boarding_fare = ? WHERE card_number = ?",
        (
            (balances[card], version, row["time"], row["route"], row["fare"], card)
            for card, row in touched.items()
        ),
    )
    log_card_changes(conn, version, touched)
    return version


def _record_emv(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Accepted bank-card taps wait here for deferred authorisation."""
    conn.executemany(
        "INSERT INTO emv_pending(device_id, seq, token, fare, time, status)"
        " VALUES (?, ?, ?, ?, ?, 'pending')",
        (
            (row["device_id"], row["seq"], token, row["fare"], row["time"])
            for row in rows
            if row["medium"] == "emv" and row["result"] == "accepted"
            if (token := row.get("pan_token") or row["card_number"])
        ),
    )


@lru_cache(maxsize=8)
def _local_day_function(timezone: str) -> Any:
    zone = ZoneInfo(timezone)

    @lru_cache(maxsize=4096)
    def by_hour(hour: str, suffix: str) -> str:
        moment = datetime.fromisoformat(f"{hour}:00:00{suffix}")
        return moment.astimezone(zone).date().isoformat()

    def local_day(time: str) -> str:
        suffix = "+00:00" if time.endswith("Z") else time[-6:]
        return by_hour(time[:13], suffix)

    return local_day


__all__ = ["UploadBody", "chain_hashes", "router", "store_batch"]
