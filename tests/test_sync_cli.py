"""The sync commands as a technician types them: `validator ledger serve`,
`validator enroll`, `validator sync --once`, `validator status`."""

from __future__ import annotations

import io
import json
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from ledger.admin_client import AdminClient
from ledger.serve import LedgerServer
from tests.helpers import run_cli
from tests.sync_support import admin, ledger

__all__ = ["admin", "ledger"]  # fixtures


def unit_config(tmp_path: Path, device_id: str = "CLI-0001") -> Path:
    path = tmp_path / "unit.toml"
    path.write_text(
        f'[device]\nid = "{device_id}"\nbus_number = "C 001"\n'
        f'[store]\ndata_dir = "{tmp_path / "data"}"\n',
        encoding="utf-8",
    )
    return path


def test_a_unit_enrolls_syncs_and_reports_its_status(
    tmp_path: Path, admin: AdminClient, ledger: LedgerServer
) -> None:
    config = str(unit_config(tmp_path))
    admin.issue_card(balance=300)
    code = admin.enrollment_code("C 001")
    enrolled = run_cli("enroll", "--ledger", ledger.url, "--code", code, "--config", config)
    assert "Enrolled CLI-0001 for bus C 001" in enrolled.stdout
    assert stat.S_IMODE((tmp_path / "data" / "ledger.json").stat().st_mode) == 0o600
    synced = run_cli("sync", "--once", "--config", config)
    assert "List applied: snapshot" in synced.stdout
    shown = json.loads(run_cli("status", "--json", "--config", config).stdout)
    assert shown["online"] is True and shown["backlog"] == 0
    assert shown["list"]["version"] >= 1 and shown["list"]["cards"] >= 1
    assert not shown["degraded"] and shown["enrollment"]["device_id"] == "CLI-0001"
    text = run_cli("status", "--config", config).stdout
    assert "online as last seen" in text and "Backlog:    0 tap(s)" in text


def test_sync_before_enrollment_says_how_to_enroll(tmp_path: Path) -> None:
    result = run_cli("sync", "--once", "--config", str(unit_config(tmp_path)), check=False)
    assert result.returncode == 69
    assert "validator enroll" in result.stderr
    status = run_cli("status", "--config", str(unit_config(tmp_path))).stdout
    assert "not enrolled" in status


def test_a_wrong_code_is_refused_with_the_ledgers_reason(
    tmp_path: Path, ledger: LedgerServer
) -> None:
    config = str(unit_config(tmp_path))
    result = run_cli("enroll", "--ledger", ledger.url, "--code", "AAAA-BBBB-CCCC", "--config",
                     config, check=False)  # fmt: skip
    assert result.returncode == 77
    assert "bad_enrollment_code" in result.stderr
    assert not (tmp_path / "data" / "ledger.json").exists()


def test_the_ledger_serves_from_the_cli(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "validator.cli", "ledger", "serve", "--port", str(port),
               "--data", str(tmp_path / "ledger")]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        answer = _wait_for(f"http://127.0.0.1:{port}/v1/time")
        assert "unix_ms" in answer
    finally:
        server.terminate()
        server.wait(timeout=15)
    token = run_cli("ledger", "admin-token", "--data", str(tmp_path / "ledger")).stdout.strip()
    assert token == (tmp_path / "ledger" / "admin_token").read_text().strip()


def _wait_for(url: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while True:
        try:
            result: dict[str, object] = requests.get(url, timeout=2).json()
            return result
        except requests.RequestException:
            assert time.monotonic() < deadline, "the ledger never answered"
            time.sleep(0.1)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_counts_taps_on_a_terminal_and_stays_quiet_in_a_log() -> None:
    from validator.cmd_sync import ProgressBar

    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        bar = ProgressBar(stream, "Uploading taps")
        bar.update(5000, 12000)
        bar.update(12000, 12000)
        bar.done()
    assert terminal.getvalue().endswith("[" + "#" * 30 + "] 12 000/12 000\n")
    assert "5 000/12 000" in terminal.getvalue() and log.getvalue() == ""
