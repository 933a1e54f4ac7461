"""The tap upload wire format, for the device to build batches with.

Shared by the device (encoding) and the ledger (it reads the same names); it
imports only the standard library.

A batch is a run of consecutive journal rows of one device, sent as a
*columnar* JSON object, gzip'd (``Content-Encoding: gzip``)::

    {"format": "columns/1", "device_id": "BUS-0042", "first_seq": 1001,
     "count": 3, "prev_hash": "<hash of row 1000>", "last_hash": "<hash of row 1003>",
     "hash_prefixes": ["9f2c01ab", "...", "..."],
     "columns": {"uuid": [...], "time": [...], "medium": "desfire", ...}}

* ``device_id`` and ``seq`` are not repeated: seq is ``first_seq + index``.
* Each of :data:`UPLOAD_COLUMNS` is a list of ``count`` values, or one value
  when every row has the same (``"route": "12"``). :data:`OPTIONAL_COLUMNS`
  (bank cards' PAN token and masked PAN) may be left out when all null; like
  the journal's hash, a row's null optional field is not part of its hash.
* Row hashes are not sent: the ledger recomputes every hash from the fields
  and ``prev_hash``, and checks the result against ``last_hash`` (end to end)
  and against ``hash_prefixes`` (the first 8 hex digits of each row's hash,
  optional) to name the first row that does not match.

Hashes are the bulk of a row that cannot be compressed; sending 8 hex digits
instead of 64 keeps a tap at about 40 bytes gzip'd. A plain list of full
journal rows (``{"format": "rows/1", "rows": [...]}``) is accepted too.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence

__all__ = [
    "COLUMNS_FORMAT",
    "OPTIONAL_COLUMNS",
    "PREFIX_LENGTH",
    "ROWS_FORMAT",
    "UPLOAD_COLUMNS",
    "columnar_batch",
    "encode_batch",
]

COLUMNS_FORMAT = "columns/1"
ROWS_FORMAT = "rows/1"
PREFIX_LENGTH = 8
UPLOAD_COLUMNS: tuple[str, ...] = (
    "uuid",
    "time",
    "mono_ns",
    "medium",
    "card_number",
    "uid",
    "route",
    "direction",
    "fare",
    "riders",
    "balance_after",
    "result",
    "reason",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("pan_token", "masked_pan", "extra")  # when present


def columnar_batch(rows: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """The batch object for consecutive journal rows (with ``prev_hash``/``hash``)."""
    if not rows:
        raise ValueError("a batch holds at least one row")
    return {
        "format": COLUMNS_FORMAT,
        "device_id": rows[0]["device_id"],
        "first_seq": rows[0]["seq"],
        "count": len(rows),
        "prev_hash": rows[0]["prev_hash"],
        "last_hash": rows[-1]["hash"],
        "hash_prefixes": [str(row["hash"])[:PREFIX_LENGTH] for row in rows],
        "columns": {name: _column([row[name] for row in rows]) for name in UPLOAD_COLUMNS}
        | _optional_columns(rows),
    }


def _optional_columns(rows: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """``pan_token`` / ``masked_pan``, sent only when some row has one."""
    columns = {}
    for name in OPTIONAL_COLUMNS:
        values = [row.get(name) for row in rows]
        if any(value is not None for value in values):
            columns[name] = _column(values)
    return columns


def encode_batch(rows: Sequence[Mapping[str, object]], level: int = 6) -> bytes:
    """The gzip'd request body for ``POST /v1/taps`` (send Content-Encoding: gzip)."""
    text = json.dumps(columnar_batch(rows), separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=level, mtime=0)


def _column(values: list[object]) -> object:
    first = values[0]
    if all(value == first and type(value) is type(first) for value in values):
        return first
    return values
