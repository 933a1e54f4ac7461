"""Verify a signed list as bytes, without a Python object per row.

The format is ``ledger.envelope``'s (header line, row lines, trailer line;
Ed25519 over ``CONTEXT + sha256(every byte before the trailer)``). A list of
a million cards is 80 MB of text, so it is read twice from the body as it
came over the wire (gzip'd, about 5 MB), in blocks:

1. :func:`scan`: unzip, hash and count, parse only the header and the trailer,
   then check the signature with the pinned key (:func:`verify`);
2. :func:`row_blocks`: unzip again and hand the rows, as blocks of whole
   lines, to the store, which reads them with SQLite's JSON functions.

zlib and hashlib release the GIL on large buffers, so the tap thread keeps
running while a list is checked.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.envelope import CONTEXT, b64decode
from sync.errors import DocumentRefused

__all__ = ["Scan", "row_blocks", "scan", "verify"]

PIECE = 256 * 1024  # bytes of text per block
_GZIP = 16 + zlib.MAX_WBITS


@dataclass(frozen=True, slots=True)
class Scan:
    header: dict[str, Any]
    trailer: dict[str, Any]
    digest: bytes  # sha256 of every byte before the trailer
    rows_start: int  # offset of the first row (after the header line)
    rows_end: int  # offset of the trailer line
    rows: int


def unzipped(data: bytes, gzipped: bool) -> Iterator[bytes]:
    """The text in pieces of at most :data:`PIECE` bytes (gzip members in turn)."""
    if not gzipped:
        for start in range(0, len(data), PIECE):
            yield data[start : start + PIECE]
        return
    try:
        yield from _gunzip(data)
    except zlib.error as error:
        raise DocumentRefused(f"the list is not valid gzip ({error})") from None


def _gunzip(data: bytes) -> Iterator[bytes]:
    while data:
        inflater = zlib.decompressobj(_GZIP)
        pending = data
        while not inflater.eof:
            out = inflater.decompress(pending, PIECE)
            pending = inflater.unconsumed_tail
            if out:
                yield out
            elif not pending:
                break  # no input left and no output: the stream stops short
        if not inflater.eof:
            raise DocumentRefused("the list ends in the middle: it was cut short")
        data = inflater.unused_data


class _Scanner:
    """Hashes lines as they come, holding back the last one (the trailer)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.header: bytes | None = None
        self.held = b""  # the last complete line seen
        self.tail = b""  # bytes after the last newline
        self.hashed = 0
        self.lines = 0

    def feed(self, piece: bytes) -> None:
        data = self.tail + piece
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            self.tail = data
            return
        complete, self.tail = data[:cut], data[cut:]
        self.lines += complete.count(b"\n")
        if self.header is None:
            self.header = complete[: complete.index(b"\n") + 1]
        last = complete.rfind(b"\n", 0, cut - 1) + 1
        self._hash(self.held)
        self._hash(complete[:last])
        self.held = complete[last:]

    def _hash(self, data: bytes) -> None:
        self.digest.update(data)
        self.hashed += len(data)


def scan(data: bytes, gzipped: bool) -> Scan:
    """Read the whole document once: header, trailer, digest, row count."""
    scanner = _Scanner()
    for piece in unzipped(data, gzipped):
        scanner.feed(piece)
    if scanner.tail or scanner.header is None or scanner.lines < 2:
        raise DocumentRefused("the document ends without its signature: it was cut short")
    header = _json_object(scanner.header, "header")
    trailer = _json_object(scanner.held, "signature line")
    return Scan(
        header=header,
        trailer=trailer,
        digest=scanner.digest.digest(),
        rows_start=len(scanner.header),
        rows_end=scanner.hashed,
        rows=scanner.lines - 2,
    )


def verify(found: Scan, key: Ed25519PublicKey, kind: str) -> dict[str, Any]:
    """The header, once the signature is the pinned key's and the kind is right."""
    try:
        signature = b64decode(str(found.trailer["signature"]))
        key.verify(signature, CONTEXT + found.digest)
    except (KeyError, ValueError, InvalidSignature):
        raise DocumentRefused("bad signature: not signed by the pinned ledger key") from None
    if found.header.get("kind") != kind:
        raise DocumentRefused(f"expected a {kind!r} document, got {found.header.get('kind')!r}")
    return found.header


def row_blocks(data: bytes, gzipped: bool, found: Scan) -> Iterator[bytes]:
    """The row lines between header and trailer, as blocks of whole lines."""
    offset, carry = 0, b""
    for piece in unzipped(data, gzipped):
        start, end = offset, offset + len(piece)
        offset = end
        low, high = max(start, found.rows_start), min(end, found.rows_end)
        if low >= high:
            continue
        block = carry + piece[low - start : high - start]
        cut = block.rfind(b"\n") + 1
        carry = block[cut:]
        if cut:
            yield block[:cut]
    if carry:
        raise DocumentRefused("a list row is cut in the middle")


def _json_object(line: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        raise DocumentRefused(f"the document's {what} is not JSON") from None
    if not isinstance(value, dict):
        raise DocumentRefused(f"the document's {what} is not a JSON object")
    return value
