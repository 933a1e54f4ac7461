"""Whatever a phone advertises or answers, nothing raises out of the Bluetooth
driver and nothing is accepted that the decision did not accept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from drivers.ble import (
    SERVICE_UUID,
    Air,
    BleOutcome,
    BlePaymentReader,
    BleResult,
    BleStatus,
    SimulatedPhone,
    decode_result,
    not_read_result,
    open_radio,
)
from drivers.ble.protocol import FrameError, TokenAssembler, parse_advert
from drivers.ble.results import encode_result
from tests.ble_support import ADVERT_INTERVAL, FAST

ADDRESS = "02:00:00:00:00:F0"
# Biased towards phones near enough to be served, so the reads are exercised.
rssi = st.one_of(
    st.integers(-60, -40), st.integers(-130, 130), st.lists(st.integers(-130, 130), max_size=6)
)
service_data = st.one_of(
    st.none(),  # the app's own, well-formed
    st.binary(min_size=4, max_size=12).map(lambda tail: b"\x01" + tail),
    st.binary(max_size=40),
)
local_name = st.one_of(st.none(), st.text(max_size=24), st.just("KZT1-0a1b2c3d-ru"))
frames = st.one_of(
    st.none(),  # the token, framed as the app would
    st.lists(st.binary(max_size=80), max_size=6),
    st.lists(st.binary(min_size=4, max_size=4).map(lambda h: h + b"x" * 20), max_size=4),
)


@pytest.fixture(scope="module")
def air() -> Air:
    return Air(advert_interval=ADVERT_INTERVAL)


@pytest.fixture(scope="module")
def reader(air: Air) -> Iterator[BlePaymentReader]:
    with BlePaymentReader(open_radio("simulated", air=air), FAST) as ble:
        yield ble


def decline_all(token: bytes) -> BleResult:
    assert isinstance(token, bytes) and token
    return BleResult(False, "forged", {"en": "Code not valid"})


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rssi=rssi,
    data=service_data,
    name=local_name,
    answers=frames,
    token=st.binary(min_size=1, max_size=300),
    leave=st.one_of(st.none(), st.integers(0, 300)),
)
def test_no_advertisement_or_answer_raises_out_of_the_driver_or_is_accepted(
    air: Air,
    reader: BlePaymentReader,
    rssi: int | list[int],
    data: bytes | None,
    name: str | None,
    answers: list[bytes] | None,
    token: bytes,
    leave: int | None,
) -> None:
    phone = SimulatedPhone(ADDRESS, rssi, token, leave, service_data=data, local_name=name)
    phone.frames = answers
    air.place(phone)
    try:
        outcome = reader.scan_and_pay_once(0.06, decline_all)
    finally:
        air.remove(ADDRESS)
    event(outcome.status.value)
    assert isinstance(outcome, BleOutcome) and outcome.detail
    assert outcome.status is not BleStatus.DECISION_FAILED  # the callback got whole bytes
    assert outcome.result is None or not outcome.result.accepted
    assert phone.seen is None or not phone.seen.accepted
    if outcome.status is BleStatus.NO_PHONE:
        assert phone.connections == 0


@given(st.dictionaries(st.text(max_size=40), st.binary(max_size=40)), local_name)
def test_any_advertisement_parses_to_a_session_or_to_nothing(
    data: dict[str, bytes], name: str | None
) -> None:
    data.setdefault(SERVICE_UUID, b"\x01\x00")
    parse_advert(data, name, SERVICE_UUID)


@given(st.lists(st.binary(max_size=600), max_size=20))
def test_any_characteristic_bytes_assemble_or_are_refused_as_frames(chunks: list[bytes]) -> None:
    assembler = TokenAssembler()
    try:
        for chunk in chunks:
            if assembler.add(chunk):
                break
    except FrameError:
        return


@given(st.binary(max_size=600))
def test_any_bytes_written_back_decode_to_a_result_or_to_nothing(data: bytes) -> None:
    decode_result(data)


@given(
    st.text(max_size=60),
    st.text(st.characters(codec=None), max_size=600),
    st.binary(min_size=4, max_size=4),
)
def test_any_result_fits_one_attribute_and_decodes(reason: str, line: str, session: bytes) -> None:
    data = encode_result(BleResult(True, reason, {"kk": line}), "kk", session)
    view = decode_result(data)
    shown = line.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    assert len(data) <= 512 and view is not None and shown.startswith(view.line)


def test_the_not_read_result_decodes_on_the_phone() -> None:
    view = decode_result(encode_result(not_read_result(), "kk", b"\x00" * 4))
    assert view is not None and not view.accepted and view.reason == "read_error"
