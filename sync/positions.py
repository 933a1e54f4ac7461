"""Upload the queued GPS positions to the ledger's arrival board.

Each batch is one device-signed ``POST /v1/positions`` per route; positions
are deleted only after the ledger acknowledged receiving all of them. The
ledger keeps a position once per (device, time), so a batch whose answer was
lost is simply sent again.
"""

from __future__ import annotations

from itertools import groupby

from offline_store import OfflineStore
from offline_store.positions import QueuedPosition
from sync.client import LedgerClient
from sync.errors import LedgerUnreachable

__all__ = ["upload_positions"]

BATCH = 500


def upload_positions(client: LedgerClient, store: OfflineStore, batch: int = BATCH) -> int:
    """Send the queue in batches until it is empty; how many positions were sent."""
    sent = 0
    while queued := store.positions.oldest(batch):
        for route, group in groupby(sorted(queued, key=lambda p: p.route), lambda p: p.route):
            sent += _send(client, store, route, list(group))
        if len(queued) < batch:
            break
    return sent


def _send(
    client: LedgerClient, store: OfflineStore, route: str, group: list[QueuedPosition]
) -> int:
    body = {
        "route": route,
        "positions": [{"time": p.time, "lat": p.lat, "lon": p.lon} for p in group],
    }
    answer = client.positions(body)
    if answer.get("received") != len(group):
        raise LedgerUnreachable(
            "the ledger did not acknowledge every position sent; kept for later"
        )
    store.positions.remove([p.time for p in group])
    return len(group)
