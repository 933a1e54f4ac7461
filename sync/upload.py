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
from concurrent.futures import ThreadPoolExecutor
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


Batch = tuple[list[dict[str, Any]], bytes]  # rows and their encoded body


def upload_backlog(
    store: OfflineStore,
    client: LedgerClient,
    batch_size: int,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> UploadReport:
    """Send batches until the ledger has acknowledged the journal as it stood
    at the start. The next batch is read and encoded on a worker thread while
    the current one is on the wire."""
    run = _Run(store, client, batch_size, progress)
    with ThreadPoolExecutor(1, thread_name_prefix="sync-encode") as pool:
        ahead = pool.submit(_prepare, store, run.mark, batch_size)
        while run.mark < run.last and not should_stop():
            batch = ahead.result()
            if batch is None:
                break
            ahead = pool.submit(_prepare, store, batch[0][-1]["seq"], batch_size)
            if not run.send(batch):  # the ledger holds less than the mark: from there
                ahead.result()
                ahead = pool.submit(_prepare, store, run.mark, batch_size)
    return run.report()


class _Run:
    """One upload: the mark, the counts, the progress."""

    def __init__(
        self, store: OfflineStore, client: LedgerClient, size: int, progress: Progress | None
    ) -> None:
        self.store, self.client, self.progress = store, client, progress
        self.mark, self.last = store.ledger.uploaded_seq, store.ledger.last_seq()
        self.first = self.mark
        self.accepted = self.duplicates = self.batches = 0

    def send(self, batch: Batch) -> bool:
        """Upload one batch; False when the mark moved back instead."""
        rows, body = batch
        answer = _send(self.client, body)
        if "behind" in answer:
            self.mark = _go_back(self.store, answer["behind"], self.mark)
            return False
        self.mark = _acknowledged(self.store, answer, rows, self.last)
        self.accepted += answer["accepted"]
        self.duplicates += answer["duplicates"]
        self.batches += 1
        if self.progress is not None:
            self.progress(max(0, self.mark - self.first), self.last - self.first)
        return True

    def report(self) -> UploadReport:
        backlog = max(0, self.last - self.mark)
        return UploadReport(self.accepted, self.duplicates, self.batches, self.mark, backlog)


def _prepare(store: OfflineStore, after: int, count: int) -> Batch | None:
    """The next ``count`` rows above ``after``, read in short locked slices, and
    their gzip'd columnar body; None when there are none."""
    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        part = store.ledger.backlog(after, min(READ_SLICE, count - len(rows)))
        if not part:
            break
        rows += part
        after = part[-1]["seq"]
    return (rows, encode_batch(rows)) if rows else None


def _send(client: LedgerClient, body: bytes) -> dict[str, Any]:
    """The acknowledgement, or ``{"behind": W}`` when the ledger holds only up to W."""
    try:
        answer = client.upload(body)
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
