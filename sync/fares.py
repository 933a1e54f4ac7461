"""Fare tables from the ledger and tickets sold for this bus.

A fare table is a signed document (kind ``fare_table``). It is installed only
when it verifies with the pinned key, is newer than the one in force, and
passes ``parse_fare_table``; the caller hands the new rules to the pipeline.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from offline_store import OfflineStore
from offline_store.outbox import TICKET_FIELDS
from sync.client import LedgerClient
from sync.errors import DocumentRefused, LedgerUnreachable
from sync.signed_stream import scan, verify
from validator.fares import FareRules, FareTableError, parse_fare_table

__all__ = ["fetch_fares", "fetch_tickets", "stored_rules"]

log = logging.getLogger("sync")


def fetch_fares(
    client: LedgerClient, store: OfflineStore, key: Ed25519PublicKey
) -> FareRules | None:
    """Install the ledger's fare table when it is newer; the new rules, or None."""
    found = scan(client.fares(), gzipped=False)
    header = verify(found, key, "fare_table")
    version, table = header.get("version"), header.get("table")
    if not isinstance(version, int) or not isinstance(table, dict):
        raise DocumentRefused("fare table refused: no version or no table in it")
    current = store.fare_table()
    if current is not None and current[0] >= version:
        return None
    rules = _rules(table, version)
    signature = str(found.trailer.get("signature", ""))
    store.set_fare_table(version, json.dumps(table, sort_keys=True), signature)
    log.info("Fare table version %d from the ledger installed", version)
    return rules


def _rules(table: dict[str, Any], version: int) -> FareRules:
    try:
        rules = parse_fare_table(table, source="the ledger's fare table")
    except FareTableError as error:
        raise DocumentRefused(f"fare table version {version} refused: {error}") from None
    if rules.version != version:
        raise DocumentRefused(f"fare table refused: it says version {rules.version}, not {version}")
    return rules


def stored_rules(store: OfflineStore, running: FareRules) -> FareRules | None:
    """The store's newest fare table when it is newer than ``running`` (a unit
    restarted after the ledger sent one); None otherwise or when unreadable."""
    current = store.fare_table()
    if current is None or current[0] <= running.version:
        return None
    try:
        return parse_fare_table(json.loads(current[1]), source="the stored fare table")
    except (ValueError, FareTableError) as error:
        log.warning("The stored fare table version %d cannot be used: %s", current[0], error)
        return None


def fetch_tickets(client: LedgerClient, store: OfflineStore, now: datetime) -> int:
    """Keep the tickets sold for this bus since the last one received; how many came."""
    answer = client.tickets(after=store.ledger.tickets_after)
    tickets, after = answer.get("tickets"), answer.get("next_after")
    if not isinstance(tickets, list) or not isinstance(after, int):
        raise LedgerUnreachable("the ledger answered the ticket download without tickets")
    good = [ticket for ticket in tickets if _is_ticket(ticket)]
    if len(good) != len(tickets):
        log.warning(
            "%d ticket(s) from the ledger were malformed and left out", len(tickets) - len(good)
        )
    return store.ledger.save_tickets(good, after, now)


def _is_ticket(ticket: object) -> bool:
    return isinstance(ticket, dict) and all(name in ticket for name in TICKET_FIELDS)
