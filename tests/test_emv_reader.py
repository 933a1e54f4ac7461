"""Reading EMV contactless cards against the card emulator, fixture by fixture."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.emv import read_problem
from drivers.emv.card_model import EmvCardModel, EmvCardSession, load_card_model
from drivers.emv.reader import (
    CardLeft,
    EmvFailure,
    EmvProblem,
    EmvRead,
    TerminalData,
    build_pdol_data,
    read_emv,
)
from drivers.emv.tlv import constructed, primitive
from validator.ports import ReadProblem

FIXTURES = Path(__file__).parent / "fixtures" / "emv"
TERMINAL = TerminalData(
    amount=8000,  # 80 ₸ in tiyn
    unpredictable_number=bytes.fromhex("DEADBEEF"),
    transaction_date=date(2025, 3, 14),
)


def card(name: str) -> EmvCardSession:
    return EmvCardSession(load_card_model(FIXTURES / f"{name}.json"))


def raw_fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def read_ok(session: Callable[[bytes], bytes]) -> EmvRead:
    result = read_emv(session, TERMINAL)
    assert isinstance(result, EmvRead), result
    return result


def read_failure(session: Callable[[bytes], bytes]) -> EmvFailure:
    result = read_emv(session, TERMINAL)
    assert isinstance(result, EmvFailure), "expected a failure"
    return result


@pytest.mark.parametrize(
    ("fixture", "pan", "expiry", "psn", "aid"),
    [
        ("visa", "4761739001010010", date(2030, 12, 31), 1, "A0000000031010"),
        ("mastercard", "5413330089600010", date(2029, 11, 30), 1, "A0000000041010"),
        ("unionpay", "6250947000000014", date(2031, 6, 30), 1, "A000000333010102"),
        ("device_token", "4895370012345671", date(2028, 12, 31), 0, "A0000000031010"),
    ],
)
def test_each_kind_of_card_gives_its_pan_expiry_and_sequence_number(
    fixture: str, pan: str, expiry: date, psn: int, aid: str
) -> None:
    read = read_ok(card(fixture))
    assert (read.pan, read.expiry, read.pan_sequence) == (pan, expiry, psn)
    assert read.aid == bytes.fromhex(aid)


def test_the_visa_gpo_carries_the_pdol_filled_from_the_terminal_data() -> None:
    session = card("visa")
    read_ok(session)
    gpo = session.transcript[2][0]
    assert (
        gpo.hex().upper()
        == (
            "80A8000023" + "8321"
            "36004000"  # 9F66 TTQ
            "000000008000"  # 9F02 amount, 80.00 ₸
            "000000000000"  # 9F03 other amount
            "0398"  # 9F1A country
            "0000000000"  # 95 TVR: not ours to know, zeros
            "0398"  # 5F2A currency
            "250314"  # 9A date
            "00"  # 9C purchase
            "DEADBEEF"  # 9F37 unpredictable number
            "00"
        )
    )


def test_a_card_without_pdol_gets_an_empty_83_template() -> None:
    session = card("mastercard")
    read_ok(session)
    assert session.transcript[2][0] == bytes.fromhex("80A8000002830000")


def test_the_application_with_the_best_priority_is_selected_not_the_first_listed() -> None:
    session = card("mastercard")
    read_ok(session)
    assert session.transcript[1][0] == bytes.fromhex("00A4040007A000000004101000")


def test_unknown_pdol_tags_are_filled_with_zeros_of_the_requested_length() -> None:
    session = card("unionpay")
    read_ok(session)
    gpo = session.transcript[2][0]
    assert gpo[5:7] == bytes([0x83, 33 + 1 + 20])
    assert gpo[-22:-1] == bytes(21)


def test_the_reader_follows_the_afl_record_by_record() -> None:
    session = card("mastercard")
    read_ok(session)
    reads = [command.hex().upper() for command, _ in session.transcript[3:]]
    assert reads == ["00B2010C00", "00B2011400", "00B2011C00", "00B2021C00"]


def test_a_card_with_track_2_only_gives_pan_and_end_of_month_expiry() -> None:
    read = read_ok(card("track2_only"))
    assert read.pan == "4000000000000002"
    assert (read.expiry, read.pan_sequence) == (date(2027, 2, 28), None)


def test_an_expired_card_is_read_and_left_to_the_policy() -> None:
    read = read_ok(card("expired"))
    assert read.expiry == date(2020, 1, 31)


def test_the_clear_pan_never_shows_in_the_repr() -> None:
    read = read_ok(card("visa"))
    assert "4761739001010010" not in repr(read)
    assert read.masked_pan == "476173******0010"


def test_a_malformed_record_is_garbage() -> None:
    assert read_failure(card("malformed_record")).problem is EmvProblem.GARBAGE


def test_a_card_without_ppse_has_no_application() -> None:
    failure = read_failure(card("no_ppse"))
    assert failure.problem is EmvProblem.NO_APPLICATION
    assert read_problem(failure) is ReadProblem.UNSUPPORTED


def test_a_card_with_only_a_non_payment_application_has_none_for_us() -> None:
    raw = raw_fixture("visa")
    raw["applications"][0]["aid"] = "F00000000100"
    session = EmvCardSession(EmvCardModel.from_mapping(raw))
    assert read_failure(session).problem is EmvProblem.NO_APPLICATION


def test_a_record_the_card_refuses_to_read_is_declined_by_the_card() -> None:
    raw = raw_fixture("visa")
    raw["applications"][0]["afl"] = "08010200"  # names record 2, which the card lacks: 6A83
    failure = read_failure(EmvCardSession(EmvCardModel.from_mapping(raw)))
    assert failure.problem is EmvProblem.DECLINED_BY_CARD
    assert "6A83" in failure.detail


def test_a_pan_failing_the_luhn_check_is_garbage() -> None:
    raw = raw_fixture("track2_only")
    track2 = bytes.fromhex("4000000000000003D270220100")  # last PAN digit changed
    record = constructed(0x70, primitive(0x57, track2)).encode()
    raw["applications"][0]["records"]["1.1"] = record.hex()
    failure = read_failure(EmvCardSession(EmvCardModel.from_mapping(raw)))
    assert failure.problem is EmvProblem.GARBAGE


def test_a_record_without_card_data_is_garbage() -> None:
    raw = raw_fixture("track2_only")
    raw["applications"][0]["records"]["1.1"] = "70045F200154"
    failure = read_failure(EmvCardSession(EmvCardModel.from_mapping(raw)))
    assert failure.problem is EmvProblem.GARBAGE


def test_a_response_without_status_word_is_garbage() -> None:
    assert read_failure(lambda apdu: b"\x90").problem is EmvProblem.GARBAGE


class LeavesAfter:
    """The card answers ``count`` commands, then is pulled out of the field."""

    def __init__(self, session: EmvCardSession, count: int) -> None:
        self.session, self.count = session, count

    def __call__(self, apdu: bytes) -> bytes:
        if self.count == 0:
            raise CardLeft
        self.count -= 1
        return self.session(apdu)


@pytest.mark.parametrize("answered", range(6))
def test_a_card_pulled_away_at_any_step_is_card_left_and_the_next_tap_works(answered: int) -> None:
    failure = read_failure(LeavesAfter(card("mastercard"), answered))
    assert failure.problem is EmvProblem.CARD_LEFT
    assert read_problem(failure) is ReadProblem.CARD_LEFT
    assert read_ok(card("mastercard")).pan == "5413330089600010"


@pytest.mark.parametrize(
    ("pdol", "expected"),
    [
        ("9F0204", "00008000"),  # numeric, shorter: cut on the left
        ("9F0208", "0000000000008000"),  # numeric, longer: zeros on the left
        ("9F6602", "3600"),  # binary, shorter: cut on the right
        ("9F6606", "360040000000"),  # binary, longer: zeros on the right
        ("9F3503", "000000"),  # terminal type: unknown here, zeros
        ("", ""),
    ],
)
def test_pdol_values_are_cut_or_padded_as_emv_book_3_says(pdol: str, expected: str) -> None:
    assert build_pdol_data(bytes.fromhex(pdol), TERMINAL).hex().upper() == expected


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=80), min_size=1, max_size=8))
def test_fuzzed_card_answers_give_a_failure_value_never_an_exception(answers: list[bytes]) -> None:
    replies = iter(answers)
    result = read_emv(lambda apdu: next(replies, b"\x6a\x82"), TERMINAL)
    assert isinstance(result, EmvRead | EmvFailure)


@settings(max_examples=300)
@given(st.integers(0, 400), st.integers(0, 255), st.sampled_from(["visa", "mastercard"]))
def test_a_real_card_with_one_byte_damaged_never_crashes_the_reader(
    position: int, byte: int, fixture: str
) -> None:
    session = card(fixture)

    def damaged(apdu: bytes) -> bytes:
        response = bytearray(session(apdu))
        if position < len(response):
            response[position] = byte
        return bytes(response)

    assert isinstance(read_emv(damaged, TERMINAL), EmvRead | EmvFailure)


@pytest.mark.parametrize(
    "changes",
    [{"amount": -1}, {"amount": 10**12}, {"unpredictable_number": b"\x01"}, {"ttq": b""}],
)
def test_terminal_data_refuses_values_that_cannot_go_into_a_pdol(changes: dict[str, Any]) -> None:
    fields: dict[str, Any] = {
        "amount": 1,
        "unpredictable_number": bytes(4),
        "transaction_date": date(2025, 1, 1),
    }
    with pytest.raises(ValueError):
        TerminalData(**(fields | changes))
