"""BER-TLV: byte-exact both ways on real card responses, strict on bad input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.emv.tlv import Tlv, TlvError, constructed, encode, find, parse, parse_dol, primitive

# A Visa Debit card's answer to SELECT PPSE, as posted on Stack Overflow
# ("Reading EMV card using PPSE and not PSE"), status word removed.
VISA_PPSE = bytes.fromhex(
    "6F2F840E325041592E5359532E4444463031A51DBF0C1A61184F07A0000000031010"
    "500A56495341204445424954870101"
)
# A Maestro card's PPSE FCI (Stack Overflow question 29541035).
MAESTRO_PPSE = bytes.fromhex(
    "6F2C840E325041592E5359532E4444463031A51ABF0C1761154F0CA0000000043060"
    "C123456789870103" + "9F2A0102"
)


def visa_ppse_tree() -> Tlv:
    entry = constructed(
        0x61,
        primitive(0x4F, bytes.fromhex("A0000000031010")),
        primitive(0x50, b"VISA DEBIT"),
        primitive(0x87, b"\x01"),
    )
    issuer = constructed(0xBF0C, entry)
    return constructed(0x6F, primitive(0x84, b"2PAY.SYS.DDF01"), constructed(0xA5, issuer))


def test_a_visa_ppse_answer_parses_into_its_templates() -> None:
    assert parse(VISA_PPSE) == (visa_ppse_tree(),)


def test_the_visa_ppse_tree_encodes_to_the_cards_exact_bytes() -> None:
    assert visa_ppse_tree().encode() == VISA_PPSE


def test_a_maestro_ppse_answer_round_trips_byte_for_byte() -> None:
    items = parse(MAESTRO_PPSE)
    assert encode(items) == MAESTRO_PPSE
    aid = find(items, 0x4F)
    kernel = find(items, 0x9F2A)
    assert aid is not None and aid.value.hex().upper() == "A0000000043060C123456789"
    assert kernel is not None and kernel.value == b"\x02"


def test_a_gpo_format_1_answer_is_one_primitive_object() -> None:
    data = bytes.fromhex("800E1980080101001001010018010200")
    assert parse(data) == (Tlv(0x80, bytes.fromhex("1980080101001001010018010200")),)


def test_a_long_value_uses_the_two_byte_length_form_both_ways() -> None:
    value = bytes(range(200))
    encoded = bytes.fromhex("5A81C8") + value
    assert primitive(0x5A, value).encode() == encoded
    assert parse(encoded) == (Tlv(0x5A, value),)
    assert encode(parse(encoded)) == encoded


def test_a_three_byte_tag_is_read_whole() -> None:
    assert parse(bytes.fromhex("DF810102ABCD")) == (Tlv(0xDF8101, b"\xab\xcd"),)


def test_zero_filler_between_objects_is_skipped() -> None:
    assert parse(bytes.fromhex("005A01120000")) == (Tlv(0x5A, b"\x12"),)


def test_a_pdol_reads_as_tag_and_length_pairs() -> None:
    pdol = bytes.fromhex("9F66049F02069F03069F1A0295055F2A029A039C019F3704")
    assert parse_dol(pdol) == (
        (0x9F66, 4),
        (0x9F02, 6),
        (0x9F03, 6),
        (0x9F1A, 2),
        (0x95, 5),
        (0x5F2A, 2),
        (0x9A, 3),
        (0x9C, 1),
        (0x9F37, 4),
    )


@pytest.mark.parametrize(
    ("hex_data", "why"),
    [
        ("5A", "length missing"),
        ("5A0512", "value truncated"),
        ("9F", "tag truncated"),
        ("9F8102", "multi-byte tag never ends"),
        ("9F800101FF", "non-minimal tag"),
        ("5A8105" + "00" * 5, "non-minimal long length"),
        ("5A820005" + "00" * 5, "non-minimal two-byte length"),
        ("6F80" + "5A0100" + "0000", "indefinite length"),
        ("5A8401000000", "four-byte length field"),
        ("5A81", "long length truncated"),
        ("DFFFFFFF0101", "tag of five bytes"),
        ("6F035A0512", "child truncated inside its template"),
    ],
)
def test_malformed_input_is_refused_with_a_tlv_error(hex_data: str, why: str) -> None:
    with pytest.raises(TlvError):
        parse(bytes.fromhex(hex_data))


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    item = primitive(0x5A, b"\x01")
    for _ in range(9):
        item = constructed(0x70, item)
    with pytest.raises(TlvError, match="deeper"):
        parse(item.encode())
    assert parse(item.encode(), max_depth=9)[0] == item


def test_encoding_refuses_a_primitive_tag_as_constructed_and_back() -> None:
    with pytest.raises(ValueError):
        constructed(0x5A)
    with pytest.raises(ValueError):
        primitive(0x70, b"")


# -- fuzzing --------------------------------------------------------------------

_TAGS = st.sampled_from([0x4F, 0x50, 0x57, 0x5A, 0x87, 0x9F02, 0x5F24, 0xDF8101])
_TEMPLATES = st.sampled_from([0x61, 0x6F, 0x70, 0x77, 0xA5, 0xBF0C])


def _trees(depth: int) -> st.SearchStrategy[Tlv]:
    leaf = st.builds(primitive, _TAGS, st.binary(min_size=0, max_size=300))
    if depth == 0:
        return leaf
    inner = st.lists(_trees(depth - 1), max_size=3)
    node = st.builds(lambda tag, kids: constructed(tag, *kids), _TEMPLATES, inner)
    return st.one_of(leaf, node)


@settings(max_examples=300)
@given(st.lists(_trees(4), max_size=4))
def test_any_well_formed_tree_round_trips_exactly(items: list[Tlv]) -> None:
    data = encode(items)
    assert parse(data) == tuple(items)
    assert encode(parse(data)) == data


@settings(max_examples=1000)
@given(st.binary(max_size=200))
def test_random_bytes_give_objects_or_a_tlv_error_and_nothing_else(data: bytes) -> None:
    with contextlib.suppress(TlvError):
        parse(data)


@settings(max_examples=500)
@given(st.lists(_trees(3), min_size=1, max_size=3), st.data())
def test_truncated_or_corrupted_trees_give_only_tlv_errors(
    items: list[Tlv], data: st.DataObject
) -> None:
    encoded = bytearray(encode(items))
    cut = data.draw(st.integers(0, len(encoded)))
    flip = st.tuples(st.integers(0, max(cut - 1, 0)), st.integers(0, 255))
    flips = data.draw(st.lists(flip, max_size=3))
    damaged = encoded[:cut]
    for index, byte in flips:
        if index < len(damaged):
            damaged[index] = byte
    with contextlib.suppress(TlvError):
        parse(bytes(damaged))


@settings(max_examples=300)
@given(st.binary(max_size=60))
def test_random_dol_bytes_give_pairs_or_a_tlv_error(data: bytes) -> None:
    with contextlib.suppress(TlvError):
        parse_dol(data)
