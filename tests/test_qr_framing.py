"""The scanner's line framer: bytes in, complete codes or typed rejections out."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.qr import LineFramer, LineProblem, LineRejection, Terminator, TextLine

CODE = "KZT1:NCFOXN%TS3DH0YOJ58S S-ET9U"


def problems(items: Sequence[object]) -> list[LineProblem]:
    return [item.problem for item in items if isinstance(item, LineRejection)]


@pytest.mark.parametrize(
    ("terminator", "sent"),
    [
        (Terminator.CR, b"CODE\r"),
        (Terminator.CR, b"CODE\r\n"),  # a CR LF scanner read by a CR framer
        (Terminator.LF, b"CODE\n"),
        (Terminator.LF, b"CODE\r\n"),
        (Terminator.CRLF, b"CODE\r\n"),
    ],
)
def test_a_code_ends_at_the_configured_terminator(terminator: Terminator, sent: bytes) -> None:
    framer = LineFramer(terminator)
    assert framer.feed(sent.replace(b"CODE", CODE.encode())) == [TextLine(CODE)]
    assert framer.flush() == []  # a stray LF left over is no half line


def test_a_code_split_across_many_reads_comes_out_once_complete() -> None:
    framer = LineFramer(Terminator.CRLF)
    sent = CODE.encode() + b"\r\n"
    out = [item for byte in sent for item in framer.feed(bytes([byte]))]
    assert out == [TextLine(CODE)]


def test_two_codes_in_one_read_come_out_in_order() -> None:
    framer = LineFramer(Terminator.CR)
    assert framer.feed(b"FIRST\r\nSECOND\r\n") == [TextLine("FIRST"), TextLine("SECOND")]


def test_spaces_are_kept_because_base45_uses_them() -> None:
    assert LineFramer().feed(b" A B \r") == [TextLine(" A B ")]


def test_empty_lines_are_skipped_quietly() -> None:
    assert LineFramer(Terminator.LF).feed(b"\n\r\n\n") == []


def test_a_cr_only_scanner_read_with_a_crlf_framer_waits_and_then_is_a_half_line() -> None:
    framer = LineFramer(Terminator.CRLF)
    assert framer.feed(b"CODE\r") == []
    assert problems(framer.flush()) == [LineProblem.HALF_LINE]


def test_a_line_longer_than_the_maximum_is_declined_and_the_next_code_is_read() -> None:
    framer = LineFramer(Terminator.CR, max_length=20)
    out = framer.feed(b"X" * 21 + b"\rGOOD\r")
    assert problems(out) == [LineProblem.OVERLONG]
    assert out[-1] == TextLine("GOOD")


def test_an_endless_line_is_declined_once_without_growing_the_buffer() -> None:
    framer = LineFramer(Terminator.CRLF, max_length=64)
    out = [item for _ in range(100) for item in framer.feed(b"Y" * 50)]
    assert problems(out) == [LineProblem.OVERLONG]
    assert framer.pending <= 64 + 2
    assert framer.feed(b"tail\r\nNEXT\r\n") == [TextLine("NEXT")]


def test_an_overlong_line_whose_crlf_is_split_across_reads_does_not_swallow_the_next() -> None:
    framer = LineFramer(Terminator.CRLF, max_length=8)
    assert problems(framer.feed(b"Z" * 20 + b"\r")) == [LineProblem.OVERLONG]
    assert framer.feed(b"\nNEXT\r\n") == [TextLine("NEXT")]


@pytest.mark.parametrize(
    "garbage",
    [b"\xff\xfe\x00\x01", b"KZT1:\x00ABC", b"\x1b[2J", b"caf\xc3", b"tab\there"],
)
def test_binary_garbage_is_declined_as_binary(garbage: bytes) -> None:
    out = LineFramer(Terminator.CR).feed(garbage + b"\r")
    assert problems(out) == [LineProblem.BINARY]


def test_printable_utf8_is_text() -> None:
    assert LineFramer().feed("Алматы\r".encode()) == [TextLine("Алматы")]


def test_a_half_line_is_declined_when_the_scanner_goes_quiet() -> None:
    framer = LineFramer()
    assert framer.feed(b"KZT1:NCF") == []
    out = framer.flush()
    assert problems(out) == [LineProblem.HALF_LINE]
    assert framer.flush() == []
    assert framer.feed(b"AGAIN\r") == [TextLine("AGAIN")]


def test_a_framer_needs_room_for_at_least_one_byte() -> None:
    with pytest.raises(ValueError, match="max_length"):
        LineFramer(max_length=0)


@given(
    chunks=st.lists(st.binary(max_size=300), max_size=20),
    terminator=st.sampled_from(list(Terminator)),
    max_length=st.integers(min_value=1, max_value=200),
)
def test_no_bytes_however_malformed_raise_and_no_text_is_over_the_maximum(
    chunks: list[bytes], terminator: Terminator, max_length: int
) -> None:
    framer = LineFramer(terminator, max_length)
    out = [item for chunk in chunks for item in framer.feed(chunk)] + framer.flush()
    for item in out:
        if isinstance(item, TextLine):
            assert 0 < len(item.text.encode()) <= max_length
            assert item.text.isprintable()
    assert framer.pending <= max_length + 2
