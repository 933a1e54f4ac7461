"""Shared test set-up: a unit config on a free UDP port, a balance list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from drivers.nfc.udp_ports import free_udp_port

__all__ = ["free_udp_port", "import_cards_csv", "run_cli", "write_unit_config"]


def write_unit_config(tmp: Path, port: int, *, removal_timeout: float = 2.0) -> Path:
    """A simulated unit: emulated cards over nfcpy udp, recorded lights, store in tmp/data."""
    path = tmp / "unit.toml"
    path.write_text(
        f"""
[device]
id = "CRASH-1"
language = "en"
[route]
number = "12"
[nfc]
backend = "nfcpy"
path = "udp:127.0.0.1:{port}"
poll_timeout = 0.2
removal_timeout = {removal_timeout}
[feedback]
backend = "recording"
display = "none"
[store]
data_dir = "{tmp / "data"}"
""",
        encoding="utf-8",
    )
    return path


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "validator.cli", *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def import_cards_csv(config: Path, cards: list[tuple[str, str, int]]) -> None:
    """Load (uid, card_number, balance) rows through `validator cards import`."""
    csv = config.parent / "cards.csv"
    lines = ["card_number,uid,balance,category,status"]
    lines += [f"{number},{uid},{balance},standard,active" for uid, number, balance in cards]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_cli("cards", "import", str(csv), "--config", str(config))
