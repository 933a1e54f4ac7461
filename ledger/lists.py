"""The balance list and the deny list, as a signed snapshot or a signed delta.

``GET /v1/lists?since=V`` answers a delta (every card and deny entry changed
after version V, as its whole current row) or, when V is 0, unknown, or too
far behind, a snapshot. Either way it is one signed stream
(:mod:`ledger.envelope`), gzip'd, produced from one read snapshot of the
database while it is sent: the version, the rows and the device's watermark
in the header always agree.

Rows are JSON arrays tagged by their first element::

    ["c", card_number, uid, balance, category, status, expires,
          last_boarding_at, last_boarding_route, last_boarding_fare]
    ["d", token, kind, reason]      on the deny list (kind: card | emv)
    ["u", token]                    off the deny list (deltas only)

SQLite's ``json_array`` writes each row, so a million cards stream in about
a second without a Python object per value.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from ledger.auth import DeviceDep
from ledger.context import Ledger, LedgerDep, iso, utc_now
from ledger.db import meta_get
from ledger.envelope import StreamSigner

router = APIRouter(tags=["lists"])

CARD_COLUMNS = (
    "card_number",
    "uid",
    "balance",
    "category",
    "status",
    "expires",
    "last_boarding_at",
    "last_boarding_route",
    "last_boarding_fare",
)
DENY_COLUMNS = ("token", "kind", "reason")
_CARD_ROW = f"json_array('c', {', '.join(CARD_COLUMNS)})"
_FETCH = 10_000


@router.get(
    "/v1/lists",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "signed stream"}},
)
def get_lists(
    device: DeviceDep,
    ledger: LedgerDep,
    since: Annotated[
        int, Query(ge=0, le=2**53, description="the list version the device holds")
    ] = 0,
) -> StreamingResponse:
    """Balance and deny lists since version ``since`` (a delta) or whole (a snapshot); signed."""
    body = _gzip(_lines(ledger, device.device_id, since))
    headers = {"Content-Encoding": "gzip", "Cache-Control": "no-store"}
    return StreamingResponse(body, media_type="application/x-ndjson", headers=headers)


def _gzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    deflater = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = deflater.compress(chunk)
        if out:
            yield out
    yield deflater.flush()


def _lines(ledger: Ledger, device_id: str, since: int) -> Iterator[bytes]:
    signer = StreamSigner(ledger.key)
    with ledger.db.reader() as conn:
        header = _header(ledger, conn, device_id, since)
        yield signer.line(header)
        delta = header["mode"] == "delta"
        for block in _blocks(conn, delta, since):
            yield signer.add(block)
    yield signer.trailer()


def _header(ledger: Ledger, conn: sqlite3.Connection, device_id: str, since: int) -> dict[str, Any]:
    version = meta_get(conn, "list_version")
    watermark = conn.execute(
        "SELECT watermark FROM devices WHERE device_id = ?", (device_id,)
    ).fetchone()[0]
    floor = meta_get(conn, "changes_floor")
    delta = floor <= since <= version and _delta_small(conn, since, ledger.settings.delta_limit)
    now = utc_now()
    return {
        "kind": "lists",
        "format": 1,
        "mode": "delta" if delta else "snapshot",
        "version": version,
        "since": since if delta else None,
        "device_id": device_id,
        "watermark": watermark,
        "issued_at": iso(now),
        "expires_at": iso(now + ledger.settings.list_ttl),
        "card_columns": list(CARD_COLUMNS),
        "deny_columns": list(DENY_COLUMNS),
    }


def _delta_small(conn: sqlite3.Connection, since: int, limit: int) -> bool:
    """At most ``limit`` changes after ``since`` (repeats counted: an upper bound)."""
    if since == 0:
        return False
    changed = conn.execute(
        "SELECT (SELECT COUNT(*) FROM card_changes WHERE version > ?)"
        " + (SELECT COUNT(*) FROM deny WHERE version > ?)",
        (since, since),
    ).fetchone()[0]
    return int(changed) <= limit


def _blocks(conn: sqlite3.Connection, delta: bool, since: int) -> Iterator[bytes]:
    if delta:
        yield from _fetch_lines(
            conn,
            f"SELECT {_CARD_ROW} FROM cards WHERE card_number IN"
            " (SELECT card_number FROM card_changes WHERE version > ?)",
            (since,),
        )
        yield from _fetch_lines(
            conn,
            "SELECT CASE WHEN active THEN json_array('d', token, kind, reason)"
            " ELSE json_array('u', token) END FROM deny WHERE version > ?",
            (since,),
        )
    else:
        yield from _fetch_lines(conn, f"SELECT {_CARD_ROW} FROM cards", ())
        yield from _fetch_lines(
            conn, "SELECT json_array('d', token, kind, reason) FROM deny WHERE active", ()
        )


def _fetch_lines(conn: sqlite3.Connection, query: str, args: tuple[int, ...]) -> Iterator[bytes]:
    cursor = conn.execute(query, args)
    while rows := cursor.fetchmany(_FETCH):
        yield ("\n".join(row[0] for row in rows) + "\n").encode("utf-8")
