"""Enrollment: make (or take) the device key, register it with a one-time
code, pin the ledger's public key.

Repeating an enrollment with the same key and code is safe (the ledger
answers again), so a unit that lost the answer simply runs it again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ledger.envelope import key_id, parse_public_key
from sync.client import LedgerClient
from sync.errors import LedgerUnreachable
from sync.keys import Enrollment, make_or_load_key, save_enrollment
from validator.unit_files import public_key_text

__all__ = ["enroll"]

log = logging.getLogger("sync")


def enroll(
    ledger_url: str,
    code: str,
    *,
    data_dir: Path,
    device_id: str,
    key_path: Path,
    timeout: float,
) -> Enrollment:
    """Register this device with the ledger and pin its key (``ledger.json``, 0600)."""
    key = make_or_load_key(key_path)
    client = LedgerClient(ledger_url, timeout)
    try:
        answer = client.enroll(code.strip(), device_id, public_key_text(key))
    finally:
        client.close()
    enrollment = _enrollment(ledger_url, device_id, answer)
    save_enrollment(data_dir, enrollment)
    log.info(
        "Enrolled as %s for bus %s; pinned ledger key %s",
        device_id,
        enrollment.bus_number,
        enrollment.ledger_key_id,
    )
    return enrollment


def _enrollment(url: str, device_id: str, answer: dict[str, Any]) -> Enrollment:
    try:
        public = str(answer["ledger_public_key"])
        pinned = parse_public_key(public)
        bus, when = str(answer["bus_number"]), str(answer["server_time"])
    except (KeyError, ValueError) as error:
        raise LedgerUnreachable(f"the ledger's enrollment answer is incomplete ({error})") from None
    if answer.get("ledger_key_id") not in (None, key_id(pinned)):
        raise LedgerUnreachable("the ledger's enrollment answer names another key id")
    return Enrollment(url.rstrip("/"), device_id, bus, public, key_id(pinned), when)
