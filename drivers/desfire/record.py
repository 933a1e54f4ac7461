"""The default card record held in the DESFire record file (format 1).

| offset | length | field |
|---|---|---|
| 0 | 1 | format version, 0x01 |
| 1 | 10 | card number: 19 digits packed BCD, high nibble first, then a 0xF pad nibble |
| 11 | 1 | social category code (``CATEGORY_CODES``) |
| 12 | 4 | expiry date, BCD YYYYMMDD; the card is valid through that day |
| 16 | rest | reserved, zero |

The record is ``RECORD_LENGTH`` (32) bytes unless the profile says otherwise;
it is never shorter than ``MIN_RECORD_LENGTH`` (16).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from validator.model import Category

FORMAT_VERSION = 1
RECORD_LENGTH = 32
MIN_RECORD_LENGTH = 16
CARD_NUMBER_DIGITS = 19
_NUMBER = slice(1, 11)
_CATEGORY = 11
_EXPIRY = slice(12, 16)
_DIGITS = re.compile(r"[0-9]{19}")

CATEGORY_CODES: dict[Category, int] = {
    Category.STANDARD: 0,
    Category.PENSIONER: 1,
    Category.STUDENT: 2,
    Category.SCHOOLCHILD: 3,
    Category.DISABLED: 4,
    Category.VETERAN: 5,
}
_CATEGORIES = {code: category for category, code in CATEGORY_CODES.items()}


class RecordError(ValueError):
    """The bytes are not a valid card record, or the record cannot be encoded."""


@dataclass(frozen=True, slots=True)
class CardRecord:
    """What a transport card says about itself."""

    card_number: str  # 19 ASCII digits
    category: Category
    expires: date

    def __post_init__(self) -> None:
        if not _DIGITS.fullmatch(self.card_number):
            raise RecordError("the card number is 19 digits 0-9")


def _pack_bcd(digits: str) -> bytes:
    return bytes.fromhex(digits)


def _unpack_bcd(data: bytes, what: str) -> str:
    text = data.hex()
    if not text.isdigit():
        raise RecordError(f"the {what} is not BCD: {data.hex().upper()}")
    return text


def encode_record(record: CardRecord, length: int = RECORD_LENGTH) -> bytes:
    """The record file's bytes for ``record``, zero-padded to ``length``."""
    if length < MIN_RECORD_LENGTH:
        raise RecordError(f"a record is at least {MIN_RECORD_LENGTH} bytes, not {length}")
    number = bytes.fromhex(record.card_number + "f")
    category = bytes([CATEGORY_CODES[record.category]])
    expiry = _pack_bcd(record.expires.strftime("%Y%m%d").zfill(8))
    head = bytes([FORMAT_VERSION]) + number + category + expiry
    return head + bytes(length - len(head))


def _decode_number(data: bytes) -> str:
    text = data.hex()
    if text[-1] != "f":
        raise RecordError("the card number does not end with the 0xF pad nibble")
    if not text[:-1].isdigit():
        raise RecordError(f"the card number is not BCD: {text.upper()}")
    return text[:-1]


def _decode_expiry(data: bytes) -> date:
    text = _unpack_bcd(data, "expiry date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as error:
        raise RecordError(f"the expiry date {text} is not a date") from error


def _decode_category(code: int) -> Category:
    if code not in _CATEGORIES:
        raise RecordError(f"unknown social category code {code}")
    return _CATEGORIES[code]


def decode_record(data: bytes) -> CardRecord:
    """The record in ``data``; raises ``RecordError`` naming what is wrong."""
    if len(data) < MIN_RECORD_LENGTH:
        raise RecordError(f"a record is at least {MIN_RECORD_LENGTH} bytes, not {len(data)}")
    if data[0] != FORMAT_VERSION:
        raise RecordError(f"unknown record format {data[0]}")
    if any(data[MIN_RECORD_LENGTH:]):
        raise RecordError("the reserved bytes are not zero")
    return CardRecord(
        card_number=_decode_number(data[_NUMBER]),
        category=_decode_category(data[_CATEGORY]),
        expires=_decode_expiry(data[_EXPIRY]),
    )
