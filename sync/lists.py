"""Download the balance and deny lists, refuse what must be refused, apply the rest.

A list is refused (:class:`DocumentRefused`, nothing applied) when:

- it is not signed by the pinned ledger key, or is cut short;
- it is meant for another device;
- its version is older than the list this unit holds (no rollback);
- it is a delta from another version than the one this unit holds;
- it has expired (``expires_at`` before the ledger's time as last measured).

Otherwise it is applied (``store.ledger.apply_list``): its rows in short slices,
its version and watermark last (offline_store/list_apply.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from offline_store import OfflineStore
from offline_store.lists import ListApplied, ListRowsError, ListUpdate
from sync.client import Download, LedgerClient
from sync.errors import DocumentRefused
from sync.signed_stream import Scan, row_blocks, scan, verify
from validator.model import is_aware

__all__ = ["check_header", "fetch_list", "prepare_update"]

log = logging.getLogger("sync")


def fetch_list(
    client: LedgerClient, store: OfflineStore, key: Ed25519PublicKey, device_id: str, now: datetime
) -> ListApplied:
    """Download the list since the version held, check it, apply it."""
    held = store.list_version
    download = client.lists(since=held)
    update = prepare_update(download, key, device_id, held, now + _offset(client))
    try:
        applied = store.ledger.apply_list(update, now)
    except ListRowsError as error:
        raise DocumentRefused(f"list version {update.version} was refused: {error}") from None
    if applied.watermark < update.watermark:
        log.warning(
            "The ledger holds taps up to seq %d but this journal ends at seq %d: "
            "this unit's data is older than the ledger's; take it to the depot",
            update.watermark,
            applied.watermark,
        )
    return applied


def prepare_update(
    download: Download, key: Ed25519PublicKey, device_id: str, held: int, ledger_now: datetime
) -> ListUpdate:
    """Verify the signature and the header (nothing is applied here)."""
    found = scan(download.data, download.gzipped)
    header = verify(found, key, "lists")
    check_header(header, device_id, held, ledger_now)
    return ListUpdate(
        mode=header["mode"],
        version=header["version"],
        watermark=header["watermark"],
        issued_at=str(header["issued_at"]),
        expires_at=str(header["expires_at"]),
        blocks=lambda: _blocks(download, found),
    )


def check_header(header: dict[str, Any], device_id: str, held: int, now: datetime) -> None:
    """Refuse a list for another device, older than ``held``, or expired at ``now``."""
    _require(header.get("format") == 1, f"unknown list format {header.get('format')!r}")
    _require(header.get("mode") in ("snapshot", "delta"), "unknown list mode")
    version, watermark = header.get("version"), header.get("watermark")
    if not (isinstance(version, int) and _whole(version) and _whole(watermark)):
        raise DocumentRefused("list refused: the list has no version or watermark")
    _require(header.get("device_id") == device_id, "the list is meant for another device")
    _require(version >= held, f"list version {version} is older than version {held} held")
    if header["mode"] == "delta":
        _require(header.get("since") == held, f"a delta from version {header.get('since')}")
    expires = _moment(header.get("expires_at"))
    _require(expires is not None and _moment(header.get("issued_at")) is not None, "no dates")
    _require(expires is not None and expires > now, f"list version {version} has expired")


def _blocks(download: Download, found: Scan) -> Any:
    return row_blocks(download.data, download.gzipped, found)


def _require(condition: bool, why: str) -> None:
    if not condition:
        raise DocumentRefused(f"list refused: {why}")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if is_aware(moment) else None


def _offset(client: LedgerClient) -> timedelta:
    return timedelta(seconds=client.clock_offset)
