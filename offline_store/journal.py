"""The tap journal: one hash-chained row per tap, sale or shift event.

Rows follow the journal row table in docs/architecture.md, which is also the
upload format. This module builds rows, writes them and checks the chain; the
caller holds the connection lock.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from offline_store.hashing import (
    GENESIS_HASH,
    HASHED_FIELDS,
    OPTIONAL_HASHED_FIELDS,
    row_hash,
)
from validator.model import Medium, Outcome, Reason, is_aware

COLUMNS: tuple[str, ...] = (*HASHED_FIELDS, "prev_hash", "hash", *OPTIONAL_HASHED_FIELDS)
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM journal"
_INSERT = f"INSERT INTO journal ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
MAX_PROBLEMS = 100


@dataclass(frozen=True, slots=True)
class TokenUse:
    """A single-use token spent by a tap: the replay cache keeps its id until
    ``keep_until`` (its expiry plus the clock leeway), in the tap's transaction."""

    token_id: bytes
    keep_until: datetime  # timezone-aware


@dataclass(frozen=True, slots=True)
class TapRecord:
    """What happened at one tap, as the pipeline hands it to the store.

    ``pan_token`` and ``masked_pan`` are set for bank cards only (never the
    clear PAN); ``token_use`` when the tap spent a single-use token.
    """

    time: datetime  # timezone-aware
    mono_ns: int
    medium: Medium
    card_number: str | None
    uid: str | None
    route: str
    direction: str
    fare: int
    riders: int
    balance_after: int | None
    result: Outcome
    reason: Reason
    pan_token: str | None = None
    masked_pan: str | None = None
    token_use: TokenUse | None = None
    extra: str | None = None  # compact JSON: position, stop, category, crew event

    def __post_init__(self) -> None:
        if not is_aware(self.time):
            raise ValueError("TapRecord.time must be timezone-aware")


@dataclass(frozen=True, slots=True)
class JournalRow:
    """One stored journal row, every column, exactly as uploaded."""

    device_id: str
    seq: int
    uuid: str
    time: str
    mono_ns: int
    medium: str
    card_number: str | None
    uid: str | None
    route: str
    direction: str
    fare: int
    riders: int
    balance_after: int | None
    result: str
    reason: str
    prev_hash: str
    hash: str
    pan_token: str | None = None  # bank cards only: HMAC of the PAN under the fleet key
    masked_pan: str | None = None  # bank cards only: first 6 and last 4 digits
    extra: str | None = None  # compact JSON: position, stop, category, crew event

    def as_dict(self) -> dict[str, object]:
        """The row as a JSON-ready mapping (the upload format); the bank-card
        fields appear only on rows that have them."""
        row = {name: getattr(self, name) for name in COLUMNS}
        for name in OPTIONAL_HASHED_FIELDS:
            if row[name] is None:
                del row[name]
        return row

    @property
    def at(self) -> datetime:
        return parse_utc(self.time)


@dataclass(frozen=True, slots=True)
class JournalCheck:
    ok: bool
    rows: int
    problems: list[str] = field(default_factory=list)


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and 'Z': 2025-03-01T07:15:02.120Z."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if is_aware(moment) else moment.replace(tzinfo=UTC)


def build_row(tap: TapRecord, device_id: str, seq: int, prev_hash: str) -> JournalRow:
    """The next row of the chain for ``tap``; nothing is written."""
    fields: dict[str, object] = {
        "device_id": device_id,
        "seq": seq,
        "uuid": str(uuid.uuid4()),
        "time": format_utc(tap.time),
        "mono_ns": tap.mono_ns,
        "medium": str(tap.medium.value),
        "card_number": tap.card_number,
        "uid": tap.uid.upper() if tap.uid else None,
        "route": tap.route,
        "direction": tap.direction,
        "fare": tap.fare,
        "riders": tap.riders,
        "balance_after": tap.balance_after,
        "result": str(tap.result.value),
        "reason": str(tap.reason.value),
        "pan_token": tap.pan_token,
        "masked_pan": tap.masked_pan,
        "extra": tap.extra,
    }
    return JournalRow(**fields, prev_hash=prev_hash, hash=row_hash(fields, prev_hash))  # type: ignore[arg-type]


def insert_row(conn: sqlite3.Connection, row: JournalRow) -> None:
    conn.execute(_INSERT, tuple(getattr(row, name) for name in COLUMNS))


def chain_tail(conn: sqlite3.Connection) -> tuple[int, str]:
    """The last seq and hash in the journal, or (0, genesis) when it is empty."""
    found = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS_HASH) if found is None else (int(found[0]), str(found[1]))


def read_rows(conn: sqlite3.Connection, last: int | None = None) -> list[JournalRow]:
    """All rows in seq order, or only the ``last`` ones."""
    if last is None:
        return list(_rows(conn.execute(f"{_SELECT} ORDER BY seq")))
    if last <= 0:
        return []
    newest = conn.execute(f"{_SELECT} ORDER BY seq DESC LIMIT ?", (last,))
    return list(reversed(list(_rows(newest))))


def _rows(cursor: Iterable[tuple[object, ...]]) -> Iterator[JournalRow]:
    for values in cursor:
        yield JournalRow(*values)  # type: ignore[arg-type]


def verify_rows(conn: sqlite3.Connection) -> JournalCheck:
    """Check seq contiguity, each prev_hash link and each recomputed hash."""
    problems: list[str] = []
    count, prev_seq, prev_hash = 0, 0, GENESIS_HASH
    for row in _rows(conn.execute(f"{_SELECT} ORDER BY seq")):
        count += 1
        problems.extend(_row_problems(row, prev_seq, prev_hash))
        prev_seq, prev_hash = row.seq, row.hash
    return JournalCheck(ok=not problems, rows=count, problems=_capped(problems))


def _row_problems(row: JournalRow, prev_seq: int, prev_hash: str) -> list[str]:
    problems = []
    if row.seq != prev_seq + 1:
        problems.append(_gap(prev_seq, row.seq))
    elif row.prev_hash != prev_hash:
        before = "the start of the journal" if prev_seq == 0 else f"seq {prev_seq}"
        problems.append(
            f"seq {row.seq}: its link does not match {before} — the chain is broken "
            "(a row was replaced or inserted)"
        )
    if row_hash(row.as_dict(), row.prev_hash) != row.hash:
        problems.append(f"seq {row.seq}: contents do not match its hash — the row was altered")
    return problems


def _gap(prev_seq: int, seq: int) -> str:
    if seq <= prev_seq:
        return f"seq {seq}: out of order after seq {prev_seq} — the journal was rewritten"
    missing = f"seq {prev_seq + 1}" if seq == prev_seq + 2 else f"seqs {prev_seq + 1}–{seq - 1}"
    return f"{missing}: missing — the journal jumps to seq {seq} (rows were deleted)"


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    extra = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], f"... and {extra} more problem(s)"]
