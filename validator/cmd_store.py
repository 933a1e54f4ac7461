"""Depot commands on the offline store: load a balance list, read the journal."""

from __future__ import annotations

import argparse
import json
import sys

from offline_store import JournalCheck, JournalRow, parse_cards_csv
from validator.app import open_store
from validator.config import load_config, render_config


def import_cards(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}. Check the file name.", file=sys.stderr)
        return 66
    cards = parse_cards_csv(text)
    store = open_store(config, args.data)
    try:
        count = store.import_cards(cards, args.list_version)
    finally:
        store.close()
    print(f"Loaded {count} cards from {args.file} (list version {args.list_version}).")
    return 0


def journal(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    store = open_store(config, args.data)
    try:
        if args.action == "verify":
            return _verify(store.verify_journal())
        _print_rows(store.journal(args.last), as_json=args.json)
    finally:
        store.close()
    return 0


def _verify(check: JournalCheck) -> int:
    if check.ok:
        print(f"Journal OK: {check.rows} rows, sequence without gaps, hash chain verifies.")
        return 0
    print(f"Journal BROKEN: {len(check.problems)} problem(s) in {check.rows} rows:")
    for problem in check.problems:
        print(f"  {problem}")
    return 1


HEADER = (
    f"{'seq':>6}  {'time (UTC)':<24} {'medium':<10} {'card / uid':<20} "
    f"{'fare':>5} {'balance':>8}  result"
)


def _print_rows(rows: list[JournalRow], *, as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json.dumps(row.as_dict(), ensure_ascii=False))
        return
    print(HEADER)
    for row in rows:
        print(_row_line(row))


def _row_line(row: JournalRow) -> str:
    who = row.card_number or (f"uid {row.uid}" if row.uid else "-")
    balance = "" if row.balance_after is None else str(row.balance_after)
    return (
        f"{row.seq:>6}  {row.time:<24} {row.medium:<10} {who:<20} {row.fare:>5} "
        f"{balance:>8}  {row.result} ({row.reason})"
    )


def show_config(args: argparse.Namespace) -> int:
    print(render_config(load_config(args.config)), end="")
    return 0
