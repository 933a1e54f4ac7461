"""Signed documents from the ledger: lists, deltas, fare tables, route data.

Shared by the ledger (signing) and the device (verifying); it imports only
the standard library and ``cryptography``.

A signed document is a *signed stream*: newline-terminated lines of compact,
ASCII-only JSON.

    line 1        header object: {"kind": ..., "version": ..., ...}
    lines 2..n    rows: JSON arrays (none for a fare table)
    last line     trailer object: {"key_id": ..., "signature": ...}

The signature is Ed25519 over ``CONTEXT + sha256(every byte before the
trailer)``: the header and rows exactly as sent, each with its ``\\n``. Hashing
as the bytes go by lets the ledger stream a million-card snapshot without
holding it, and lets the device verify without re-encoding anything. A stream
cut short has no valid trailer, so it never verifies.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "CONTEXT",
    "SignedStreamError",
    "StreamSigner",
    "b64decode",
    "b64encode",
    "json_line",
    "key_id",
    "parse_public_key",
    "public_key_text",
    "read_signed_stream",
    "signed_document",
    "verify_signed_stream",
]

CONTEXT = b"bus-ledger signed stream v1\n"


class SignedStreamError(ValueError):
    """The document is cut short, malformed, of the wrong kind or not signed by the key."""


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in standard base64, as pinned by devices."""
    return b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def parse_public_key(text: str) -> Ed25519PublicKey:
    """Inverse of :func:`public_key_text`; ``ValueError`` when it is not one."""
    raw = b64decode(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for a public key: the first 16 hex digits of its sha256."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def json_line(value: object) -> bytes:
    """One line of the stream: compact, sorted, ASCII-only JSON and ``\\n``."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii") + b"\n"


class StreamSigner:
    """Hashes lines as they are produced and signs them at the end."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._digest = hashlib.sha256()

    def add(self, data: bytes) -> bytes:
        """Account for bytes already encoded as whole lines; returns them."""
        self._digest.update(data)
        return data

    def line(self, value: object) -> bytes:
        return self.add(json_line(value))

    def trailer(self) -> bytes:
        signature = self._key.sign(CONTEXT + self._digest.digest())
        return json_line(
            {"key_id": key_id(self._key.public_key()), "signature": b64encode(signature)}
        )


def signed_document(key: Ed25519PrivateKey, header: Mapping[str, object]) -> bytes:
    """A stream of one header and no rows (fare tables, route data)."""
    signer = StreamSigner(key)
    return signer.line(dict(header)) + signer.trailer()


def read_signed_stream(lines: Iterable[bytes], key: Ed25519PublicKey, kind: str) -> Iterator[Any]:
    """Yield the header (a dict), then every row (a list), checking as it goes.

    The signature is checked only after the last line: raise
    :class:`SignedStreamError` then if it fails. Stage the rows and commit
    them only once this generator has finished without an exception.
    Lines are given without their ``\\n`` (as ``requests``' ``iter_lines``
    gives them); empty lines are skipped.
    """
    digest = hashlib.sha256()
    header: dict[str, Any] | None = None
    for line in lines:
        if not line:
            continue
        value = _parse_line(line)
        if header is None:
            header = _check_header(value, kind)
            yield header
        elif isinstance(value, dict):
            _check_trailer(value, key, digest)
            return
        else:
            yield value
        digest.update(line + b"\n")
    raise SignedStreamError("the document ends without its signature: it was cut short")


def verify_signed_stream(
    data: bytes, key: Ed25519PublicKey, kind: str
) -> tuple[dict[str, Any], list[Any]]:
    """Read a whole document held in memory: its header and its rows."""
    items = list(read_signed_stream(data.split(b"\n"), key, kind))
    return items[0], items[1:]


def _parse_line(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError as error:
        raise SignedStreamError(f"a line is not JSON: {error}") from None


def _check_header(value: object, kind: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SignedStreamError("the first line must be the header object")
    if value.get("kind") != kind:
        raise SignedStreamError(f"expected a {kind!r} document, got {value.get('kind')!r}")
    return value


def _check_trailer(trailer: Mapping[str, Any], key: Ed25519PublicKey, digest: Any) -> None:
    try:
        signature = b64decode(str(trailer["signature"]))
        key.verify(signature, CONTEXT + digest.digest())
    except (KeyError, ValueError, InvalidSignature):
        raise SignedStreamError("bad signature: not signed by the pinned ledger key") from None
