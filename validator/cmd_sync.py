"""``validator sync --once``, ``validator status`` and ``validator ledger ...``.

The network is reached through sync/ and ledger/ only, imported here when a
command runs (validator/ itself imports no HTTP library).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from validator.app import data_dir, open_store
from validator.config import load_config
from validator.messages import format_tenge

__all__ = ["ProgressBar", "ledger_command", "status", "sync_once"]

EX_DATAERR, EX_UNAVAILABLE, EX_NOPERM = 65, 69, 77
BAR_WIDTH = 30


class ProgressBar:
    """``Uploading taps [#####-----] 5 000/12 000`` on a terminal; quiet otherwise."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream, self.label, self.shown = stream, label, False
        self.live = stream.isatty()

    def update(self, done: int, total: int) -> None:
        if not self.live or total <= 0:
            return
        filled = BAR_WIDTH * min(done, total) // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {_count(done)}/{_count(total)}")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def sync_once(args: argparse.Namespace) -> int:
    from sync import LedgerRefused, SyncError, open_service

    config = load_config(args.config)
    store = open_store(config, args.data)
    try:
        service = open_service(config, store, data_dir(config, args.data))
        bar = ProgressBar(sys.stderr, "Uploading taps")
        try:
            report = service.run_once(progress=bar.update)
        finally:
            bar.done()
            service.client.close()
        service.check_list_age()
    except SyncError as error:
        print(f"Sync failed: {error}", file=sys.stderr)
        return EX_NOPERM if isinstance(error, LedgerRefused) else EX_UNAVAILABLE
    finally:
        store.close()
    for line in report_lines(report):
        print(line)
    return EX_DATAERR if report.problems else 0


def report_lines(report: Any) -> list[str]:
    """What one sync did, in words (``report`` is a ``sync.CycleReport``)."""
    up, applied = report.upload, report.applied
    lines = [
        f"Uploaded {_count(up.accepted)} tap(s) ({_count(up.duplicates)} already at the "
        f"ledger) in {up.batches} batch(es); acknowledged up to seq {up.watermark}, "
        f"{_count(up.backlog)} left."
    ]
    if applied is not None:
        deny = applied.denied + applied.undenied
        lines.append(
            f"List applied: {applied.mode} to version {applied.version} ({_count(applied.cards)} "
            f"card(s), {deny} deny list change(s)); watermark seq {applied.watermark}."
        )
    fares = f"version {report.fares} installed" if report.fares else "no newer table"
    lines.append(f"Fare table: {fares}. Tickets: {report.tickets} new for this bus.")
    lines.append(f"Clock: {-report.clock_offset:+.2f} s off the ledger's.")
    lines += [f"Refused: {problem}" for problem in report.problems]
    return lines


def status(args: argparse.Namespace) -> int:
    from sync import NotEnrolled, load_enrollment, settings_from
    from sync.status import gather

    config = load_config(args.config)
    data = data_dir(config, args.data)
    try:
        enrolled: dict[str, Any] | None = vars_of(load_enrollment(data))
    except NotEnrolled:
        enrolled = None
    settings = settings_from(config)
    with open_store(config, args.data) as store:
        now = datetime.now(UTC)
        view = gather(store, now, settings.max_list_age, settings.policy, enrolled)
    view["bus_number"] = config.device.bus_number
    if args.json:
        print(json.dumps(view, indent=1, sort_keys=True, ensure_ascii=False))
    else:
        print("\n".join(status_lines(view)))
    return 0


def vars_of(enrollment: Any) -> dict[str, Any]:
    fields = ("ledger_url", "device_id", "bus_number", "ledger_key_id", "enrolled_at")
    return {name: getattr(enrollment, name) for name in fields}


def status_lines(view: dict[str, Any]) -> list[str]:
    listed = view["list"]
    return [
        f"Validator {view['device_id']} · bus {view['bus_number']}",
        f"Ledger:     {_ledger_line(view)}",
        f"Backlog:    {_count(view['backlog'])} tap(s) to upload (journal up to seq "
        f"{view['journal_last_seq']}, acknowledged up to seq {view['uploaded_seq']})",
        f"List:       {_list_line(listed)}",
        f"Mode:       {view['list_mode']}",
        f"Last sync:  {view['last_sync_at'] or 'never'}",
        f"Clock:      {_clock_line(view['clock_offset_s'])}",
        f"Tickets:    {view['tickets']} valid for this bus",
    ]


def _ledger_line(view: dict[str, Any]) -> str:
    url = view["ledger_url"] or "none configured"
    if view["enrollment"] is None:
        return f"{url} · not enrolled (validator enroll --ledger URL --code CODE)"
    if view["online"] is None:
        return f"{url} · not reached yet"
    if view["online"]:
        return f"{url} · online as last seen ({view['last_seen_at']})"
    error = f"; {view['last_error']}" if view["last_error"] else ""
    return f"{url} · OFFLINE since {view['offline_since']}{error}"


def _list_line(listed: dict[str, Any]) -> str:
    if listed["received_at"] is None:
        return f"version {listed['version']}, {_count(listed['cards'])} card(s), not from a ledger"
    return (
        f"version {listed['version']} ({listed['mode']}), {_age(listed['age_s'])} old, "
        f"expires {listed['expires_at']}; {_count(listed['cards'])} card(s)"
    )


def _clock_line(offset: float | None) -> str:
    return "not measured yet" if offset is None else f"{-offset:+.2f} s off the ledger's"


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"


def _count(number: int) -> str:
    return format_tenge(number).removesuffix(" ₸")


def ledger_command(args: argparse.Namespace) -> int:
    """``validator ledger serve|admin-token|enrollment-code``: the reference ledger."""
    data: Path = args.ledger_data
    if args.ledger_command == "serve":
        from ledger.serve import serve

        serve(args.host, args.port, data)
    elif args.ledger_command == "admin-token":
        from ledger.signing import admin_token

        data.mkdir(parents=True, exist_ok=True)
        print(admin_token(data))
    else:
        from ledger.__main__ import make_enrollment_code

        print(json.dumps(make_enrollment_code(data, args.bus_number)))
    return 0
