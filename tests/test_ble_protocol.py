"""The Bluetooth payment wire format, byte for byte, and the choice of phone."""

from __future__ import annotations

import pytest

from drivers.ble.protocol import (
    MAX_TOKEN_FRAMES,
    SERVICE_UUID,
    FrameError,
    PayAdvert,
    TokenAssembler,
    advert_local_name,
    advert_service_data,
    normalize_service_uuid,
    parse_advert,
    token_frames,
)
from drivers.ble.results import BleResult, decode_result, encode_result
from drivers.ble.selection import SelectionRules, SessionMemory, Window
from validator.config import ConfigError

SESSION = bytes.fromhex("0a1b2c3d")
RULES = SelectionRules(rssi_threshold=-65, tie_margin_db=3, min_samples=2)


def test_the_service_data_carries_version_session_and_language() -> None:
    data = advert_service_data(SESSION, "kk")
    assert data == bytes.fromhex("01 0a1b2c3d") + b"kk"
    assert parse_advert({SERVICE_UUID: data}, None, SERVICE_UUID) == PayAdvert(SESSION, "kk")


def test_service_data_without_a_language_still_names_the_session() -> None:
    data = bytes.fromhex("01 0a1b2c3d")
    assert parse_advert({SERVICE_UUID: data}, None, SERVICE_UUID) == PayAdvert(SESSION, None)


@pytest.mark.parametrize("data", [b"", b"\x01\x0a\x1b", bytes.fromhex("02 0a1b2c3d") + b"ru"])
def test_short_or_future_version_service_data_is_not_a_payment(data: bytes) -> None:
    assert parse_advert({SERVICE_UUID: data}, None, SERVICE_UUID) is None


def test_an_unknown_language_code_falls_back_to_the_validators() -> None:
    data = bytes.fromhex("01 0a1b2c3d") + b"de"
    assert parse_advert({SERVICE_UUID: data}, None, SERVICE_UUID) == PayAdvert(SESSION, None)


def test_an_iphone_names_its_session_in_the_local_name() -> None:
    assert advert_local_name(SESSION, "ru") == "KZT1-0a1b2c3d-ru"
    assert parse_advert({}, "KZT1-0a1b2c3d-ru", SERVICE_UUID) == PayAdvert(SESSION, "ru")
    assert parse_advert({}, "KZT1-0A1B2C3D", SERVICE_UUID) == PayAdvert(SESSION, None)


@pytest.mark.parametrize("name", [None, "", "Galaxy S21", "KZT1-0a1b2c3", "KZT1-0a1b2c3d-ru-x"])
def test_other_local_names_are_not_a_payment(name: str | None) -> None:
    assert parse_advert({}, name, SERVICE_UUID) is None


def test_the_service_data_of_another_service_is_not_read() -> None:
    other = "0000180d-0000-1000-8000-00805f9b34fb"
    assert parse_advert({other: advert_service_data(SESSION, "ru")}, None, SERVICE_UUID) is None


def test_a_160_byte_token_travels_in_one_frame_with_a_four_byte_header() -> None:
    token = bytes(range(160))
    assert token_frames(token) == [bytes.fromhex("00a0 0000") + token]


def test_a_long_token_is_split_into_frames_that_name_their_offset() -> None:
    frames = token_frames(bytes(1200))
    assert [f[:4].hex() for f in frames] == ["04b00000", "04b001fc", "04b003f8"]
    assert [len(f) for f in frames] == [512, 512, 188]


def test_the_assembler_puts_frames_back_together() -> None:
    token = bytes(range(256)) * 4
    assembler = TokenAssembler()
    done = [assembler.add(frame) for frame in token_frames(token, 300)]
    assert done == [False, False, False, True] and assembler.token == token


@pytest.mark.parametrize(
    ("frames", "complaint"),
    [
        ([b"\x00\x05\x00\x00"], "carries no token bytes"),
        ([b"\x00\x00\x00\x00x"], "not between 1 and 2048"),
        ([b"\x08\x01\x00\x00x"], "not between 1 and 2048"),
        ([b"\x00\x04\x00\x00ab", b"\x00\x05\x00\x02cd"], "changed from 4 to 5"),
        ([b"\x00\x04\x00\x00ab", b"\x00\x04\x00\x00ab"], "offset 0, expected 2"),
        ([b"\x00\x02\x00\x00abc"], "runs past"),
    ],
)
def test_frames_that_do_not_add_up_are_refused_with_a_reason(
    frames: list[bytes], complaint: str
) -> None:
    assembler = TokenAssembler()
    with pytest.raises(FrameError, match=complaint):
        for frame in frames:
            assembler.add(frame)


