"""The real nfcpy reader against the emulated field, over nfcpy's udp device."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.errors import DeviceUnavailable
from drivers.nfc import (
    CardEmulator,
    ClassicCard,
    GarbageUltralightCard,
    NfcpyReader,
    UltralightCard,
    emulate_until_interrupted,
)
from drivers.nfc.classify import ultralight_page_problem
from drivers.nfc.emulated_cards import ultralight_pages
from validator.model import Medium, Presentation
from validator.ports import CardRead, ReadFailure, ReadProblem

UID4 = bytes.fromhex("04A1B2C3")
UID7 = bytes.fromhex("04A1B2C3D4E5F6")


@pytest.fixture(scope="module")
def field() -> Iterator[CardEmulator]:
    with CardEmulator("127.0.0.1", 0) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def shared_reader(field: CardEmulator) -> Iterator[NfcpyReader]:
    reader = NfcpyReader.open(field.path)
    yield reader
    reader.close()


@pytest.fixture
def reader(field: CardEmulator, shared_reader: NfcpyReader) -> Iterator[NfcpyReader]:
    yield shared_reader
    field.remove()


def test_a_4_byte_classic_card_is_read_as_classic_by_its_uid(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.place(ClassicCard(UID4))
    assert reader.poll(0.5) == CardRead(Presentation(Medium.CLASSIC, uid="04A1B2C3"))


def test_a_7_byte_classic_card_is_read_as_classic_by_its_uid(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.place(ClassicCard(UID7))
    assert reader.poll(0.5) == CardRead(Presentation(Medium.CLASSIC, uid="04A1B2C3D4E5F6"))


def test_an_ultralight_is_read_as_ultralight_by_its_uid(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.place(UltralightCard(UID7))
    assert reader.poll(0.5) == CardRead(Presentation(Medium.ULTRALIGHT, uid="04A1B2C3D4E5F6"))


def test_a_classic_card_held_in_the_field_stays_present_until_it_is_removed(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.place(ClassicCard(UID4))
    assert isinstance(reader.poll(0.5), CardRead)
    assert all(reader.still_present("04A1B2C3") for _ in range(5))
    field.remove()
    assert not reader.still_present("04A1B2C3")


def test_another_card_in_the_field_is_not_the_card_still_present(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.place(ClassicCard(bytes.fromhex("0499AABB")))
    assert not reader.still_present("04A1B2C3")
    assert not reader.still_present("not hex")


def test_an_ultralight_answering_a_wrong_bcc_is_garbage(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    pages = bytearray(ultralight_pages(UID7))
    pages[8] ^= 0xFF  # BCC1
    field.place(UltralightCard(UID7, pages=bytes(pages)))
    assert reader.poll(0.5) == ReadFailure(
        ReadProblem.GARBAGE, "BCC1 in page 2 is wrong", "04A1B2C3D4E5F6", Medium.ULTRALIGHT
    )


def test_an_ultralight_answering_read_with_the_wrong_length_is_garbage(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.place(GarbageUltralightCard(UID7, ultralight_pages(UID7)[:15]))
    result = reader.poll(0.5)
    assert isinstance(result, ReadFailure)
    assert result.problem is ReadProblem.GARBAGE


def test_a_card_that_leaves_mid_read_is_card_left_and_reads_when_placed_again(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    card = UltralightCard(UID7).leave_after(0)  # selected, then gone before READ
    field.place(card)
    result = reader.poll(0.5)
    assert isinstance(result, ReadFailure)
    assert (result.problem, result.uid) == (ReadProblem.CARD_LEFT, "04A1B2C3D4E5F6")
    field.place(card)
    assert reader.poll(0.5) == CardRead(Presentation(Medium.ULTRALIGHT, uid="04A1B2C3D4E5F6"))


def test_an_empty_field_polls_none(reader: NfcpyReader) -> None:
    assert reader.poll(0.1) is None


def test_a_card_placed_while_the_reader_waits_for_an_answer_is_read_in_that_poll(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    placing = threading.Timer(0.1, field.place, (ClassicCard(UID4),))
    placing.start()
    try:
        assert reader.poll(0.0) == CardRead(Presentation(Medium.CLASSIC, uid="04A1B2C3"))
    finally:
        placing.join()


def test_a_card_presented_for_a_while_leaves_by_itself(
    field: CardEmulator, reader: NfcpyReader
) -> None:
    field.present_for(ClassicCard(UID4), 0.05)
    while field.card is not None:
        time.sleep(0.01)
    assert not reader.still_present("04A1B2C3")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answer=st.binary(max_size=600))
def test_whatever_an_ultralight_answers_to_read_the_reader_returns_a_value(
    field: CardEmulator, reader: NfcpyReader, answer: bytes
) -> None:
    field.place(GarbageUltralightCard(UID7, answer))
    result = reader.poll(0.5)
    assert isinstance(result, CardRead | ReadFailure)
    if ultralight_page_problem(UID7, answer) is not None:
        assert isinstance(result, ReadFailure)


@pytest.mark.parametrize("path", ["usb:ffff:ffff", "tty:doesnotexist", "tty:doesnotexist:pn532"])
def test_opening_a_reader_at_a_bad_path_says_which_path(path: str) -> None:
    with pytest.raises(DeviceUnavailable) as raised:
        NfcpyReader.open(path)
    assert repr(path) in str(raised.value)


def test_the_cli_helper_keeps_a_card_in_the_field_and_says_where() -> None:
    out = io.StringIO()
    emulate_until_interrupted(ClassicCard(UID4), "127.0.0.1", 0, 0.05, out)
    first, last = out.getvalue().splitlines()
    assert first.startswith("MIFARE Classic 04A1B2C3 is in the field at udp:127.0.0.1:")
    assert last == "MIFARE Classic 04A1B2C3 was taken away."
