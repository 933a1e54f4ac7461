"""`validator run` as a real process, enrolled with the real ledger: the list
comes down before the first tap, and the tap reaches the card's trip history
at the ledger while the daemon keeps running."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from drivers.nfc import CardEmulator, ClassicCard
from ledger.admin_client import AdminClient
from ledger.serve import LedgerServer
from sync import enroll
from tests.daemon import ANSWERED, READY, _port, _wait_for
from tests.helpers import free_udp_port, write_unit_config
from tests.sync_support import admin, ledger

__all__ = ["admin", "ledger"]  # fixtures


def until(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.1)


def test_the_daemon_syncs_in_the_background_and_the_trip_reaches_the_ledger(
    tmp_path: Path, admin: AdminClient, ledger: LedgerServer
) -> None:
    number = str(admin.issue_card(balance=500, uid="0DAE0001")["card_number"])
    config = write_unit_config(tmp_path, free_udp_port())
    with config.open("a", encoding="utf-8") as unit:
        unit.write(f'[ledger]\nurl = "{ledger.url}"\n[sync]\ninterval = 0.2\n')
    code = admin.enrollment_code("000")
    data = tmp_path / "data"
    enroll(ledger.url, code, data_dir=data, device_id="CRASH-1", key_path=data / "key.pem",
           timeout=10)  # fmt: skip
    with config.open("a", encoding="utf-8") as unit:
        unit.write(f'device_key_file = "{data / "key.pem"}"\n')
    command = [sys.executable, "-m", "validator.cli", "run", "--config", str(config)]
    daemon = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        with CardEmulator("127.0.0.1", _port(config)) as emulator:
            _wait_for(daemon, READY, 30)
            until(lambda: _listed(data))  # the balance list came down
            emulator.place(ClassicCard(bytes.fromhex("0DAE0001")))
            line = _wait_for(daemon, ANSWERED, 10)
            emulator.remove()
            until(lambda: len(admin.trips(number)) == 1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=20)
    assert "accepted" in line and daemon.returncode == 0
    assert admin.card(number)["balance"] == 420


def _listed(data: Path) -> bool:
    import sqlite3

    with sqlite3.connect(f"file:{data / 'validator.db'}?mode=ro", uri=True) as conn:
        return bool(conn.execute("SELECT count(*) FROM cards").fetchone()[0])
