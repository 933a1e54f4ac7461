"""The sync status: recorded in the store by the loop after every cycle, and
gathered for ``validator status`` (which runs as another process).

Recorded (store meta ``sync_status``): online as last seen, when the ledger
last answered, when the last full sync ended, since when it is offline, the
last error, the clock offset. Gathered beside it: the backlog, the list's
version, age and expiry, the degraded mode, the tickets held.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from offline_store import OfflineStore
from offline_store.journal import format_utc
from sync.errors import LedgerRefused, LedgerUnreachable
from validator.list_policy import DegradedPolicy, ListMode, list_mode

if TYPE_CHECKING:
    from sync.service import CycleReport

__all__ = ["gather", "record_cycle", "record_failure"]


def record_cycle(store: OfflineStore, url: str, report: CycleReport, now: datetime) -> None:
    status = store.ledger.status()
    stamp = format_utc(now)
    status.update(
        ledger_url=url,
        online=True,
        last_seen_at=stamp,
        last_sync_at=stamp,
        offline_since=None,
        last_error="; ".join(report.problems) or None,
        clock_offset_s=round(report.clock_offset, 3),
    )
    store.ledger.set_status(status)


def record_failure(store: OfflineStore, url: str, error: Exception, now: datetime) -> None:
    status = store.ledger.status()
    stamp = format_utc(now)
    status.update(ledger_url=url, last_error=str(error))
    if isinstance(error, LedgerUnreachable):
        if status.get("online") is not False:
            status["offline_since"] = stamp
        status["online"] = False
    elif isinstance(error, LedgerRefused):
        status.update(online=True, last_seen_at=stamp, offline_since=None)
    store.ledger.set_status(status)


def gather(
    store: OfflineStore,
    now: datetime,
    max_list_age: timedelta,
    policy: DegradedPolicy,
    enrolled: dict[str, Any] | None,
) -> dict[str, Any]:
    """Everything ``validator status`` shows, as one JSON-ready mapping."""
    side = store.ledger
    last, uploaded, recorded = side.last_seq(), side.uploaded_seq, side.status()
    listed, mode = _list_view(store, now, max_list_age, policy)
    view = {name: recorded.get(name) for name in _RECORDED}
    view["ledger_url"] = view["ledger_url"] or (enrolled or {}).get("ledger_url")
    return view | {
        "device_id": store.device_id,
        "enrollment": enrolled,
        "journal_last_seq": last,
        "uploaded_seq": uploaded,
        "backlog": max(0, last - uploaded),
        "list": listed,
        "degraded": mode.degraded,
        "policy": policy.value,
        "list_mode": mode.describe(),
        "tickets": len(side.tickets(now)),
    }


_RECORDED = ("online", "ledger_url", "last_seen_at", "last_sync_at", "offline_since",
             "last_error", "clock_offset_s")  # fmt: skip


def _list_view(
    store: OfflineStore, now: datetime, max_age: timedelta, policy: DegradedPolicy
) -> tuple[dict[str, Any], ListMode]:
    info = store.ledger.list_info()
    received = datetime.fromisoformat(info.received_at) if info.received_at else None
    mode = list_mode(received, now, max_age, policy)
    view = {
        "version": info.version,
        "mode": info.mode,
        "issued_at": info.issued_at,
        "expires_at": info.expires_at,
        "received_at": info.received_at,
        "age_s": None if mode.age is None else round(mode.age.total_seconds()),
        "cards": store.card_count(),
    }
    return view, mode
