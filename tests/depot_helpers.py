"""Run the depot commands in-process, with the real argument parsing."""

from __future__ import annotations

import argparse
import os
import pwd
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from validator import cmd_depot

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Handler]] = {
    "provision": (cmd_depot.add_provision_arguments, cmd_depot.provision),
    "selftest": (cmd_depot.add_selftest_arguments, cmd_depot.selftest),
    "diag": (cmd_depot.add_diag_arguments, cmd_depot.diag),
}


@dataclass(frozen=True, slots=True)
class Result:
    code: int
    out: str
    err: str


def depot(capsys: pytest.CaptureFixture[str], command: str, *argv: str | Path) -> Result:
    """`validator COMMAND ARGV…` as the technician types it; exit status and output."""
    add_arguments, handler = _COMMANDS[command]
    parser = argparse.ArgumentParser(prog=f"validator {command}")
    add_arguments(parser)
    capsys.readouterr()
    code = handler(parser.parse_args([str(arg) for arg in argv]))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def me() -> str:
    """The user running the tests: the service user of a unit provisioned here."""
    return pwd.getpwuid(os.geteuid()).pw_name


def hex_key(folder: Path, name: str, digits: int) -> Path:
    path = folder / name
    path.write_text(os.urandom(digits // 2).hex() + "\n", encoding="ascii")
    return path


def bench_unit(
    capsys: pytest.CaptureFixture[str], tmp: Path, reader: str, *extra: str | Path
) -> Path:
    """Provision a bench unit (recorded lights, store in tmp/data); its unit.toml."""
    keys = tmp / "usb-stick"
    keys.mkdir(exist_ok=True)
    result = depot(
        capsys,
        "provision",
        *("--bus-number", "B123", "--device-id", "BENCH-1", "--ledger", "none"),
        *("--reader", reader, "--feedback", "recording", "--user", me()),
        *("--config-dir", tmp / "etc", "--data", tmp / "data"),
        *("--fleet-key-file", hex_key(keys, "fleet.hex", 64)),
        *("--master-key-file", hex_key(keys, "master.hex", 32)),
        *extra,
    )
    assert result.code == 0, result.err
    return tmp / "etc" / "unit.toml"


def cli_knows(command: str) -> bool:
    """True once validator/cli.py has the command wired."""
    done = subprocess.run(
        [sys.executable, "-m", "validator.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    return command in done.stdout
