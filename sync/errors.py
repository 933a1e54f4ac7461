"""Errors of the device side of sync, worded for a depot technician.

By who failed: the ledger cannot be reached (retry later, with backoff), the
ledger refused the request (something to fix: re-enroll, a revoked unit), a
document it sent was refused by this device (bad signature, rollback,
expired), or this unit is not set up for sync (not enrolled).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DocumentRefused", "LedgerRefused", "LedgerUnreachable", "NotEnrolled", "SyncError"]


class SyncError(Exception):
    """Base class: the message says what went wrong and what to do."""


class LedgerUnreachable(SyncError):
    """No usable answer (no connection, a timeout, a 5xx): try again later."""


class LedgerRefused(SyncError):
    """The ledger answered 4xx with an error code (``code``) and its words."""

    def __init__(self, status: int, body: dict[str, Any], doing: str) -> None:
        self.status = status
        self.code = str(body.get("error") or f"http_{status}")
        self.body = body
        words = body.get("message") or "no reason given"
        super().__init__(f"the ledger refused {doing} ({status} {self.code}): {words}{_fix(self)}")


class DocumentRefused(SyncError):
    """A list or fare table from the ledger that this device will not use."""


class NotEnrolled(SyncError):
    """This unit has no device key or pinned ledger key yet."""


_FIXES = {
    "unknown_device": "enroll this unit: validator enroll --code XXXX-XXXX-XXXX",
    "device_revoked": "this unit was revoked at the ledger; ask the depot office",
    "bad_signature": "the device key does not match the ledger's record; enroll again",
    "stale_timestamp": "the unit's clock is wrong; check its time source (NTP or GPS)",
    "enrollment_code_used": "ask the depot office for a new enrollment code",
    "enrollment_code_expired": "ask the depot office for a new enrollment code",
    "bad_enrollment_code": "check the code (letters and digits, e.g. K7QX-M2PD-9TAE)",
    "device_exists": "this device id is enrolled with another key; use the original key "
    "or ask the depot office to revoke the old unit",
    "chain_conflict": "this unit's journal differs from what the ledger holds; take the "
    "unit to the depot (do not delete its data)",
    "hash_mismatch": "this unit's journal is damaged; take the unit to the depot "
    "(do not delete its data)",
}


def _fix(error: LedgerRefused) -> str:
    fix = _FIXES.get(error.code)
    return f" — {fix}" if fix else ""
