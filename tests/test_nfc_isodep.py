"""ISO-DEP (Type 4A) cards through nfcpy's Type4Tag and the emulated card."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.nfc import (
    CardEmulator,
    Exchange,
    IsoDepApplication,
    IsoDepCard,
    NfcpyReader,
    select_by_name,
)
from validator.model import Medium, Presentation
from validator.ports import CardRead, ReadFailure, ReadProblem

UID7 = bytes.fromhex("04112233445566")
AID = bytes.fromhex("F0010203040506")
GET_DATA = bytes.fromhex("80CA9F7F00")


class RecordingApplet:
    """An APDU handler that remembers every command and answers SELECT of AID."""

    def __init__(self, response_size: int = 4) -> None:
        self.commands: list[bytes] = []
        self.response = bytes(range(256)) * (response_size // 256) + bytes(response_size % 256)

    def __call__(self, apdu: bytes) -> bytes:
        self.commands.append(apdu)
        if apdu == select_by_name(AID):
            return bytes.fromhex("6F03840100") + b"\x90\x00"
        if apdu.startswith(GET_DATA[:2]):
            return self.response + b"\x90\x00"
        return b"\x6a\x82"


def echo_what_the_card_said(exchange: Exchange, selected: bytes, uid: bytes) -> ReadFailure:
    answer = exchange(GET_DATA + bytes(70))  # longer than one 64-byte frame
    return ReadFailure(ReadProblem.UNSUPPORTED, f"{selected.hex()} {answer.hex()}")


@pytest.fixture
def field() -> Iterator[CardEmulator]:
    with CardEmulator("127.0.0.1", 0) as emulator:
        yield emulator


@pytest.fixture
def reader(field: CardEmulator) -> Iterator[NfcpyReader]:
    reader = NfcpyReader.open(field.path)
    yield reader
    reader.close()


def test_an_iso_dep_card_is_unsupported_while_no_application_is_registered(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    applet = RecordingApplet()
    field.place(IsoDepCard(UID7, applet))
    result = reader.poll(0.5)
    assert isinstance(result, ReadFailure)
    assert (result.problem, result.uid) == (ReadProblem.UNSUPPORTED, "04112233445566")
    assert applet.commands == []


def test_a_registered_application_gets_the_card_after_nfcpy_selected_it(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    applet = RecordingApplet(response_size=600)  # answered in chained blocks
    field.place(IsoDepCard(UID7, applet))
    reader.register(IsoDepApplication.by_aid("test", AID, echo_what_the_card_said))
    result = reader.poll(0.5)
    assert applet.commands == [select_by_name(AID), GET_DATA + bytes(70)]
    expected = "6f03840100 " + (applet.response + bytes.fromhex("9000")).hex()
    assert result == ReadFailure(ReadProblem.UNSUPPORTED, expected)


def test_an_application_the_card_refuses_is_skipped(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    applet = RecordingApplet()
    field.place(IsoDepCard(UID7, applet))
    never = IsoDepApplication.by_aid("other", bytes.fromhex("A0000000031010"), fail_test)
    reader.register(never)
    reader.register(IsoDepApplication.by_aid("test", AID, read_as_app))
    assert reader.poll(0.5) == CardRead(Presentation(Medium.APP_NFC, card_number="1" * 19))
    assert len(applet.commands) == 2


def test_an_iso_dep_card_that_leaves_during_an_exchange_is_card_left(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.place(IsoDepCard(UID7, RecordingApplet()))
    field.leave_after(2)  # RATS and SELECT answered, gone before GET DATA
    reader.register(IsoDepApplication.by_aid("test", AID, echo_what_the_card_said))
    result = reader.poll(0.5)
    assert isinstance(result, ReadFailure)
    assert (result.problem, result.uid) == (ReadProblem.CARD_LEFT, "04112233445566")


def test_an_iso_dep_card_held_in_the_field_stays_present(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.place(IsoDepCard(UID7, RecordingApplet()))
    assert isinstance(reader.poll(0.5), ReadFailure)
    assert reader.still_present("04112233445566")


def read_as_app(exchange: Exchange, selected: bytes, uid: bytes) -> CardRead:
    return CardRead(Presentation(Medium.APP_NFC, card_number="1" * 19))


def fail_test(exchange: Exchange, selected: bytes, uid: bytes) -> CardRead:
    raise AssertionError("the card refused this application's SELECT")
