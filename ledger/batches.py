"""Reading a tap upload body: gunzip with a size limit, validate, and turn
either wire format of :mod:`ledger.wire` into one :class:`Batch` of rows.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from ledger.errors import LedgerError
from ledger.inputs import DEVICE_ID, Body, Money
from ledger.wire import OPTIONAL_COLUMNS, UPLOAD_COLUMNS
from validator.model import Medium, Outcome, Reason

Uuid = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")]
Time = Annotated[
    str, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?(Z|[+-]\d\d:\d\d)$")
]
Mono = Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)]
Name = Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]
Token = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/=_:.-]{1,128}$")]
Uid = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{8,20}$")]
Text = Annotated[str, Field(pattern=r"^[A-Za-z0-9 ._-]{1,32}$")]
Fare = Annotated[int, Field(strict=True, ge=0, le=10**7)]
Riders = Annotated[int, Field(strict=True, ge=0, le=100)]
Seq = Annotated[int, Field(strict=True, ge=1, le=2**53)]
Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Masked = Annotated[str, Field(pattern=r"^[0-9*]{8,19}$")]
Extra = Annotated[str, Field(min_length=2, max_length=1024)]  # compact JSON object
Prefix = Annotated[str, Field(pattern=r"^[0-9a-f]{8}$")]
DeviceId = Annotated[str, Field(pattern=DEVICE_ID)]

_ALLOWED = {
    "medium": frozenset(Medium),
    "result": frozenset(Outcome),
    "reason": frozenset(Reason),
}


class Columns(Body):
    uuid: list[Uuid] | Uuid
    time: list[Time] | Time
    mono_ns: list[Mono] | Mono
    medium: list[Name] | Name
    card_number: list[Token | None] | Token | None
    uid: list[Uid | None] | Uid | None
    route: list[Text] | Text
    direction: list[Text] | Text
    fare: list[Fare] | Fare
    riders: list[Riders] | Riders
    balance_after: list[Money | None] | Money | None
    result: list[Name] | Name
    reason: list[Name] | Name
    pan_token: list[Token | None] | Token | None = None
    masked_pan: list[Masked | None] | Masked | None = None
    extra: list[Extra | None] | Extra | None = None


class ColumnarBatch(Body):
    format: Literal["columns/1"]
    device_id: DeviceId
    first_seq: Seq
    count: int = Field(strict=True, ge=1, le=100_000)
    prev_hash: Hash
    last_hash: Hash
    hash_prefixes: list[Prefix] | None = None
    columns: Columns


class JournalRowIn(Body):
    device_id: DeviceId
    seq: Seq
    uuid: Uuid
    time: Time
    mono_ns: Mono
    medium: Name
    card_number: Token | None
    uid: Uid | None
    route: Text
    direction: Text
    fare: Fare
    riders: Riders
    balance_after: Money | None
    result: Name
    reason: Name
    pan_token: Token | None = None
    masked_pan: Masked | None = None
    extra: Extra | None = None
    prev_hash: Hash
    hash: Hash


class RowsBatch(Body):
    format: Literal["rows/1"]
    rows: list[JournalRowIn] = Field(min_length=1)


UploadBody = Annotated[ColumnarBatch | RowsBatch, Field(discriminator="format")]
_UPLOAD = TypeAdapter[ColumnarBatch | RowsBatch](UploadBody)


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive journal rows of one device, hashed fields only."""

    device_id: str
    first_seq: int
    prev_hash: str
    last_hash: str
    rows: list[dict[str, Any]]
    claimed: list[str] | None  # each row's hash (rows/1) or its first 8 digits (columns/1)

    @property
    def last_seq(self) -> int:
        return self.first_seq + len(self.rows) - 1


