"""Bluetooth payments through bleak's real BleakScanner and BleakClient, with
simulated phones plugged in through bleak's ``backend=`` hook."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from drivers.ble import (
    Air,
    BleOutcome,
    BlePaymentReader,
    BleResult,
    BleStatus,
    SimulatedPhone,
    open_radio,
)
from drivers.ble.protocol import token_frames
from tests.ble_support import ADVERT_INTERVAL, FAST, Till, app_token
from validator.config import ConfigError

DOOR, SEAT = -50, -85  # dBm: a phone held at the validator, one further back


@pytest.fixture
def air() -> Air:
    return Air(advert_interval=ADVERT_INTERVAL)


@pytest.fixture
def reader(air: Air) -> Iterator[BlePaymentReader]:
    with BlePaymentReader(open_radio("simulated", air=air), FAST) as ble:
        yield ble


def phone(address: str, rssi: int | list[int], **options: Any) -> SimulatedPhone:
    return SimulatedPhone(f"02:00:00:00:00:{address}", rssi, app_token(), **options)


def test_the_phone_at_the_door_pays_and_sees_paid_on_its_screen(
    air: Air, reader: BlePaymentReader
) -> None:
    at_door = air.place(phone("01", DOOR))
    till = Till()
    outcome = reader.scan_and_pay_once(1.0, till)
    assert outcome.status is BleStatus.DECIDED
    assert till.tokens == [at_door.token]
    assert at_door.seen is not None and at_door.seen.accepted
    assert at_door.seen.line == "Оплачено 80 ₸ · баланс 1 160 ₸"
    assert at_door.seen.session == at_door.session


def test_a_phone_further_back_than_the_threshold_is_never_charged(
    air: Air, reader: BlePaymentReader
) -> None:
    seated = air.place(phone("02", SEAT))
    till = Till()
    outcome = reader.scan_and_pay_once(0.3, till)
    assert outcome.status is BleStatus.NO_PHONE
    assert till.tokens == [] and seated.connections == 0 and seated.seen is None


def test_of_two_phones_the_nearer_one_pays_and_the_one_behind_does_not(
    air: Air, reader: BlePaymentReader
) -> None:
    behind = air.place(phone("03", SEAT))
    nearer = air.place(phone("04", DOOR))
    till = Till()
    assert reader.scan_and_pay_once(1.0, till).address == nearer.address
    assert reader.scan_and_pay_once(0.3, till).status is BleStatus.NO_PHONE
    assert till.tokens == [nearer.token] and behind.connections == 0


def test_of_two_phones_inside_the_threshold_the_stronger_signal_pays_first(
    air: Air, reader: BlePaymentReader
) -> None:
    air.place(phone("05", -62))
    nearest = air.place(phone("06", -48))
    assert reader.scan_and_pay_once(1.0, Till()).address == nearest.address


def test_two_phones_equally_near_pay_one_after_the_other_first_pressed_first(
    air: Air, reader: BlePaymentReader
) -> None:
    first = air.place(phone("07", -55))
    second = air.place(phone("08", -54))  # within the 3 dB RSSI cannot tell apart
    till = Till()
    served = [reader.scan_and_pay_once(1.0, till).address for _ in range(2)]
    assert served == [first.address, second.address]
    assert first.seen is not None and second.seen is not None


def test_a_phone_hovering_around_the_threshold_is_not_served_on_one_lucky_reading(
    air: Air, reader: BlePaymentReader
) -> None:
    hovering = air.place(phone("09", [-80, -60, -80, -79]))
    assert reader.scan_and_pay_once(0.3, Till()).status is BleStatus.NO_PHONE
    assert hovering.connections == 0


def test_a_phone_mostly_above_the_threshold_is_served_despite_a_dip(
    air: Air, reader: BlePaymentReader
) -> None:
    air.place(phone("10", [-60, -72, -58, -61]))
    assert reader.scan_and_pay_once(1.0, Till()).status is BleStatus.DECIDED


def test_a_phone_that_leaves_mid_read_is_not_charged(air: Air, reader: BlePaymentReader) -> None:
    leaving = air.place(phone("11", DOOR, chunk=60, disconnect_after=60))
    till = Till()
    outcome = reader.scan_and_pay_once(1.0, till)
    assert outcome.status is BleStatus.PHONE_LEFT
    assert outcome.result is None and till.tokens == []
    assert "token not read" in outcome.detail
    assert leaving.seen is None


def test_a_phone_that_leaves_after_the_decision_keeps_its_tap(
    air: Air, reader: BlePaymentReader
) -> None:
    token = app_token()
    leaving = air.place(
        SimulatedPhone("02:00:00:00:00:12", DOOR, token, disconnect_after=len(token))
    )
    till = Till()
    outcome = reader.scan_and_pay_once(1.0, till)
    assert outcome.status is BleStatus.RESULT_NOT_SHOWN
    assert outcome.result is not None and outcome.result.accepted
    assert till.tokens == [token] and leaving.seen is None


def test_a_phone_that_stops_answering_times_out_without_a_charge(
    air: Air, air_reader_slow: BlePaymentReader
) -> None:
    silent = air.place(phone("13", DOOR, stall=True))
    till = Till()
    outcome = air_reader_slow.scan_and_pay_once(1.0, till)
    assert outcome.status is BleStatus.PHONE_LEFT
    assert "no answer within 0.2 s" in outcome.detail
    assert till.tokens == [] and silent.seen is None


@pytest.fixture
def air_reader_slow(air: Air) -> Iterator[BlePaymentReader]:
    settings = replace(FAST, read_timeout=0.2)
    with BlePaymentReader(open_radio("simulated", air=air), settings) as ble:
        yield ble


def test_a_phone_that_refuses_the_connection_is_not_charged(
    air: Air, reader: BlePaymentReader
) -> None:
    air.place(phone("14", DOOR, refuse_connect=True))
    till = Till()
    outcome = reader.scan_and_pay_once(1.0, till)
    assert outcome.status is BleStatus.CONNECT_FAILED and till.tokens == []


def test_a_token_longer_than_one_frame_arrives_whole(air: Air, reader: BlePaymentReader) -> None:
    token = app_token()
    air.place(SimulatedPhone("02:00:00:00:00:15", DOOR, token, chunk=32))
    till = Till()
    assert reader.scan_and_pay_once(1.0, till).status is BleStatus.DECIDED
    assert till.tokens == [token] and len(token_frames(token, 32)) > 3


def test_garbage_instead_of_a_token_reaches_the_decision_and_is_declined(
    air: Air, reader: BlePaymentReader
) -> None:
    joker = air.place(SimulatedPhone("02:00:00:00:00:16", DOOR, b"\x00not a token\xff"))
    till = Till()
    outcome = reader.scan_and_pay_once(1.0, till)
    assert till.tokens == [b"\x00not a token\xff"]
    assert outcome.status is BleStatus.DECIDED and outcome.result is not None
    assert not outcome.result.accepted
    assert joker.seen is not None and not joker.seen.accepted
    assert (joker.seen.reason, joker.seen.line) == ("forged", "Недействительный код")


def test_frames_that_do_not_add_up_are_not_charged_and_the_phone_is_asked_to_retry(
    air: Air, reader: BlePaymentReader
) -> None:
    muddled = air.place(phone("17", DOOR, frames=[b"\x00\x20\x00\x05abc"], language="en"))
    till = Till()
    outcome = reader.scan_and_pay_once(1.0, till)
    assert outcome.status is BleStatus.UNREADABLE and till.tokens == []
    assert muddled.seen is not None and not muddled.seen.accepted
    assert (muddled.seen.reason, muddled.seen.line) == ("read_error", "Not read · press Pay again")


@pytest.mark.parametrize(
    ("language", "line"),
    [("kk", "Төленді 80 ₸ · қалдық 1 160 ₸"), ("en", "Paid 80 ₸ · balance 1 160 ₸")],
)
def test_the_phone_shows_the_result_in_the_passengers_language(
    air: Air, reader: BlePaymentReader, language: str, line: str
) -> None:
    own = air.place(phone("18", DOOR, language=language))
    reader.scan_and_pay_once(1.0, Till())
    assert own.seen is not None and (own.seen.language, own.seen.line) == (language, line)


def test_a_phone_that_does_not_say_its_language_gets_the_validators(
    air: Air, reader: BlePaymentReader
) -> None:
    quiet = air.place(phone("19", DOOR, language=None))
    reader.scan_and_pay_once(1.0, Till())
    assert quiet.seen is not None and quiet.seen.language == "ru"


def test_an_iphone_with_its_session_in_the_local_name_pays(
    air: Air, reader: BlePaymentReader
) -> None:
    iphone = air.place(phone("20", DOOR, iphone=True, language="en"))
    assert reader.scan_and_pay_once(1.0, Till()).status is BleStatus.DECIDED
    assert iphone.seen is not None and iphone.seen.line.startswith("Paid 80 ₸")


def test_one_press_of_pay_is_served_once_even_if_the_phone_keeps_advertising(
    air: Air, reader: BlePaymentReader
) -> None:
    stubborn = air.place(phone("21", DOOR))
    till = Till()
    reader.scan_and_pay_once(1.0, till)
    stubborn.advertising = True  # an app that forgets to stop
    assert reader.scan_and_pay_once(0.3, till).status is BleStatus.NO_PHONE
    assert len(till.tokens) == 1 and stubborn.connections == 1


def test_a_decision_that_fails_tells_the_phone_out_of_service_without_crashing(
    air: Air, reader: BlePaymentReader
) -> None:
    unlucky = air.place(phone("22", DOOR))

    def broken(token: bytes) -> BleResult:
        raise OSError("disk I/O error")

    outcome = reader.scan_and_pay_once(1.0, broken)
    assert outcome.status is BleStatus.DECISION_FAILED and "disk I/O error" in outcome.detail
    assert unlucky.seen is not None and unlucky.seen.reason == "out_of_service"


def test_a_phone_advertising_another_service_is_not_served(
    air: Air, reader: BlePaymentReader
) -> None:
    other = "0000180d-0000-1000-8000-00805f9b34fb"  # a heart-rate strap, say
    strap = air.place(phone("23", DOOR, service_uuid=other))
    assert reader.scan_and_pay_once(0.3, Till()).status is BleStatus.NO_PHONE
    assert strap.connections == 0


def test_started_in_the_background_it_serves_phones_until_stopped(air: Air) -> None:
    outcomes: list[BleOutcome] = []
    served = threading.Event()

    def record(outcome: BleOutcome) -> None:
        outcomes.append(outcome)
        served.set()

    reader = BlePaymentReader(open_radio("simulated", air=air), FAST, on_outcome=record)
    till = Till()
    reader.start(till)
    try:
        payer = air.place(phone("24", DOOR))
        assert served.wait(10)
    finally:
        reader.stop()
    assert [o.status for o in outcomes] == [BleStatus.DECIDED]
    assert payer.seen is not None and payer.seen.accepted and till.tokens == [payer.token]


def test_with_the_radio_off_the_daemon_gets_one_clear_report(air: Air) -> None:
    air.radio_on = False
    outcomes: list[BleOutcome] = []
    reported = threading.Event()

    def record(outcome: BleOutcome) -> None:
        outcomes.append(outcome)
        reported.set()

    reader = BlePaymentReader(open_radio("simulated", air=air), FAST, on_outcome=record)
    reader.start(Till())
    try:
        assert reported.wait(10)
    finally:
        reader.stop()
    assert [o.status for o in outcomes] == [BleStatus.RADIO_UNAVAILABLE]
    assert "bluetoothd" in outcomes[0].detail


def test_the_real_bleak_backend_without_an_adapter_says_what_to_check() -> None:
    with BlePaymentReader(open_radio("bleak", adapter="hci9"), FAST) as ble:
        outcome = ble.scan_and_pay_once(0.2, Till())
    assert outcome.status is BleStatus.RADIO_UNAVAILABLE
    assert "hci9" in outcome.detail and "systemctl status bluetooth" in outcome.detail


def test_an_unknown_backend_name_is_a_configuration_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match=r'"bleak".*"simulated"'):
        open_radio("bluez")
