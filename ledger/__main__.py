"""``python -m ledger``: serve the reference ledger, show its admin token,
or make an enrollment code (until ``validator ledger ...`` wires these in).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from ledger.signing import admin_token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledger", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("ledger-data"), help="data directory")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the HTTP server")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8700)
    commands.add_parser("admin-token", help="print the admin bearer token")
    commands.add_parser("openapi", help="print the OpenAPI description (JSON)")
    code = commands.add_parser("enrollment-code", help="make a one-time enrollment code")
    code.add_argument("bus_number")
    args = parser.parse_args(argv)
    if args.command == "serve":
        from ledger.serve import serve

        serve(args.host, args.port, args.data)
    elif args.command == "admin-token":
        print(admin_token(args.data))
    elif args.command == "openapi":
        print(json.dumps(openapi_description(), indent=1, ensure_ascii=False))
    else:
        print(json.dumps(make_enrollment_code(args.data, args.bus_number)))
    return 0


def openapi_description() -> dict[str, object]:
    """The OpenAPI description, generated from an app over a throw-away data dir."""
    from ledger.app import create_app

    with tempfile.TemporaryDirectory() as scratch:
        return create_app(Path(scratch)).openapi()


def make_enrollment_code(data_dir: Path, bus_number: str) -> dict[str, object]:
    """An enrollment code made directly in the database (no server needed)."""
    from ledger.auth import CodeRequest, create_enrollment_code
    from ledger.context import Ledger, Settings
    from ledger.db import DB_FILE, Database
    from ledger.signing import load_signing_key

    data_dir.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(
        Database(data_dir / DB_FILE), load_signing_key(data_dir), admin_token(data_dir), Settings()
    )
    try:
        return create_enrollment_code(CodeRequest(bus_number=bus_number), ledger)
    finally:
        ledger.db.close()


if __name__ == "__main__":
    raise SystemExit(main())
