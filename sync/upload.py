"""Upload the journal backlog: the rows above the acknowledged mark, in batches.

Exactly once, whatever the network does: the ledger stores rows by (device,
seq) and counts a repeat as a duplicate, and the mark moves only to the
watermark the ledger acknowledged. A batch whose answer was lost is simply
sent again. When the ledger says it holds less than the mark (409
``sequence_gap``), the mark moves back and those rows go again: they are all
still in the journal, since nothing is deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger.wire import encode_batch
from offline_store import OfflineStore
from sync.client import LedgerClient
from sync.errors import LedgerRefused, LedgerUnreachable

__all__ = ["UploadReport", "upload_backlog"]

log = logging.getLogger("sync")

READ_SLICE = 1000  # rows read per lock hold, so a tap never waits for a whole batch
Progress = Callable[[int, int], None]  # (rows acknowledged, rows to upload)


@dataclass(frozen=True, slots=True)
class UploadReport:
    accepted: int = 0  # new rows the ledger stored
    duplicates: int = 0  # rows it already had
    batches: int = 0
    watermark: int = 0  # the acknowledged mark afterwards
    backlog: int = 0  # rows still above it


def upload_backlog(
    store: OfflineStore,
    client: LedgerClient,
    batch_size: int,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> UploadReport:
    """Send batches until the ledger has acknowledged the whole journal."""
    side = store.ledger
    mark, last = side.uploaded_seq, side.last_seq()
    first_mark, accepted, duplicates, batches = mark, 0, 0, 0
    while mark < last and not should_stop():
        rows = _read(store, mark, batch_size)
        answer = _send(client, rows)
        if "behind" in answer:  # the ledger holds less than the mark: go back
            mark = _go_back(store, answer["behind"], mark)
            continue
        mark = _acknowledged(store, answer, rows, last)
        accepted += answer["accepted"]
        duplicates += answer["duplicates"]
        batches += 1
        if progress is not None:
            progress(max(0, mark - first_mark), last - first_mark)
    return UploadReport(accepted, duplicates, batches, mark, max(0, last - mark))


def _read(store: OfflineStore, after: int, count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        part = store.ledger.backlog(after, min(READ_SLICE, count - len(rows)))
        if not part:
            break
        rows += part
        after = part[-1]["seq"]
    return rows


def _send(client: LedgerClient, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The acknowledgement, or ``{"behind": W}`` when the ledger holds only up to W."""
    try:
        answer = client.upload(encode_batch(rows))
    except LedgerRefused as error:
        if error.code == "sequence_gap" and isinstance(error.body.get("watermark"), int):
            return {"behind": error.body["watermark"]}
        raise
    for name in ("accepted", "duplicates", "watermark"):
        if not isinstance(answer.get(name), int):
            raise LedgerUnreachable(f"the ledger acknowledged an upload without {name!r}")
    return answer


def _acknowledged(
    store: OfflineStore, answer: dict[str, Any], rows: list[dict[str, Any]], last: int
) -> int:
    """Record the ledger's watermark as the mark; it covers this batch."""
    watermark = int(answer["watermark"])
    if watermark > last:
        raise LedgerRefused(
            409,
            {"error": "chain_conflict", "message": f"the ledger holds seq {watermark}"},
            "upload",
        )
    if watermark < rows[-1]["seq"]:
        raise LedgerUnreachable(f"the ledger acknowledged seq {watermark} only")
    store.ledger.set_uploaded_seq(watermark)
    return watermark


def _go_back(store: OfflineStore, held: int, mark: int) -> int:
    """The ledger lost rows (restored from a backup?) or the mark ran ahead: send
    again from what it holds. The rows are all still in the journal."""
    if not 0 <= held < mark:
        raise LedgerUnreachable(f"the ledger reports a sequence gap at seq {held}")
    log.warning("The ledger holds this unit's taps only up to seq %d: sending from there", held)
    store.ledger.set_uploaded_seq(held)
    return held
