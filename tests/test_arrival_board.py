"""The arrival board: a bus's queued GPS positions reach the real ledger on
loopback (device-signed, deleted on the bus only once acknowledged), and the
ledger lists the bus at stops ahead of it with an estimated time, not behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from drivers.gps import Fix
from drivers.gps.nmea import NoFix
from ledger.admin_client import AdminClient
from ledger.serve import LedgerServer
from offline_store import OfflineStore
from tests.sync_support import admin, enrolled_bus, ledger
from validator.position_sampler import sample_position
from validator.stops import Position, Stop

__all__ = ["admin", "ledger"]  # fixtures

SATPAYEV_STREET = (47.1205, 51.9302)  # stop 12-02 of the seeded route 12


def _board(url: str, stop: str) -> list[dict[str, object]]:
    answer = requests.get(f"{url}/v1/stops/{stop}/arrivals", timeout=5)
    answer.raise_for_status()
    arrivals: list[dict[str, object]] = answer.json()["arrivals"]
    return arrivals


def test_a_bus_at_the_second_stop_is_on_the_board_of_a_later_stop_and_not_of_an_earlier_one(
    tmp_path: Path, ledger: LedgerServer, admin: AdminClient
) -> None:
    bus = enrolled_bus(tmp_path, admin, ledger.url)
    now = datetime.now(UTC)
    try:
        bus.store.positions.add(now - timedelta(seconds=60), "12", 47.1250, 51.9380, None)
        bus.store.positions.add(now - timedelta(seconds=30), "12", *SATPAYEV_STREET, "12-02")
        report = bus.service.run_once()
        left = bus.store.positions.count()
    finally:
        bus.store.close()
    assert report.positions == 2 and left == 0
    ahead = [
        a for a in _board(ledger.url, "12-05") if a["bus_number"] == bus.config.device.bus_number
    ]
    behind = _board(ledger.url, "12-01")
    assert len(ahead) == 1
    assert ahead[0]["at_stop"] == "12-02" and ahead[0]["stops_away"] == 3
    assert isinstance(ahead[0]["eta_minutes"], float) and ahead[0]["eta_minutes"] > 0
    assert all(a["bus_number"] != bus.config.device.bus_number for a in behind)


def test_positions_sent_again_are_acknowledged_and_kept_once(
    tmp_path: Path, ledger: LedgerServer, admin: AdminClient
) -> None:
    bus = enrolled_bus(tmp_path, admin, ledger.url)
    moment = datetime.now(UTC)
    try:
        for _ in range(2):
            bus.store.positions.add(moment, "12", *SATPAYEV_STREET, "12-02")
            report = bus.service.run_once()
            assert report.positions == 1 and bus.store.positions.count() == 0
    finally:
        bus.store.close()
    board = [
        a for a in _board(ledger.url, "12-06") if a["bus_number"] == bus.config.device.bus_number
    ]
    assert len(board) == 1


def test_the_board_of_a_stop_no_route_serves_says_so(ledger: LedgerServer) -> None:
    answer = requests.get(f"{ledger.url}/v1/stops/nowhere-99/arrivals", timeout=5)
    assert answer.status_code == 404 and answer.json()["error"] == "unknown_stop"


def test_the_gps_is_queued_for_the_board_only_while_it_has_a_fix(tmp_path: Path) -> None:

    stops = (Stop("12-02", "Satpayev street", Position(*SATPAYEV_STREET)),)
    now = datetime.now(UTC)
    with OfflineStore.open(tmp_path, "GPS-1") as store:
        fixed = Fix(now, *SATPAYEV_STREET, 12.0)
        assert sample_position(fixed, store, "12", stops, 150, now)
        assert not sample_position(NoFix(now, "searching"), store, "12", stops, 150, now)
        queued = store.positions.oldest(10)
    assert [(p.route, p.stop_id) for p in queued] == [("12", "12-02")]