def gunzip(body: bytes, encoding: str, limit: int) -> bytes:
    """The body without its Content-Encoding, refusing more than ``limit`` bytes."""
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise LedgerError(415, "unsupported_encoding", "Content-Encoding must be gzip or none")
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise LedgerError(400, "bad_gzip", "the body is not valid gzip") from None
    if len(data) > limit:
        raise LedgerError(413, "body_too_large", f"the body is over {limit} bytes unzipped")
    if not inflater.eof:
        raise LedgerError(400, "bad_gzip", "the gzip body is cut short")
    return data


def parse_batch(raw: bytes, max_rows: int) -> Batch:
    """Validate an upload body; 400 for bad JSON, 422 naming the bad field."""
    try:
        parsed = _UPLOAD.validate_json(raw)
    except ValidationError as error:
        raise _invalid(error) from None
    batch = _from_rows(parsed) if isinstance(parsed, RowsBatch) else _from_columns(parsed)
    if len(batch.rows) > max_rows:
        raise LedgerError(413, "batch_too_large", f"send at most {max_rows} rows per batch")
    _check_names(batch)
    _check_times(batch)
    return batch


def _invalid(error: ValidationError) -> LedgerError:
    first = error.errors(include_url=False, include_context=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "json_invalid":
        return LedgerError(400, "bad_json", f"the body is not JSON: {first['msg']}")
    return LedgerError(422, "invalid_batch", f"{where}: {first['msg']}", field=where)


def _from_columns(body: ColumnarBatch) -> Batch:
    count = body.count
    names = ("device_id", "seq", *UPLOAD_COLUMNS, *OPTIONAL_COLUMNS)
    columns = [_expand(name, getattr(body.columns, name), count) for name in names[2:]]
    rows = [
        _without_nulls(
            dict(zip(names, (body.device_id, body.first_seq + index, *values), strict=True))
        )
        for index, values in enumerate(zip(*columns, strict=True))
    ]
    if body.hash_prefixes is not None and len(body.hash_prefixes) != count:
        raise LedgerError(422, "invalid_batch", f"hash_prefixes must hold {count} values")
    return Batch(
        body.device_id, body.first_seq, body.prev_hash, body.last_hash, rows, body.hash_prefixes
    )


def _expand(name: str, column: Any, count: int) -> list[Any]:
    if not isinstance(column, list):
        return [column] * count
    if len(column) != count:
        raise LedgerError(422, "invalid_batch", f"columns.{name} must hold {count} values")
    return column


def _from_rows(body: RowsBatch) -> Batch:
    first = body.rows[0]
    for index, row in enumerate(body.rows):
        if row.seq != first.seq + index or row.device_id != first.device_id:
            raise LedgerError(422, "not_consecutive", "rows must be one device's consecutive seqs")
        if index and row.prev_hash != body.rows[index - 1].hash:
            raise LedgerError(
                422, "hash_mismatch", f"row {row.seq}: prev_hash breaks the chain", seq=row.seq
            )
    rows = [_without_nulls(row.model_dump(exclude={"prev_hash", "hash"})) for row in body.rows]
    claimed = [row.hash for row in body.rows]
    return Batch(first.device_id, first.seq, first.prev_hash, claimed[-1], rows, claimed)


def _without_nulls(row: dict[str, Any]) -> dict[str, Any]:
    """Optional fields enter a row (and its hash) only when they hold a value."""
    for name in OPTIONAL_COLUMNS:
        if row[name] is None:
            del row[name]
    return row


def _check_names(batch: Batch) -> None:
    for name, allowed in _ALLOWED.items():
        for row in batch.rows:
            if row[name] not in allowed:
                raise LedgerError(
                    422,
                    "invalid_batch",
                    f"row {row['seq']}: {name} {row[name]!r} is not known",
                    seq=row["seq"],
                )


def _check_times(batch: Batch) -> None:
    for row in batch.rows:
        try:
            datetime.fromisoformat(row["time"])
        except ValueError:
            raise LedgerError(
                422,
                "invalid_batch",
                f"row {row['seq']}: time {row['time']!r} is not a real moment",
                seq=row["seq"],
            ) from None
