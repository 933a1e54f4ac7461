"""`validator tickets`: the SMS and messenger tickets sync brought for this bus,
for the driver (time, masked phone, code) with how many arrived on this trip,
and `validator tickets check CODE` for a conductor checking a passenger's
code (a valid code is marked used: a second check says "already used")."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validator.clock import SystemClock
from validator.config import load_config
from validator.ticket_arrivals import arrived_since, counting_since, mask_contact

if TYPE_CHECKING:
    from offline_store import OfflineStore

__all__ = ["add_parser", "list_tickets", "mask_contact"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("tickets", help="SMS and messenger tickets for this bus; check a code")
    p.add_argument("action", nargs="?", choices=["list", "check"], default="list")
    p.add_argument("code", nargs="?", help="check: the code the passenger shows")
    p.add_argument("--config", type=Path, metavar="FILE")
    p.add_argument("--data", type=Path, metavar="DIR", help="data directory (default: config)")
    p.set_defaults(handler=list_tickets)


def list_tickets(args: argparse.Namespace) -> int:
    from validator.app import open_store

    config = load_config(args.config)
    now = SystemClock.named(config.device.timezone).now()
    store = open_store(config, args.data)
    try:
        tickets = store.ledger.tickets(now)
        if args.action == "check":
            return _check(store, tickets, args.code or "", config.route.number, now)
        since, label = counting_since(_entries(store), now)
    finally:
        store.close()
    arrived = len(arrived_since(tickets, since))
    print(f"{arrived} ticket(s) arrived {label} ({since:%Y-%m-%d %H:%M})")
    print(f"{len(tickets)} ticket(s) valid now for bus {config.device.bus_number}")
    for ticket in tickets:
        print(_line(ticket))
    return 0


def _entries(store: OfflineStore) -> list[Any]:
    from validator.crew_journal import journal_entries
    from validator.crew_service import JOURNAL_WINDOW

    return list(journal_entries(store.journal(last=JOURNAL_WINDOW)))


def _line(ticket: Mapping[str, Any]) -> str:
    sold = str(ticket["sold_at"])[:16].replace("T", " ")
    contact = mask_contact(str(ticket["contact"]))
    return f"{sold}  {contact:>15}  {ticket['code']}  {ticket['channel']}  route {ticket['route']}"


def _check(
    store: OfflineStore, tickets: list[dict[str, Any]], code: str, route: str, now: datetime
) -> int:
    wanted = code.strip().upper()
    found = next((t for t in tickets if str(t["code"]).upper() == wanted), None)
    if found is None:
        print(f"{code}: NOT VALID on this bus (unknown, expired, or not yet synced)")
        return 1
    if str(found["route"]) != route:
        print(f"{code}: NOT VALID: a ticket for route {found['route']}, this bus runs {route}")
        return 1
    used = store.ledger.use_ticket(wanted, now)
    if used is not None:
        print(f"{code}: ALREADY USED on this bus at {used[:19].replace('T', ' ')} UTC")
        return 1
    print(f"{code}: VALID until {found['valid_until']} ({_line(found)})")
    return 0
