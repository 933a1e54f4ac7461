"""Depot commands: ``validator provision``, ``validator selftest``, ``validator diag``.

The work is in :mod:`validator.provision`, :mod:`validator.selftest` and
:mod:`validator.diag`; these handlers turn arguments into calls and results
into what the technician reads, and return the exit status.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from validator.clock import SystemClock
from validator.cmd_depot_checks import DEFAULT_GPS_WAIT, depot_hooks
from validator.config import load_config
from validator.diag import collect, members_with_pans, write_bundle
from validator.provision import ProvisionError, ProvisionReport, ProvisionRequest
from validator.provision import provision as provision_unit
from validator.selftest import (
    Row,
    SelfTestOptions,
    Verdict,
    format_table,
    may_go_on_bus,
    run_selftest,
)

__all__ = [
    "add_diag_arguments",
    "add_provision_arguments",
    "add_selftest_arguments",
    "depot_hooks",
    "diag",
    "provision",
    "selftest",
]

EX_USAGE, EX_DATAERR, EX_CANTCREAT = 64, 65, 73
MAX_CARD_WAIT = 300.0


# --- provision ----------------------------------------------------------------


def add_provision_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bus-number", required=True, metavar="N", help="the bus, e.g. B123")
    p.add_argument("--device-id", required=True, metavar="ID", help="e.g. BUS-0042")
    p.add_argument("--ledger", required=True, metavar="URL", help="the ledger's address, or none")
    p.add_argument("--reader", required=True, help="pn532-uart | acr122u | udp:HOST:PORT")
    p.add_argument(
        "--printer",
        default="none",
        help="none | usb:VID:PID | serial:/dev/ttyUSB0 | network:HOST[:PORT] (default: none)",
    )
    p.add_argument(
        "--config-dir",
        type=Path,
        default=Path("/etc/validator"),
        metavar="DIR",
        help="where unit.toml and the keys go (default: /etc/validator)",
    )
    p.add_argument("--data", type=Path, metavar="DIR", help="data directory (store.data_dir)")
    p.add_argument(
        "--feedback",
        choices=["gpio", "recording"],
        default="gpio",
        help="buzzer and lights: gpio on a Pi, recording on a bench (default: gpio)",
    )
    p.add_argument("--fleet-key-file", type=Path, metavar="FILE", help="fleet PAN key, hex")
    p.add_argument("--master-key-file", type=Path, metavar="FILE", help="DESFire master key, hex")
    p.add_argument("--user", default="validator", help="service user that owns the keys")
    p.add_argument(
        "--force", action="store_true", help="replace existing keys (the unit must re-enroll)"
    )


def provision(args: argparse.Namespace) -> int:
    request = ProvisionRequest(
        bus_number=args.bus_number,
        device_id=args.device_id,
        ledger=args.ledger,
        reader=args.reader,
        printer=args.printer,
        config_dir=args.config_dir,
        data_dir=args.data,
        feedback=args.feedback,
        fleet_key_file=args.fleet_key_file,
        master_key_file=args.master_key_file,
        force=args.force,
        user=args.user,
    )
    try:
        report = provision_unit(request)
    except ProvisionError as error:
        print(f"Not provisioned: {error}", file=sys.stderr)
        return error.code
    print(_provision_summary(report))
    return 0


def _provision_summary(report: ProvisionReport) -> str:
    unit = f"device {report.settings.device_id} on bus {report.settings.bus_number}"
    if report.changed:
        lines = [f"Provisioned {unit} ({report.files.config}):"]
        lines += [f"  - {action}" for action in report.actions]
    else:
        lines = [f"Already provisioned: {unit} ({report.files.config}). Nothing changed."]
    lines += [f"Device public key: {report.public_key}", "", *_next_steps(report)]
    return "\n".join(lines)


def _next_steps(report: ProvisionReport) -> list[str]:
    """What the technician does next. Enrollment itself is ``validator enroll``
    (another module): it signs with ``report.files.device_key`` (sync/keys.py
    finds it beside unit.toml) and, if it installs the ledger's app-token keys
    as ``report.files.ledger_keys``, calls ``unit_toml.name_key_files``."""
    config = report.files.config
    selftest = f"  sudo validator selftest --config {config} --card-wait 15"
    if not report.settings.ledger_url:
        return ["No ledger configured: this unit works offline only.", "Next:", selftest]
    return [
        f"Next: ask the depot office for an enrollment code for bus "
        f"{report.settings.bus_number}, then enroll the unit with the ledger:",
        f"  sudo validator enroll --config {config} --code XXXX-XXXX-XXXX",
        "Then test every part (hold a card on the reader when asked):",
        selftest,
    ]


# --- selftest -----------------------------------------------------------------


def add_selftest_arguments(p: argparse.ArgumentParser) -> None:
    _store_arguments(p)
    p.add_argument(
        "--card-wait", type=float, metavar="SECONDS", help="also wait this long for a card"
    )
    p.add_argument(
        "--min-free-mb",
        type=int,
        default=200,
        metavar="MB",
        help="warn when the SD card has less free space (default: 200)",
    )
    p.add_argument(
        "--gps-wait",
        type=float,
        default=DEFAULT_GPS_WAIT,
        metavar="SECONDS",
        help=f"wait this long for a GPS fix (default: {DEFAULT_GPS_WAIT:g})",
    )


def _store_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, metavar="FILE", help="this unit's TOML file")
    p.add_argument("--data", type=Path, metavar="DIR", help="data directory (store.data_dir)")


def selftest(args: argparse.Namespace) -> int:
    wait: float | None = args.card_wait
    if wait is not None and not 0 < wait <= MAX_CARD_WAIT:
        print(f"--card-wait takes seconds, above 0 and at most {MAX_CARD_WAIT:g}", file=sys.stderr)
        return EX_USAGE
    if not 0 <= args.gps_wait <= MAX_CARD_WAIT:
        print(f"--gps-wait takes seconds, 0 to {MAX_CARD_WAIT:g}", file=sys.stderr)
        return EX_USAGE
    config = load_config(args.config)
    now = SystemClock.named(config.device.timezone).now()
    options = SelfTestOptions(now, args.data, wait, args.min_free_mb)
    if wait is not None:
        print(f"When the reader is tested, hold a card on it (up to {wait:g} s).", flush=True)
    hooks = depot_hooks(now, args.gps_wait, args.data)
    rows = run_selftest(config, options, hooks)
    if os.geteuid() == 0:
        rows.insert(0, _as_root(args.config))
    print(format_table(rows), end="")
    return 0 if may_go_on_bus(rows) else 1


def _as_root(config: Path | None) -> Row:
    command = "sudo -u validator /opt/validator/bin/validator selftest"
    command += f" --config {config}" if config else ""
    note = "running as root, so the service user's access to the devices is not tested"
    return Row("user", Verdict.WARN, f"{note}; on a unit run: {command}")


# --- diag ---------------------------------------------------------------------


def add_diag_arguments(p: argparse.ArgumentParser) -> None:
    _store_arguments(p)
    p.add_argument(
        "--output", type=Path, metavar="FILE", help="the .tar.gz to write (default: here)"
    )


def diag(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    bundle = collect(args.config, args.data, now)
    leaking = members_with_pans(bundle.members)
    if leaking:
        print(
            f"Refused: {', '.join(leaking)} would hold what looks like a bank card number. "
            "Nothing was written. This must never happen: report it to the software team "
            "and send the unit to the depot instead of a bundle.",
            file=sys.stderr,
        )
        return EX_DATAERR
    output: Path = args.output or Path(_bundle_name(bundle.device_id, now))
    try:
        write_bundle(bundle.members, output)
    except OSError as error:
        print(
            f"Cannot write {output} ({error.strerror}); choose a place with --output FILE",
            file=sys.stderr,
        )
        return EX_CANTCREAT
    print(
        f"Diagnostic bundle written: {output} ({output.stat().st_size // 1024 + 1} KB). "
        "It holds the card numbers of recent taps: send it to support only."
    )
    return 0


def _bundle_name(device_id: str | None, now: datetime) -> str:
    device = re.sub(r"[^A-Za-z0-9._-]", "_", device_id or "unknown")
    return f"validator-diag-{device}-{now:%Y%m%dT%H%M%SZ}.tar.gz"
