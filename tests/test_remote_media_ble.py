"""Bluetooth payments into the pipeline: the daemon's own wiring (``[ble]
backend = "simulated"``) runs bleak's BleakScanner and BleakClient over
simulated phones; each decided payment is a journal row like a card tap."""

from __future__ import annotations

import time
from pathlib import Path

from drivers.ble import Air, SimulatedPhone
from tests.remote_media_support import CARD, Unit, app_token, unit, until
from validator.model import Reason

BLE = (
    '[ble]\nbackend = "simulated"\nrssi_threshold = -65\nscan_window = 0.05\n'
    "connect_timeout = 1.0\nread_timeout = 1.0\nwrite_timeout = 1.0\n"
)


def _air(bus: Unit) -> Air:
    air = bus.app.sources.air
    assert air is not None
    air.advert_interval = 0.005
    return air


def _phone(n: int, rssi: int, **options: object) -> SimulatedPhone:
    return SimulatedPhone(f"02:00:00:00:00:0{n}", rssi, app_token(), **options)  # type: ignore[arg-type]


def test_of_two_phones_the_nearer_one_pays_and_sees_it(tmp_path: Path) -> None:
    with unit(tmp_path, BLE) as bus:
        air = _air(bus)
        near, behind = air.place(_phone(1, -50)), air.place(_phone(2, -62))
        until(lambda: near.seen is not None)
        assert near.seen is not None and near.seen.accepted
        first = bus.wait_answer(0)
        assert (first.medium, first.decision.reason) == ("ble", Reason.PAID)
        assert bus.journal[0].card_number == CARD
        until(lambda: behind.seen is not None)  # it pressed pay too: served after
        assert len(bus.journal) == 2


def test_a_phone_below_the_threshold_is_ignored(tmp_path: Path) -> None:
    with unit(tmp_path, BLE) as bus:
        far = _air(bus).place(_phone(3, -85))
        time.sleep(0.5)  # many scan windows pass with the phone advertising
        assert far.connections == 0 and far.seen is None
        assert bus.journal == []


def test_a_phone_that_leaves_mid_read_is_not_charged_and_the_next_one_pays(
    tmp_path: Path,
) -> None:
    with unit(tmp_path, BLE) as bus:
        air = _air(bus)
        leaving = air.place(_phone(4, -50, disconnect_after=40, chunk=16))
        until(lambda: leaving.connections >= 1)
        air.remove(leaving.address)
        assert bus.journal == []
        staying = air.place(_phone(5, -55))
        until(lambda: staying.seen is not None)
        assert [(r.medium, r.reason) for r in bus.journal] == [("ble", "paid")]
