"""The device side of sync with the central ledger: enrollment, the signed
HTTP client, journal uploads, signed lists, fare tables, tickets, the clock,
and the background loop inside ``validator run``.

sync/ owns ``requests``; validator/ reaches it only from its command modules.
"""

from sync.client import LedgerClient
from sync.enroll import enroll
from sync.errors import DocumentRefused, LedgerRefused, LedgerUnreachable, NotEnrolled, SyncError
from sync.keys import Enrollment, load_enrollment
from sync.service import CycleReport, Hooks, SyncService, SyncSettings
from sync.setup import open_service, settings_from

__all__ = [
    "CycleReport",
    "DocumentRefused",
    "Enrollment",
    "Hooks",
    "LedgerClient",
    "LedgerRefused",
    "LedgerUnreachable",
    "NotEnrolled",
    "SyncError",
    "SyncService",
    "SyncSettings",
    "enroll",
    "load_enrollment",
    "open_service",
    "settings_from",
]
