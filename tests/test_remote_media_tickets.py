"""SMS and messenger tickets that sync stored for this bus: the driver lists
them with the phone masked, a conductor checks a passenger's code."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from offline_store import OfflineStore
from validator.cmd_tickets import list_tickets
from validator.config import shipped_config


def _store_ticket(data: Path, code: str, route: str) -> None:
    now = datetime.now(UTC)
    ticket = {
        "id": 1 if route == "12" else 2,
        "code": code,
        "channel": "sms",
        "contact": "+77011234567",
        "route": route,
        "fare": 150,
        "sold_at": now.isoformat(),
        "valid_until": (now + timedelta(minutes=90)).isoformat(),
    }
    with OfflineStore.open(data, "SIM-0001") as store:
        store.ledger.save_tickets([ticket], ticket["id"], now)


def _run(data: Path, action: str = "list", code: str | None = None) -> int:
    args = argparse.Namespace(
        action=action, code=code, config=shipped_config("sim.toml"), data=data
    )
    return list_tickets(args)


def test_the_driver_sees_each_ticket_with_the_phone_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _store_ticket(tmp_path, "K7XQ2M", "12")
    assert _run(tmp_path) == 0
    out = capsys.readouterr().out
    assert "K7XQ2M" in out and "4567" in out and "+7701123" not in out


def test_a_conductor_checks_a_code_for_this_bus_and_refuses_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _store_ticket(tmp_path, "K7XQ2M", "12")
    _store_ticket(tmp_path, "Z9Z9Z9", "92")
    assert _run(tmp_path, "check", "k7xq2m") == 0
    assert _run(tmp_path, "check", "Z9Z9Z9") == 1
    assert _run(tmp_path, "check", "NOPE00") == 1
    out = capsys.readouterr().out
    assert "VALID until" in out and "route 92" in out and "NOT VALID on this bus" in out
