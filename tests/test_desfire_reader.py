"""The reader protocol against the in-memory card model, and byte-exact
against a published EV1 AES authentication trace ("DESFire EV1 Communication
Examples": AuthenticateAES with key 0 = 00…00)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.desfire import (
    CardLeft,
    CardRecord,
    DesfireCardModel,
    DesfireFailure,
    DesfireProblem,
    DesfireProfile,
    DesfireRead,
    personalise,
    read_transport_card,
    to_port_result,
)
from drivers.desfire.card_model import NEVER
from drivers.desfire.crypto import BLOCK
from drivers.desfire.reader import authenticate_aes, wrap
from validator.model import Category, Medium
from validator.ports import CardRead, ReadFailure, ReadProblem

MASTER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
UID = bytes.fromhex("04782E21801D80")
RECORD = CardRecord("9398000012345678901", Category.STUDENT, date(2027, 8, 31))
PROFILE = DesfireProfile()


def personalised_card(uid: bytes = UID, master: bytes = MASTER) -> DesfireCardModel:
    card = DesfireCardModel(uid)
    personalise(card, master, RECORD, PROFILE)
    return card


def read(exchange: Callable[[bytes], bytes], uid: bytes = UID) -> object:
    return read_transport_card(exchange, uid, PROFILE, MASTER)


def problem_of(result: object) -> DesfireProblem:
    assert isinstance(result, DesfireFailure), result
    return result.problem


class TearingExchange:
    """The card leaves the field after ``calls`` exchanges."""

    def __init__(self, card: DesfireCardModel, calls: int) -> None:
        self.card = card
        self.calls = calls

    def __call__(self, apdu: bytes) -> bytes:
        if self.calls == 0:
            self.card.reset()
            raise CardLeft
        self.calls -= 1
        return self.card(apdu)


def test_reader_authenticates_byte_for_byte_as_in_the_published_aes_trace() -> None:
    sent: list[bytes] = []
    answers = iter(
        [
            bytes.fromhex("B969FDFE56FD91FC9DE6F6F213B8FD1E91AF"),
            bytes.fromhex("800DB680BC146BD121D6578F2D2E205991 00".replace(" ", "")),
        ]
    )

    def exchange(apdu: bytes) -> bytes:
        sent.append(apdu)
        return next(answers)

    rnd_a = bytes.fromhex("F44B26F5686F3A391CD38EBD10772281")
    session = authenticate_aes(exchange, 0, bytes(16), rnd_a)
    token = "36AAD7DF6E436BA08D18613830A70D5AD43E3D3F4A8D47541EEE623A934E4774"
    assert sent == [bytes.fromhex("90AA0000010000"), bytes.fromhex(f"90AF000020{token}00")]
    assert session.key.hex().upper() == "F44B26F5C05DDD7110772281C4D066E8"
    assert session.iv == bytes(BLOCK)


def test_card_model_answers_the_published_trace_when_given_its_rnd_b() -> None:
    rnd_b = bytes.fromhex("C05DDD714FD788A6B7B754F3C4D066E8")
    card = DesfireCardModel(UID, bytes(16), random=lambda n: rnd_b[:n])
    assert card(wrap(0xAA, b"\x00")).hex().upper() == "B969FDFE56FD91FC9DE6F6F213B8FD1E91AF"
    token = bytes.fromhex("36AAD7DF6E436BA08D18613830A70D5AD43E3D3F4A8D47541EEE623A934E4774")
    assert card(wrap(0xAF, token)).hex().upper() == "800DB680BC146BD121D6578F2D2E20599100"


def test_a_personalised_card_is_read_and_its_record_verified() -> None:
    assert read(personalised_card()) == DesfireRead(RECORD)


def test_the_same_card_reads_again_on_the_next_tap() -> None:
    card = personalised_card()
    assert read(card) == DesfireRead(RECORD)
    card.reset()
    assert read(card) == DesfireRead(RECORD)


def test_a_card_keyed_from_another_master_key_fails_authentication() -> None:
    card = personalised_card(master=bytes(16))
    assert problem_of(read(card)) is DesfireProblem.AUTH_FAILED


def test_a_card_with_another_uid_fails_authentication_with_this_uid() -> None:
    card = personalised_card(uid=bytes.fromhex("04112233445566"))
    assert problem_of(read(card)) is DesfireProblem.AUTH_FAILED


def test_a_clone_with_the_uid_but_no_application_has_no_application() -> None:
    clone = DesfireCardModel(UID)
    assert problem_of(read(clone)) is DesfireProblem.NO_APPLICATION


def test_a_card_that_tampers_with_the_mac_gives_bad_mac() -> None:
    card = personalised_card()
    card.tamper_mac = True
    assert problem_of(read(card)) is DesfireProblem.BAD_MAC


def test_a_card_that_does_not_know_the_key_fails_the_rnd_a_check() -> None:
    card = personalised_card()

    def impostor(apdu: bytes) -> bytes:
        answer = card(apdu)
        if apdu[1] == 0xAF:  # replace the card's E(RndA') with anything else
            return bytes(16) + answer[-2:]
        return answer

    result = read(impostor)
    assert problem_of(result) is DesfireProblem.AUTH_FAILED
    assert isinstance(result, DesfireFailure)
    assert "does not know the key" in result.detail


def test_a_card_leaving_mid_authentication_reads_on_the_next_tap() -> None:
    card = personalised_card()
    assert problem_of(read(TearingExchange(card, calls=2))) is DesfireProblem.CARD_LEFT
    assert read(card) == DesfireRead(RECORD)


def test_a_card_leaving_at_any_step_is_card_left_and_never_a_record() -> None:
    for calls in range(4):
        card = personalised_card()
        assert problem_of(read(TearingExchange(card, calls))) is DesfireProblem.CARD_LEFT
        assert read(card) == DesfireRead(RECORD)


def test_a_record_longer_than_one_frame_is_read_across_additional_frames() -> None:
    profile = DesfireProfile(record_length=100)
    card = DesfireCardModel(UID)
    personalise(card, MASTER, RECORD, profile)
    assert read_transport_card(card, UID, profile, MASTER) == DesfireRead(RECORD)


def test_a_card_that_answers_an_iso_error_is_garbage() -> None:
    assert problem_of(read(lambda apdu: b"\x6e\x00")) is DesfireProblem.GARBAGE


def test_a_uid_too_long_to_diversify_is_garbage_not_an_exception() -> None:
    card = personalised_card()
    profile = DesfireProfile(system_identifier=bytes(21))
    result = read_transport_card(card, bytes(10), profile, MASTER)
    assert problem_of(result) is DesfireProblem.GARBAGE


def test_card_model_refuses_reading_the_record_without_authentication() -> None:
    card = personalised_card()
    assert card(wrap(0x5A, PROFILE.aid)) == b"\x91\x00"
    assert card(wrap(0xBD, b"\x01" + bytes(6))) == b"\x91\xae"


def test_card_model_refuses_reading_with_a_key_that_has_no_read_right() -> None:
    card = personalised_card()
    application = card.applications[PROFILE.aid]
    application.keys[0] = bytes(16)
    application.files[PROFILE.file_no].read_write_key = NEVER
    card(wrap(0x5A, PROFILE.aid))
    authenticate_aes(card, 0, bytes(16), bytes(range(16)))
    assert card(wrap(0xBD, b"\x01" + bytes(6))) == b"\x91\x9d"


def test_card_model_answers_the_native_status_codes() -> None:
    card = personalised_card()
    assert card(wrap(0x5A, b"\x01\x02\x03")) == b"\x91\xa0"
    assert card(wrap(0x5A, b"\x01")) == b"\x91\x7e"
    assert card(wrap(0xAA, b"\x0e")) == b"\x91\x40"
    assert card(wrap(0xBD, b"\x05" + bytes(6))) == b"\x91\xf0"
    assert card(wrap(0xAF)) == b"\x91\x1c"
    assert card(wrap(0x60)) == b"\x91\x1c"
    assert card(b"\x00\xa4\x04\x00") == b"\x6e\x00"
    assert card(b"\x90\x5a\x01\x00\x00") == b"\x6a\x86"


def test_card_model_refuses_a_wrong_key_with_an_authentication_error() -> None:
    card = personalised_card()
    card(wrap(0x5A, PROFILE.aid))
    rnd_b_enc = card(wrap(0xAA, b"\x01"))
    assert rnd_b_enc[-2:] == b"\x91\xaf" and len(rnd_b_enc) == 18
    assert card(wrap(0xAF, bytes(32))) == b"\x91\xae"


def test_card_model_reads_beyond_the_file_as_a_boundary_error() -> None:
    card = personalised_card()
    card(wrap(0x5A, PROFILE.aid))
    authenticate_aes(card, 1, card.applications[PROFILE.aid].keys[1], bytes(16))
    assert card(wrap(0xBD, b"\x01" + bytes(3) + b"\x21\x00\x00")) == b"\x91\xbe"


def test_a_successful_read_becomes_a_desfire_presentation() -> None:
    port = to_port_result(DesfireRead(RECORD), UID)
    assert isinstance(port, CardRead)
    assert port.presentation.medium is Medium.DESFIRE
    assert port.presentation.card_number == RECORD.card_number
    assert port.presentation.uid == "04782E21801D80"


def test_a_clone_becomes_an_unsupported_card_and_a_torn_read_card_left() -> None:
    clone = to_port_result(DesfireFailure(DesfireProblem.NO_APPLICATION, "x"), UID)
    torn = to_port_result(DesfireFailure(DesfireProblem.CARD_LEFT, "x"), UID)
    assert isinstance(clone, ReadFailure) and clone.problem is ReadProblem.UNSUPPORTED
    assert isinstance(torn, ReadFailure) and torn.problem is ReadProblem.CARD_LEFT


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), min_size=1, max_size=8))
def test_the_reader_never_raises_whatever_the_card_answers(answers: list[bytes]) -> None:
    replies = iter(answers)
    result = read(lambda apdu: next(replies, b"\x91\x00"))
    assert isinstance(result, DesfireFailure)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=3), st.integers(0, 70), st.binary(max_size=4))
def test_a_genuine_answer_with_bytes_changed_never_reads_another_record(
    step: int, position: int, noise: bytes
) -> None:
    card = personalised_card()
    calls = iter(range(100))

    def corrupting(apdu: bytes) -> bytes:
        answer = card(apdu)
        if next(calls) != step:
            return answer
        return answer[:position] + noise + answer[position + len(noise) :]

    result = read(corrupting)
    assert result == DesfireRead(RECORD) or isinstance(result, DesfireFailure)
