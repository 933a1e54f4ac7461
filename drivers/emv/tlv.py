"""BER-TLV as EMV uses it (EMV Book 3, Annex B; ISO/IEC 8825-1 subset).

Strict on purpose: a card that sends something a real card would not send is
refused with ``TlvError`` and nothing else. Refused: truncated tags, lengths
or values; indefinite lengths (``80``); non-minimal lengths (``81 05``) and
tags (``9F 80 01``); length fields of more than three bytes; tags of more
than four bytes; nesting deeper than ``max_depth``. Single ``00`` bytes
between objects are skipped (EMV Book 3 B1 allows them as filler).

Because lengths must be minimal, ``encode(parse(data)) == data`` for any
accepted input without filler bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "Tlv",
    "TlvError",
    "constructed",
    "encode",
    "find",
    "is_constructed",
    "length_bytes",
    "parse",
    "parse_dol",
    "primitive",
    "tag_bytes",
]

DEFAULT_MAX_DEPTH = 8
_MAX_TAG_BYTES = 4
_MAX_LENGTH_BYTES = 3


class TlvError(ValueError):
    """The bytes are not well-formed BER-TLV; the message says where."""


@dataclass(frozen=True, slots=True)
class Tlv:
    """One data object. ``value`` is the raw content; for a constructed tag
    ``children`` holds the parsed objects inside it."""

    tag: int
    value: bytes
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        return is_constructed(self.tag)

    def encode(self) -> bytes:
        return tag_bytes(self.tag) + length_bytes(len(self.value)) + self.value


def is_constructed(tag: int) -> bool:
    return bool(tag_bytes(tag)[0] & 0x20)


def tag_bytes(tag: int) -> bytes:
    if tag <= 0:
        raise ValueError(f"not a tag: {tag}")
    return tag.to_bytes((tag.bit_length() + 7) // 8, "big")


def length_bytes(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    if size > _MAX_LENGTH_BYTES:
        raise ValueError(f"value too long for BER-TLV here: {length} bytes")
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def primitive(tag: int, value: bytes) -> Tlv:
    if is_constructed(tag):
        raise ValueError(f"tag {tag:X} is constructed")
    return Tlv(tag, bytes(value))


def constructed(tag: int, *children: Tlv) -> Tlv:
    if not is_constructed(tag):
        raise ValueError(f"tag {tag:X} is primitive")
    return Tlv(tag, encode(children), tuple(children))


def encode(items: Iterable[Tlv]) -> bytes:
    return b"".join(item.encode() for item in items)


def parse(data: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[Tlv, ...]:
    """Parse a sequence of data objects, recursing into constructed ones."""
    return tuple(_parse_sequence(bytes(data), 0, max_depth))


def find(items: Iterable[Tlv], tag: int) -> Tlv | None:
    """The first object with ``tag``, searching depth-first."""
    for item in items:
        if item.tag == tag:
            return item
        found = find(item.children, tag)
        if found is not None:
            return found
    return None


def parse_dol(data: bytes) -> tuple[tuple[int, int], ...]:
    """A Data Object List (PDOL, CDOL): tag and length pairs, no values."""
    entries: list[tuple[int, int]] = []
    offset = 0
    while offset < len(data):
        tag, offset = _read_tag(data, offset)
        length, offset = _read_length(data, offset)
        entries.append((tag, length))
    return tuple(entries)


def _parse_sequence(data: bytes, depth: int, max_depth: int) -> Iterator[Tlv]:
    if depth > max_depth:
        raise TlvError(f"nested deeper than {max_depth} levels")
    offset = 0
    while offset < len(data):
        if data[offset] == 0x00:
            offset += 1
            continue
        item, offset = _read_object(data, offset, depth, max_depth)
        yield item


def _read_object(data: bytes, offset: int, depth: int, max_depth: int) -> tuple[Tlv, int]:
    tag, offset = _read_tag(data, offset)
    length, offset = _read_length(data, offset)
    end = offset + length
    if end > len(data):
        raise TlvError(
            f"value of tag {tag:X} truncated: {length} bytes announced, {len(data) - offset} left"
        )
    value = data[offset:end]
    children: tuple[Tlv, ...] = ()
    if is_constructed(tag):
        children = tuple(_parse_sequence(value, depth + 1, max_depth))
    return Tlv(tag, value, children), end


def _read_tag(data: bytes, offset: int) -> tuple[int, int]:
    start = offset
    first = _byte(data, offset, "tag")
    offset += 1
    if first & 0x1F == 0x1F:
        if _byte(data, offset, "tag") == 0x80:
            raise TlvError(f"non-minimal tag at offset {start}")
        while _byte(data, offset, "tag") & 0x80:
            offset += 1
        offset += 1
    if offset - start > _MAX_TAG_BYTES:
        raise TlvError(f"tag longer than {_MAX_TAG_BYTES} bytes at offset {start}")
    return int.from_bytes(data[start:offset], "big"), offset


def _read_length(data: bytes, offset: int) -> tuple[int, int]:
    first = _byte(data, offset, "length")
    if first < 0x80:
        return first, offset + 1
    size = first & 0x7F
    if size == 0:
        raise TlvError(f"indefinite length at offset {offset}")
    if size > _MAX_LENGTH_BYTES:
        raise TlvError(f"length field of {size} bytes at offset {offset}")
    raw = data[offset + 1 : offset + 1 + size]
    if len(raw) < size:
        raise TlvError(f"length truncated at offset {offset}")
    length = int.from_bytes(raw, "big")
    if length < 0x80 or raw[0] == 0:
        raise TlvError(f"non-minimal length at offset {offset}")
    return length, offset + 1 + size


def _byte(data: bytes, offset: int, what: str) -> int:
    if offset >= len(data):
        raise TlvError(f"{what} truncated at offset {offset}")
    return data[offset]
