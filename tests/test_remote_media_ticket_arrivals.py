"""SMS and messenger tickets sold at the real ledger reach the bus by sync:
nothing while the bus is offline, one chirp and one display line per new
ticket once it is online, none for tickets it already has; the driver sees
how many arrived on the trip, and a conductor's check marks a code used."""

from __future__ import annotations

import argparse
import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ledger.admin_client import AdminClient
from ledger.serve import LedgerServer
from ledger.signing import admin_token
from sync import SyncService, enroll, open_service
from sync.service import Hooks
from validator.app import App, build_app
from validator.cmd_tickets import list_tickets
from validator.config import Config, load_config, shipped_config
from validator.shift import ShiftEvent, ShiftEventKind
from validator.ticket_arrivals import counting_since

SIM = shipped_config("sim.toml")
CHIRP = "[♪ no light]"


@dataclass
class Bus:
    config: Config
    app: App
    screen: io.StringIO

    def sync(self, url: str) -> SyncService:
        config = replace(self.config, ledger=replace(self.config.ledger, url=url, timeout=2.0))
        hooks = Hooks(on_tickets=self.app.announce_tickets)
        service = open_service(config, self.app.store, self.config.store.data_dir, hooks)
        service.cycle()
        service.client.close()
        return service

    def chirps(self) -> int:
        return self.screen.getvalue().count(CHIRP)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LedgerServer]:
    with LedgerServer(tmp_path / "ledger") as server:
        yield server


@pytest.fixture
def admin(ledger: LedgerServer) -> AdminClient:
    return AdminClient(ledger.url, admin_token(ledger.data_dir), timeout=10)


@pytest.fixture
def bus(tmp_path: Path, ledger: LedgerServer, admin: AdminClient) -> Iterator[Bus]:
    base = load_config(SIM)
    data = tmp_path / "bus"
    config = replace(
        base,
        nfc=replace(base.nfc, backend="none"),
        store=replace(base.store, data_dir=data),
    )
    code = admin.enrollment_code(config.device.bus_number)
    key = data / "device-ed25519.pem"
    enroll(ledger.url, code, data_dir=data, device_id=config.device.id, key_path=key, timeout=5)
    screen = io.StringIO()
    app = build_app(config, stream=screen)
    try:
        yield Bus(config, app, screen)
    finally:
        app.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def sell_sms(admin: AdminClient, phone: str) -> str:
    body = {"phone": phone, "short_number": "7575", "text": "12 SIM001"}
    return str(admin.call("POST", "/v1/gateway/sms", body)["ticket"]["code"])


def sell_messenger(admin: AdminClient, user: str) -> str:
    body = {"messenger": "telegram", "user": user, "route": "12", "bus_number": "SIM 001"}
    return str(admin.call("POST", "/v1/gateway/messenger", body)["ticket"]["code"])


def tickets_command(data: Path, action: str = "list", code: str | None = None) -> int:
    return list_tickets(argparse.Namespace(action=action, code=code, config=SIM, data=data))


def test_tickets_sold_while_offline_chirp_once_each_when_the_bus_is_back_online(
    bus: Bus, ledger: LedgerServer, admin: AdminClient
) -> None:
    sell_sms(admin, "+77011234567")
    sell_messenger(admin, "aigerim_kz")
    bus.sync(closed_port_url())
    assert bus.chirps() == 0 and bus.app.store.ledger.tickets(datetime.now(UTC)) == []
    bus.sync(ledger.url)
    assert bus.chirps() == 2
    screen = bus.screen.getvalue()
    assert "New SMS ticket · •••567" in screen and "+7701123" not in screen
    assert "New messenger ticket · •••_kz" in screen
    bus.sync(ledger.url)
    assert bus.chirps() == 2  # nothing new, no chirp
    sell_sms(admin, "+77017654321")
    bus.sync(ledger.url)
    assert bus.chirps() == 3


def test_the_driver_sees_how_many_tickets_arrived_today_and_a_second_check_says_already_used(
    bus: Bus, ledger: LedgerServer, admin: AdminClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code = sell_sms(admin, "+77011234567")
    sell_sms(admin, "+77019876543")
    bus.sync(ledger.url)
    bus.app.close()
    data = bus.config.store.data_dir
    assert tickets_command(data) == 0
    assert "2 ticket(s) arrived since midnight" in capsys.readouterr().out
    assert tickets_command(data, "check", code.lower()) == 0
    assert "VALID until" in capsys.readouterr().out
    assert tickets_command(data, "check", code) == 1
    assert "ALREADY USED on this bus" in capsys.readouterr().out


def test_the_count_runs_from_the_trip_then_the_shift_then_midnight() -> None:
    zone = ZoneInfo("Asia/Atyrau")
    now = datetime(2025, 3, 1, 15, 0, tzinfo=zone)

    def event(kind: ShiftEventKind, hours_ago: int) -> ShiftEvent:
        return ShiftEvent(kind, now - timedelta(hours=hours_ago))

    opened = event(ShiftEventKind.OPENED, 6)
    trip = event(ShiftEventKind.TRIP_STARTED, 1)
    assert counting_since([opened, trip], now) == (trip.at, "since the trip started")
    ended = event(ShiftEventKind.TRIP_ENDED, 0)
    assert counting_since([opened, trip, ended], now) == (opened.at, "since the shift opened")
    closed = event(ShiftEventKind.CLOSED, 0)
    midnight = datetime(2025, 3, 1, tzinfo=zone)
    assert counting_since([opened, closed], now) == (midnight, "since midnight")
