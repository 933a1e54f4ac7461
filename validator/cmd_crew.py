"""`validator crew hash-pin` and `validator shift report`."""

from __future__ import annotations

import argparse
import getpass
import secrets

from validator.app import open_store
from validator.clock import SystemClock
from validator.config import load_config
from validator.crew import hash_pin as make_hash
from validator.crew_journal import journal_entries
from validator.crew_service import JOURNAL_WINDOW, remote_tickets
from validator.printing import Receipt, Rule, TextLine, TicketQr
from validator.shift_report import build_report, report_receipt

__all__ = ["hash_pin", "receipt_text", "shift_report"]

MIN_PIN, MAX_PIN = 4, 8  # validator.crew.PIN_PATTERN


def hash_pin(args: argparse.Namespace) -> int:
    """Ask for a PIN twice (not echoed) and print the crew.toml line."""
    pin = getpass.getpass("New PIN: ")
    if pin != getpass.getpass("Same PIN again: "):
        print("The two PINs differ; nothing printed. Run the command again.")
        return 1
    if not (pin.isdigit() and MIN_PIN <= len(pin) <= MAX_PIN):
        print(f"A PIN is {MIN_PIN} to {MAX_PIN} digits; nothing printed.")
        return 1
    print(f'pin = "{make_hash(pin, secrets.token_bytes(16))}"')
    return 0


def shift_report(args: argparse.Namespace) -> int:
    """The current (or last) shift's report, as the printer would lay it out,
    with the SMS and messenger tickets of the shift, as on the console."""
    config = load_config(args.config)
    now = SystemClock.named(config.device.timezone).now()
    with open_store(config, args.data) as store:
        entries = journal_entries(store.journal(last=JOURNAL_WINDOW))
        remote = remote_tickets(store, now)
    where = (config.device.id, config.device.bus_number)
    report = build_report(entries, remote, where, now)
    print(receipt_text(report_receipt(report, config.crew.language)), end="")
    return 0


def receipt_text(receipt: Receipt, width: int = 48) -> str:
    lines = []
    for item in receipt.items:
        if isinstance(item, Rule):
            lines.append("-" * width)
        elif isinstance(item, TextLine):
            gap = max(1, width - len(item.text) - len(item.value))
            lines.append(item.text + (" " * gap + item.value if item.value else ""))
        elif isinstance(item, TicketQr):
            lines.append(item.text)
    return "\n".join(lines) + "\n"
