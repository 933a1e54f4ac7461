"""``validator enroll``: register this unit with the ledger and pin its key.

The device key is the one ``validator provision`` made beside the unit's
config, else one made now in the data directory (0600). The ledger's key is
pinned in ``ledger.json`` in the data directory (0600); on a provisioned unit
it is also written beside ``unit.toml`` as ``ledger-keys.txt`` and named under
``[security]``, so app tokens signed by the ledger verify too.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from validator import config_schema as schema
from validator.app import data_dir
from validator.config import Config, ConfigError, load_config

__all__ = ["EX_NOPERM", "EX_UNAVAILABLE", "EX_USAGE", "enroll"]

log = logging.getLogger("validator")

EX_USAGE, EX_UNAVAILABLE, EX_NOPERM = 64, 69, 77
UNPROVISIONED = "UNPROVISIONED"


def enroll(args: argparse.Namespace) -> int:
    from sync import LedgerRefused, SyncError
    from sync import enroll as enroll_device
    from sync.setup import key_path

    config = load_config(args.config)
    url = _ledger_url(args.ledger or config.ledger.url)
    if config.device.id == UNPROVISIONED:
        raise ConfigError("device.id is not set: provision the unit first (validator provision)")
    data = data_dir(config, args.data)
    key = key_path(config, data)
    try:
        enrollment = enroll_device(
            url, args.code, data_dir=data, device_id=config.device.id, key_path=key,
            timeout=config.ledger.timeout,
        )  # fmt: skip
    except SyncError as error:
        print(f"Enrollment failed: {error}", file=sys.stderr)
        return EX_NOPERM if isinstance(error, LedgerRefused) else EX_UNAVAILABLE
    print(f"Enrolled {config.device.id} for bus {enrollment.bus_number} with the ledger at {url}.")
    print(f"Pinned ledger key {enrollment.ledger_key_id} in {data / 'ledger.json'} (0600).")
    print(f"Device key: {key} (0600).")
    _bus_check(config, enrollment.bus_number)
    _pin_for_tokens(config, f"{enrollment.ledger_key_id} {enrollment.ledger_public_key}\n")
    return 0


def _ledger_url(value: str) -> str:
    try:
        url = str(schema.url()(value))
    except schema.Invalid as error:
        raise ConfigError(f"--ledger {error}") from None
    if not url:
        raise ConfigError("give the ledger's address: --ledger URL (or ledger.url in the config)")
    return url


def _bus_check(config: Config, enrolled_bus: str) -> None:
    ours = config.device.bus_number.replace(" ", "").upper()
    if ours != enrolled_bus.replace(" ", "").upper():
        print(
            f"Note: the code was made for bus {enrolled_bus}, but this unit's config says "
            f"bus {config.device.bus_number}; tickets go to bus {enrolled_bus}.",
            file=sys.stderr,
        )


def _pin_for_tokens(config: Config, line: str) -> None:
    """On a provisioned unit (``unit.toml`` with its keys beside it), pin the key for
    app tokens too: ``ledger-keys.txt`` (0644), named under ``[security]``."""
    from validator.unit_files import PUBLIC_MODE, UnitFiles, write_file
    from validator.unit_toml import name_key_files

    source = config.source
    if source is None or not _provisioned(source):
        return
    files = UnitFiles.beside(source)
    try:
        write_file(files.ledger_keys, line.encode("ascii"), PUBLIC_MODE)
        name_key_files(source)
    except (OSError, ConfigError) as error:
        print(f"Note: app tokens stay off: cannot pin the key in {files.ledger_keys} ({error})")
        return
    print(f"Pinned the same key for app tokens in {files.ledger_keys}.")


def _provisioned(source: Path) -> bool:
    from validator.unit_files import UnitFiles

    files = UnitFiles.beside(source)
    return source.name == files.config.name and files.device_key.exists()
