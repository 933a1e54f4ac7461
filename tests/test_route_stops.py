"""Route stops on the bus: sync takes the ledger's signed route data (checked
with the pinned ledger key), keeps the stops, and a validator built afterwards
stamps each tap with the nearest stop of its route."""

from __future__ import annotations

import json
import os
from functools import reduce
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.admin_client import AdminClient
from ledger.serve import LedgerServer
from offline_store import OfflineStore
from sync.errors import DocumentRefused
from sync.routes import fetch_routes, parse_routes
from tests.remote_media_support import ROUTE, app_token, qr, unit, until
from tests.sync_support import admin, enrolled_bus, ledger
from validator.stops import Position, Stop

__all__ = ["admin", "ledger"]  # fixtures


def test_a_sync_keeps_the_stops_of_every_route_and_a_second_sync_keeps_them_as_they_are(
    tmp_path: Path, ledger: LedgerServer, admin: AdminClient
) -> None:
    bus = enrolled_bus(tmp_path, admin, ledger.url)
    try:
        first = bus.service.run_once()
        again = bus.service.run_once()
        stops = bus.store.routes.stops("12")
    finally:
        bus.store.close()
    assert first.routes is not None and again.routes is None
    assert [stop.code for stop in stops] == [f"12-0{n}" for n in range(1, 7)]
    assert stops[0].name == "Avangard" and stops[-1].name == "Railway station"


def test_route_data_that_the_pinned_key_did_not_sign_is_refused_and_nothing_is_kept(
    tmp_path: Path, ledger: LedgerServer, admin: AdminClient
) -> None:
    bus = enrolled_bus(tmp_path, admin, ledger.url)
    stranger = Ed25519PrivateKey.generate().public_key()
    try:
        with pytest.raises(DocumentRefused, match="pinned ledger key"):
            fetch_routes(bus.service.client, bus.store, stranger)
        assert bus.store.routes.version() == 0 and bus.store.routes.stops("12") == ()
    finally:
        bus.store.close()


@pytest.mark.parametrize(
    "routes",
    [
        None,
        [{"route": "12"}],
        [{"route": "12", "stops": [{"id": "a", "name": "A", "lat": 91.0, "lon": 51.0}]}],
        [{"route": "12", "stops": [{"id": "a", "name": "A", "lat": "47", "lon": 51.0}]}],
        [{"route": "12", "stops": [{"id": "", "name": "A", "lat": 47.0, "lon": 51.0}]}],
        [{"route": "12", "stops": ["not a stop"]}],
    ],
)
def test_malformed_route_data_is_refused_whole(routes: object) -> None:
    with pytest.raises(DocumentRefused, match="route data refused"):
        parse_routes(routes)


def _sentence(body: str) -> bytes:
    checksum = reduce(lambda acc, ch: acc ^ ord(ch), body, 0)
    return f"${body}*{checksum:02X}\r\n".encode()


def test_a_validator_built_after_a_sync_stamps_a_tap_with_the_nearest_stop_of_its_route(
    tmp_path: Path,
) -> None:
    near_fix = Stop("12-02", "Bazar", Position(47.1167, 51.9167))
    elsewhere = Stop("92-01", "Airport", Position(47.1167, 51.9167))
    with OfflineStore.open(tmp_path / "data", "REMOTE-1") as store:
        store.routes.replace_all(3, {ROUTE: (near_fix,), "92": (elsewhere,)})
    gps_master, slave = os.openpty()
    port = os.ttyname(slave)
    os.close(slave)
    gps = f'[gps]\nbackend = "serial"\nport = "{port}"\nstop_radius = 150\n'
    try:
        with unit(tmp_path, gps) as bus:
            state = bus.app.sources.gps_state
            assert state is not None
            os.write(
                gps_master, _sentence("GPRMC,081500,A,4707.002,N,05155.002,E,012.0,084.4,140325,,")
            )
            until(lambda: hasattr(state(), "lat"))
            bus.scan(qr(app_token()))
            extra = json.loads(bus.journal[-1].extra or "{}")
    finally:
        os.close(gps_master)
    assert extra["stop"] == "12-02"