def test_a_phone_dribbling_one_byte_a_frame_is_cut_off() -> None:
    assembler = TokenAssembler()
    with pytest.raises(FrameError, match=f"more than {MAX_TOKEN_FRAMES} frames"):
        for frame in token_frames(bytes(100), 1):
            assembler.add(frame)


def test_the_result_is_version_outcome_session_reason_language_line() -> None:
    result = BleResult(True, "paid", {"ru": "Оплачено 80 ₸", "en": "Paid 80 ₸"})
    data = encode_result(result, "en", SESSION)
    assert data == bytes.fromhex("01 01 0a1b2c3d 04") + b"paid" + b"en" + "Paid 80 ₸".encode()
    view = decode_result(data)
    assert view is not None and (view.accepted, view.reason, view.line) == (
        True,
        "paid",
        "Paid 80 ₸",
    )


def test_a_result_without_a_line_in_the_phones_language_uses_another() -> None:
    data = encode_result(BleResult(False, "blocked", {"ru": "Карта заблокирована"}), "kk", SESSION)
    view = decode_result(data)
    assert view is not None and (view.language, view.line) == ("kk", "Карта заблокирована")


def test_a_result_never_exceeds_one_attribute_and_stays_valid_utf8() -> None:
    result = BleResult(False, "x" * 100, {"ru": "Ж" * 400})
    data = encode_result(result, "ru", SESSION)
    view = decode_result(data)
    assert len(data) <= 512 and view is not None
    assert view.reason == "x" * 32 and set(view.line) == {"Ж"}


@pytest.mark.parametrize(
    "data", [b"", b"\x02\x01abcd\x00ru", b"\x01\x07abcd\x00ru", b"\x01\x01abcd\x09x"]
)
def test_a_malformed_result_is_nothing_the_phone_would_show(data: bytes) -> None:
    assert decode_result(data) is None


def test_the_service_uuid_from_the_config_is_normalised_or_refused() -> None:
    assert normalize_service_uuid(SERVICE_UUID.upper()) == SERVICE_UUID
    with pytest.raises(ConfigError, match=r"ble.service_uuid 'kzt-pay' is not a 128-bit UUID"):
        normalize_service_uuid("kzt-pay")


# -- choosing the phone -----------------------------------------------------------


def window_with(*phones: tuple[str, list[int]]) -> Window[str]:
    window: Window[str] = Window()
    for round_ in range(max(len(samples) for _, samples in phones)):
        for name, samples in phones:
            if round_ < len(samples):
                window.hear(PayAdvert(name.encode(), None), name, samples[round_])
    return window


def chosen(window: Window[str], skip: frozenset[bytes] = frozenset()) -> str | None:
    sighting = window.choose(RULES, skip)
    return None if sighting is None else sighting.device


@pytest.mark.parametrize(
    ("phones", "served"),
    [
        ([("door", [-50, -51])], "door"),
        ([("seat", [-80, -81])], None),
        ([("door", [-50, -52]), ("seat", [-80, -80])], "door"),
        ([("a", [-60, -60]), ("b", [-50, -50])], "b"),
        ([("first", [-56, -56]), ("second", [-54, -54])], "first"),  # a tie: first heard
        ([("first", [-60, -60]), ("second", [-50, -50])], "second"),  # 10 dB is no tie
        ([("once", [-40])], None),  # one reading is not enough
        ([("hover", [-80, -60, -80, -60])], None),  # lower median -80
        ([("mostly", [-60, -70, -60, -60])], "mostly"),
        ([("edge", [-65, -65])], "edge"),  # at the threshold counts
        ([("junk", [127, 0, -127, 0])], None),  # the stacks' "no reading"
    ],
)
def test_the_nearest_phone_above_the_threshold_is_chosen(
    phones: list[tuple[str, list[int]]], served: str | None
) -> None:
    assert chosen(window_with(*phones)) == served


def test_a_session_already_served_is_skipped_for_the_next_nearest() -> None:
    window = window_with(("paid", [-45, -45]), ("next", [-55, -55]))
    assert chosen(window, frozenset({b"paid"})) == "next"


def test_a_phone_changing_its_address_is_still_one_phone() -> None:
    window: Window[str] = Window()
    window.hear(PayAdvert(SESSION, None), "old-address", -50)
    window.hear(PayAdvert(SESSION, None), "new-address", -50)
    assert chosen(window) == "new-address"


def test_the_session_memory_forgets_after_its_time() -> None:
    memory = SessionMemory()
    memory.remember(SESSION, now=100.0, seconds=2.0)
    assert memory.blocked(101.0) == {SESSION}
    assert memory.blocked(102.5) == frozenset()
