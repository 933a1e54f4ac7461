"""The emulated cards' frame logic, byte-exact, without sockets."""

from __future__ import annotations

from drivers.nfc.emulated_cards import (
    MF0UL11_VERSION,
    ClassicCard,
    UltralightCard,
    ultralight_pages,
)
from drivers.nfc.emulator import format_datagram, parse_datagram
from drivers.nfc.picc import Picc, State, cascade_levels, sel_req

UID7 = bytes.fromhex("04A1B2C3D4E5F6")


def test_the_anticollision_frames_of_a_7_byte_uid_are_byte_exact() -> None:
    picc = Picc(UltralightCard(UID7))
    assert picc.handle(bytes.fromhex("26")) == bytes.fromhex("4400")
    assert picc.handle(bytes.fromhex("9320")) == bytes.fromhex("8804A1B29F")
    assert picc.handle(bytes.fromhex("93708804A1B29F")) == bytes.fromhex("04")
    assert picc.handle(bytes.fromhex("9520")) == bytes.fromhex("C3D4E5F604")
    assert picc.handle(bytes.fromhex("9570C3D4E5F604")) == bytes.fromhex("00")
    assert picc.state is State.ACTIVE


def test_a_card_is_selected_directly_by_its_uid_without_sdd() -> None:
    picc = Picc(ClassicCard(UID7))
    assert picc.handle(bytes.fromhex("26")) == bytes.fromhex("4400")
    assert picc.handle(bytes.fromhex("93708804A1B29F")) == bytes.fromhex("04")
    assert picc.handle(bytes.fromhex("9570C3D4E5F604")) == bytes.fromhex("08")


def test_a_4_byte_classic_is_selected_in_one_cascade_level() -> None:
    picc = Picc(ClassicCard(bytes.fromhex("04A1B2C3")))
    assert picc.handle(b"\x26") == bytes.fromhex("0400")
    assert picc.handle(bytes.fromhex("9320")) == bytes.fromhex("04A1B2C3D4")
    assert picc.handle(bytes.fromhex("937004A1B2C3D4")) == bytes.fromhex("08")
    assert picc.state is State.ACTIVE


def test_a_select_for_another_uid_is_not_answered_and_the_card_goes_idle() -> None:
    picc = Picc(UltralightCard(UID7))
    picc.handle(b"\x26")
    assert picc.handle(bytes.fromhex("93708804A1B2FF")) is None
    assert picc.state is State.IDLE


def test_a_halted_card_wakes_up_on_wupa_but_not_on_reqa() -> None:
    picc = select(Picc(UltralightCard(UID7)))
    assert picc.handle(bytes.fromhex("5000")) is None
    assert picc.handle(b"\x26") is None
    assert picc.handle(b"\x52") == bytes.fromhex("4400")


def test_switching_the_field_off_resets_a_selected_card_to_idle() -> None:
    picc = select(Picc(UltralightCard(UID7)))
    picc.power_off()
    assert picc.state is State.IDLE
    assert picc.handle(bytes.fromhex("3000")) is None


def test_an_ultralight_answers_read_with_four_pages_holding_uid_and_bccs() -> None:
    picc = select(Picc(UltralightCard(UID7)))
    assert picc.handle(bytes.fromhex("3000")) == ultralight_pages(UID7)[:16]
    assert ultralight_pages(UID7)[:9] == bytes.fromhex("04A1B29F C3D4E5F6 04")


def test_an_ultralight_read_wraps_around_past_the_last_page() -> None:
    memory = bytes(range(80))
    picc = select(Picc(UltralightCard(UID7, pages=memory)))
    assert picc.handle(bytes.fromhex("3012")) == memory[72:80] + memory[0:8]
    assert picc.handle(bytes.fromhex("3014")) == b"\x00"  # NAK: no page 20


def test_an_ultralight_answers_get_version_like_an_ev1_and_goes_mute_on_auth() -> None:
    picc = select(Picc(UltralightCard(UID7)))
    assert picc.handle(b"\x60") == MF0UL11_VERSION
    assert picc.handle(bytes.fromhex("1A00")) is None
    assert picc.handle(bytes.fromhex("3000")) is None


def test_a_classic_does_not_answer_read_and_stays_mute_until_selected_again() -> None:
    picc = select(Picc(ClassicCard(UID7)))
    assert picc.handle(bytes.fromhex("3000")) is None
    assert picc.handle(b"\x60") is None
    assert select(picc).state is State.ACTIVE


def test_udp_datagrams_carry_hex_frames_both_ways() -> None:
    assert format_datagram(bytes.fromhex("8804A1B29F")) == b"106A 8804a1b29f"
    assert parse_datagram(b"106A 9570c3d4e5f604") == bytes.fromhex("9570C3D4E5F604")
    assert parse_datagram(b"212F 0600ffff0100") is None
    assert parse_datagram(b"106A zz") is None


def select(picc: Picc) -> Picc:
    """REQA and the select commands of every cascade level, as nfcpy sends them."""
    picc.handle(b"\x26")
    for level in range(len(cascade_levels(picc.card.uid))):
        picc.handle(sel_req(picc.card.uid, level))
    return picc
