"""A pure line framer: bytes from a serial device in, complete texts out.

Most 2D scanners send the code text followed by CR or CR LF; GPS receivers
end NMEA sentences with CR LF. ``LineFramer`` buffers what has arrived, cuts
it at the configured terminator and turns every line into either a
``TextLine`` or a ``LineRejection`` that says why it was not taken: too long,
not text, or cut off. Nothing here raises for any input, and nothing does I/O.

Stray CR and LF at either end of a line are dropped and empty lines are
skipped, so a framer set to CR also reads a scanner that sends CR LF.
Spaces are kept: a space is a Base45 character.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Framed", "LineFramer", "LineProblem", "LineRejection", "Terminator", "TextLine"]

_EDGES = b"\r\n"


class Terminator(StrEnum):
    """What ends one line (config values ``cr``, ``lf``, ``crlf``)."""

    CR = "cr"
    LF = "lf"
    CRLF = "crlf"

    @property
    def marker(self) -> bytes:
        return {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}[self.value]


class LineProblem(StrEnum):
    OVERLONG = "overlong"  # more bytes than the maximum before a terminator
    BINARY = "binary"  # bytes that are not printable UTF-8 text
    HALF_LINE = "half_line"  # the device stopped in the middle of a line


@dataclass(frozen=True, slots=True)
class TextLine:
    """One complete line of printable text, terminator removed."""

    text: str


@dataclass(frozen=True, slots=True)
class LineRejection:
    """A line that was not taken; ``detail`` says why, for the log."""

    problem: LineProblem
    detail: str
    size: int  # bytes of the rejected line seen so far


Framed = TextLine | LineRejection


class LineFramer:
    """Cut a byte stream into lines of at most ``max_length`` bytes."""

    def __init__(self, terminator: Terminator = Terminator.CR, max_length: int = 4096) -> None:
        if max_length < 1:
            raise ValueError("max_length must be at least 1")
        self.terminator = Terminator(terminator)
        self.max_length = max_length
        self._buffer = bytearray()
        self._discarding = False  # inside an overlong line already reported

    @property
    def pending(self) -> int:
        """Bytes of an unfinished line waiting for their terminator."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Framed]:
        """Take the next bytes; return every line they complete, in order."""
        out: list[Framed] = []
        self._buffer += data
        marker = self.terminator.marker
        while (end := self._buffer.find(marker)) >= 0:
            line = bytes(self._buffer[:end])
            del self._buffer[: end + len(marker)]
            out += self._complete(line)
        out += self._check_overflow()
        return out

    def flush(self) -> list[Framed]:
        """The device went quiet or away: an unfinished line is a half line."""
        line = bytes(self._buffer).strip(_EDGES)
        self._buffer.clear()
        discarding, self._discarding = self._discarding, False
        if discarding or not line:
            return []
        detail = f"the line stopped after {len(line)} bytes without its terminator"
        return [LineRejection(LineProblem.HALF_LINE, detail, len(line))]

    def _complete(self, line: bytes) -> list[Framed]:
        if self._discarding:
            self._discarding = False
            return []
        line = line.strip(_EDGES)
        if not line:
            return []
        if len(line) > self.max_length:
            return [self._overlong(len(line))]
        return [_as_text(line)]

    def _check_overflow(self) -> list[Framed]:
        if len(self._buffer) <= self.max_length + len(_EDGES):  # room for stray CR/LF
            return []
        size = len(self._buffer)
        keep = len(self.terminator.marker) - 1  # the CR of a CR LF split across reads
        del self._buffer[: size - keep]
        if self._discarding:
            return []
        self._discarding = True
        return [self._overlong(size)]

    def _overlong(self, size: int) -> LineRejection:
        detail = f"more than {self.max_length} bytes without a terminator"
        return LineRejection(LineProblem.OVERLONG, detail, size)


def _as_text(line: bytes) -> Framed:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return LineRejection(LineProblem.BINARY, "bytes that are not UTF-8 text", len(line))
    if not text.isprintable():
        detail = "control characters or unprintable bytes in the line"
        return LineRejection(LineProblem.BINARY, detail, len(line))
    return TextLine(text)
