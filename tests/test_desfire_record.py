"""The default card record layout, byte-exact both ways."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.desfire.record import (
    CATEGORY_CODES,
    CardRecord,
    RecordError,
    decode_record,
    encode_record,
)
from validator.model import Category

RECORD = CardRecord("9398000012345678901", Category.PENSIONER, date(2028, 12, 31))
ENCODED = bytes.fromhex("019398000012345678901F0120281231") + bytes(16)


def test_a_record_encodes_to_the_documented_bytes() -> None:
    assert encode_record(RECORD) == ENCODED


def test_the_documented_bytes_decode_to_the_record() -> None:
    assert decode_record(ENCODED) == RECORD


def test_a_record_can_be_encoded_to_the_minimum_16_bytes() -> None:
    assert encode_record(RECORD, 16) == ENCODED[:16]
    assert decode_record(ENCODED[:16]) == RECORD


def test_every_category_has_its_own_code() -> None:
    assert sorted(CATEGORY_CODES.values()) == list(range(len(Category)))


@pytest.mark.parametrize("number", ["123", "93980000123456789012", "939800001234567890a", "٣" * 19])
def test_a_card_number_other_than_19_ascii_digits_is_refused(number: str) -> None:
    with pytest.raises(RecordError, match="19 digits"):
        CardRecord(number, Category.STANDARD, date(2030, 1, 1))


def test_a_record_shorter_than_16_bytes_is_refused_both_ways() -> None:
    with pytest.raises(RecordError, match="at least 16"):
        encode_record(RECORD, 15)
    with pytest.raises(RecordError, match="at least 16"):
        decode_record(ENCODED[:15])


def corrupt(offset: int, value: int) -> bytes:
    data = bytearray(ENCODED)
    data[offset] = value
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (corrupt(0, 0x02), "unknown record format 2"),
        (corrupt(1, 0x9A), "not BCD"),
        (corrupt(10, 0x10), "0xF pad nibble"),
        (corrupt(11, 0x06), "unknown social category code 6"),
        (corrupt(14, 0x13), "20281331 is not a date"),
        (corrupt(13, 0x1A), "expiry date is not BCD"),
        (corrupt(31, 0x01), "reserved bytes are not zero"),
    ],
)
def test_a_malformed_record_is_refused_with_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        decode_record(data)


@given(
    st.from_regex(r"[0-9]{19}", fullmatch=True),
    st.sampled_from(Category),
    st.dates(min_value=date(1, 1, 1)),
    st.integers(min_value=16, max_value=64),
)
def test_any_record_survives_encode_then_decode(
    number: str, category: Category, expires: date, length: int
) -> None:
    record = CardRecord(number, category, expires)
    assert decode_record(encode_record(record, length)) == record


@given(st.binary(max_size=40))
def test_decoding_any_bytes_gives_a_record_or_a_record_error(data: bytes) -> None:
    try:
        record = decode_record(data)
    except RecordError:
        return
    assert encode_record(record, len(data)) == data
