"""`validator`: the daemon, the demo and the depot technician's tools."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from offline_store import CardImportError, StoreUnavailable
from validator.config import EX_CONFIG, ConfigError
from validator.model import Category

EX_DATAERR = 65
EX_UNAVAILABLE = 69
EX_IOERR = 74

Handler = Callable[[argparse.Namespace], int]


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="this unit's TOML file (default: built-in)"
    )
    parser.add_argument(
        "--data", type=Path, metavar="DIR", help="data directory (overrides store.data_dir)"
    )


def _add_crew(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_crew

    crew = sub.add_parser("crew", help="the crew list").add_subparsers(dest="action", required=True)
    hashing = crew.add_parser("hash-pin", help="print a hashed PIN line for crew.toml")
    hashing.set_defaults(handler=cmd_crew.hash_pin)
    shift = sub.add_parser("shift", help="the crew shift").add_subparsers(
        dest="action", required=True
    )
    report = shift.add_parser("report", help="print the current or last shift report")
    _store_options(report)
    report.set_defaults(handler=cmd_crew.shift_report)


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_run

    p = sub.add_parser("run", help="run the validator daemon (the job on the bus)")
    _store_options(p)
    p.add_argument("--nfc", metavar="DEVICE", help="nfcpy device path, overrides nfc.path")
    p.set_defaults(handler=cmd_run.run)


def _add_demo(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import demo

    p = sub.add_parser("demo", help="a scripted boarding on a simulated bus; no hardware needed")
    p.add_argument("--language", choices=["kk", "ru", "en"], help="passenger display language")
    p.set_defaults(handler=demo.run_demo)


def _add_cards(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_store

    p = sub.add_parser("cards", help="the balance list on this unit")
    cards = p.add_subparsers(dest="cards_command", required=True, metavar="COMMAND")
    imp = cards.add_parser("import", help="load a balance list from a CSV file")
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--list-version", type=int, default=1, help="version to record (default 1)")
    _store_options(imp)
    imp.set_defaults(handler=cmd_store.import_cards)


def _add_journal(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_store

    p = sub.add_parser("journal", help="show the tap journal, or verify its hash chain")
    p.add_argument("action", nargs="?", choices=["show", "verify"], default="show")
    p.add_argument("--last", type=int, metavar="N", help="only the last N rows")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    _store_options(p)
    p.set_defaults(handler=cmd_store.journal)


def _add_emulate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_emulate

    p = sub.add_parser("emulate", help="emulate a card, phone, QR scan or GPS (bench testing)")
    what = p.add_subparsers(dest="emulate_command", required=True, metavar="WHAT")
    card = what.add_parser("card", help="hold an emulated card or phone in the field")
    card.add_argument("--kind", choices=cmd_emulate.KINDS, default="classic")
    card.add_argument("--uid", metavar="HEX", help="4- or 7-byte UID in hex (emv, app: random)")
    card.add_argument("--nfc", default="udp:127.0.0.1:54321", metavar="udp:HOST:PORT")
    card.add_argument("--hold", type=float, metavar="SECONDS", help="take it away after this")
    desfire = card.add_argument_group("desfire")
    desfire.add_argument("--master-key-file", type=Path, metavar="FILE", help="DESFire master key")
    desfire.add_argument("--card-number", metavar="DIGITS", help="19-digit card number")
    desfire.add_argument("--category", choices=[c.value for c in Category], default="standard")
    desfire.add_argument("--expires", metavar="YYYY-MM-DD", help="default: three years on")
    desfire.add_argument("--clone", action="store_true", help="the UID only, no application")
    card.add_argument("--emv-file", metavar="FILE.json", help="emv: the card's description")
    card.add_argument("--token", metavar="HEX|KZT1:...", help="app: the phone's token")
    card.set_defaults(handler=cmd_emulate.emulate_card)
    _add_emulate_remote(what)


def _add_emulate_remote(what: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_emulate_ble, cmd_emulate_serial

    qr = what.add_parser("qr", help="scan a QR code into a validator's scanner port")
    qr.add_argument("code", metavar="KZT1:...|HEX|TEXT", help="the code (any text: test declines)")
    qr.add_argument("--port", required=True, metavar="URL|pty:PATH", help="the scanner's port")
    qr.set_defaults(handler=cmd_emulate_serial.emulate_qr_command)
    gps = what.add_parser("gps", help="replay an NMEA log into a validator's GPS port")
    gps.add_argument("file", type=Path, metavar="FILE.nmea", help="a receiver's NMEA log")
    gps.add_argument("--port", required=True, metavar="URL|pty:PATH", help="the GPS port")
    gps.add_argument("--rate", type=float, default=1.0, help="epochs a second (1)")
    gps.set_defaults(handler=cmd_emulate_serial.emulate_gps_command)
    ble = what.add_parser("phone-ble", help="one simulated Bluetooth payment, in this process")
    cmd_emulate_ble.add_arguments(ble)
    ble.set_defaults(handler=cmd_emulate_ble.emulate_phone_ble)


def _add_tickets(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_tickets

    cmd_tickets.add_parser(sub)


def _add_config(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_store

    p = sub.add_parser("config", help="show the effective configuration (secrets masked)")
    p.add_argument("action", choices=["show"])
    p.add_argument("--config", type=Path, metavar="FILE")
    p.set_defaults(handler=cmd_store.show_config)


def _add_depot(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_depot

    p = sub.add_parser("provision", help="write this unit's config and keys (depot)")
    cmd_depot.add_provision_arguments(p)
    p.set_defaults(handler=cmd_depot.provision)
    p = sub.add_parser("selftest", help="check every part; exit 0 if the unit may go on a bus")
    cmd_depot.add_selftest_arguments(p)
    p.set_defaults(handler=cmd_depot.selftest)
    p = sub.add_parser("diag", help="bundle logs, masked config, versions and store health")
    cmd_depot.add_diag_arguments(p)
    p.set_defaults(handler=cmd_depot.diag)


def _add_sync(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_enroll, cmd_sync

    p = sub.add_parser("enroll", help="register this unit with the ledger; pin the ledger's key")
    p.add_argument("--ledger", metavar="URL", help="the ledger's address (default: ledger.url)")
    p.add_argument("--code", required=True, metavar="CODE", help="one-time enrollment code")
    _store_options(p)
    p.set_defaults(handler=cmd_enroll.enroll)
    p = sub.add_parser("sync", help="sync with the ledger now (upload taps, take the lists)")
    p.add_argument("--once", action="store_true", required=True, help="one full sync, then exit")
    _store_options(p)
    p.set_defaults(handler=cmd_sync.sync_once)
    p = sub.add_parser("status", help="online or not, backlog, list version and age, clock")
    p.add_argument("--json", action="store_true", help="as one JSON object")
    _store_options(p)
    p.set_defaults(handler=cmd_sync.status)


def _add_ledger(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from validator import cmd_sync

    p = sub.add_parser("ledger", help="the reference central ledger (HTTP server)")
    what = p.add_subparsers(dest="ledger_command", required=True, metavar="COMMAND")
    serve = what.add_parser("serve", help="run the ledger's HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    what.add_parser("admin-token", help="print the admin bearer token")
    code = what.add_parser("enrollment-code", help="make a one-time enrollment code for a bus")
    code.add_argument("bus_number", metavar="BUS")
    for command in what.choices.values():
        command.add_argument(
            "--data", dest="ledger_data", type=Path, default=Path("ledger-data"), metavar="DIR",
            help="the ledger's data directory (default: ./ledger-data)",
        )  # fmt: skip
        command.set_defaults(handler=cmd_sync.ledger_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="validator",
        description="On-bus fare validator: reads cards, decides offline, beeps, syncs.",
        epilog="Quick start on a laptop: `validator demo`. On a bus: "
        "`validator run --config /etc/validator/unit.toml`.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        _add_run,
        _add_demo,
        _add_cards,
        _add_journal,
        _add_emulate,
        _add_tickets,
        _add_config,
        _add_depot,
        _add_sync,
        _add_ledger,
        _add_crew,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler: Handler = args.handler
    return _guarded(handler, args)


def _guarded(handler: Handler, args: argparse.Namespace) -> int:
    from drivers.errors import DeviceUnavailable

    try:
        return handler(args)
    except ConfigError as exc:
        return _fail(f"Configuration error: {exc}", EX_CONFIG)
    except DeviceUnavailable as exc:
        return _fail(f"Device error: {exc}", EX_UNAVAILABLE)
    except StoreUnavailable as exc:
        return _fail(f"Storage error: {exc}", EX_IOERR)
    except CardImportError as exc:
        return _fail(f"Nothing was loaded. {exc}", EX_DATAERR)
    except KeyboardInterrupt:
        return 130


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
