"""The wire format between the operator's app and the validator over Bluetooth
LE (docs/bluetooth.md): the advertisement, the token frames and the result.

Pure: no I/O, no bleak. Whatever a phone sends, parsing gives a value or a
``FrameError`` (internal to drivers/ble), never another exception.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from validator.config import ConfigError
from validator.messages import LANGUAGES, Language
from validator.tokens import MAX_TOKEN_BYTES

__all__ = [
    "ADVERT_VERSION",
    "FRAME_HEADER_BYTES",
    "MAX_ATTRIBUTE_BYTES",
    "MAX_FRAME_DATA",
    "MAX_TOKEN_FRAMES",
    "RESULT_CHAR_UUID",
    "RESULT_VERSION",
    "SERVICE_UUID",
    "SESSION_BYTES",
    "TOKEN_CHAR_UUID",
    "FrameError",
    "PayAdvert",
    "TokenAssembler",
    "advert_local_name",
    "advert_service_data",
    "normalize_service_uuid",
    "parse_advert",
    "token_frames",
]

# "KZ transit pay": one random 128-bit base, the first group numbers the parts.
SERVICE_UUID = "73440001-61c1-4753-a55b-f3cad21092f3"
TOKEN_CHAR_UUID = "73440002-61c1-4753-a55b-f3cad21092f3"  # read: token frames
RESULT_CHAR_UUID = "73440003-61c1-4753-a55b-f3cad21092f3"  # write with response: the result

ADVERT_VERSION = 1
RESULT_VERSION = 1
SESSION_BYTES = 4
MAX_ATTRIBUTE_BYTES = 512  # the longest GATT attribute value (Core spec v5.4, Vol 3, Part F, 3.2.9)
FRAME_HEADER_BYTES = 4  # total length (2) + offset (2), big-endian
MAX_FRAME_DATA = MAX_ATTRIBUTE_BYTES - FRAME_HEADER_BYTES
MAX_TOKEN_FRAMES = 16
_LOCAL_NAME = re.compile(r"KZT1-([0-9a-fA-F]{8})(?:-([a-z]{2}))?")


class FrameError(Exception):
    """The token frames a phone sent do not add up; the message says how."""


@dataclass(frozen=True, slots=True)
class PayAdvert:
    """A phone whose passenger pressed "pay": one session per press."""

    session: bytes  # SESSION_BYTES random bytes chosen by the app
    language: Language | None  # the passenger's language, when the app says it


def normalize_service_uuid(text: str) -> str:
    """The 128-bit UUID in bleak's form (lower case), or a ConfigError."""
    try:
        return str(uuid.UUID(text))
    except (ValueError, TypeError, AttributeError):
        raise ConfigError(
            f"ble.service_uuid {text!r} is not a 128-bit UUID; "
            f'use the app\'s, e.g. "{SERVICE_UUID}"',
            key="ble.service_uuid",
        ) from None


def parse_advert(
    service_data: Mapping[str, bytes], local_name: str | None, service_uuid: str
) -> PayAdvert | None:
    """The session in the advertisement, from the service data (Android) or the
    local name (iPhone, which cannot advertise service data); None if neither."""
    data = service_data.get(service_uuid)
    if isinstance(data, bytes | bytearray):
        return _from_service_data(bytes(data))
    if isinstance(local_name, str):
        return _from_local_name(local_name)
    return None


def _from_service_data(data: bytes) -> PayAdvert | None:
    if len(data) < 1 + SESSION_BYTES or data[0] != ADVERT_VERSION:
        return None
    session = data[1 : 1 + SESSION_BYTES]
    language = _language(data[1 + SESSION_BYTES : 3 + SESSION_BYTES].decode("latin-1"))
    return PayAdvert(session, language)


def _from_local_name(name: str) -> PayAdvert | None:
    match = _LOCAL_NAME.fullmatch(name)
    if match is None:
        return None
    return PayAdvert(bytes.fromhex(match.group(1)), _language(match.group(2) or ""))


def _language(code: str) -> Language | None:
    return code if code in LANGUAGES else None


def advert_service_data(session: bytes, language: Language | None) -> bytes:
    """What the app puts in the service data of SERVICE_UUID (phone side)."""
    return bytes([ADVERT_VERSION]) + session + (language or "").encode("ascii")


def advert_local_name(session: bytes, language: Language | None) -> str:
    """The local name an iPhone advertises instead: ``KZT1-0a1b2c3d-ru``."""
    return f"KZT1-{session.hex()}" + (f"-{language}" if language else "")


def token_frames(token: bytes, chunk: int = MAX_FRAME_DATA) -> list[bytes]:
    """The values the app returns to successive reads of the token characteristic."""
    size = max(1, min(chunk, MAX_FRAME_DATA))
    total = len(token).to_bytes(2, "big")
    return [
        total + offset.to_bytes(2, "big") + token[offset : offset + size]
        for offset in range(0, len(token), size)
    ]


class TokenAssembler:
    """Puts a token together from its frames, checking every header."""

    def __init__(self) -> None:
        self._total: int | None = None
        self._data = bytearray()
        self.frames = 0

    @property
    def token(self) -> bytes:
        return bytes(self._data)

    def add(self, frame: bytes) -> bool:
        """Take one frame; True once the token is complete. Raises FrameError."""
        self.frames += 1
        if self.frames > MAX_TOKEN_FRAMES:
            raise FrameError(f"more than {MAX_TOKEN_FRAMES} frames for one token")
        if len(frame) <= FRAME_HEADER_BYTES:
            raise FrameError(f"a frame of {len(frame)} bytes carries no token bytes")
        total, offset = int.from_bytes(frame[0:2], "big"), int.from_bytes(frame[2:4], "big")
        self._check(total, offset, len(frame) - FRAME_HEADER_BYTES)
        self._total = total
        self._data += frame[FRAME_HEADER_BYTES:]
        return len(self._data) == total

    def _check(self, total: int, offset: int, size: int) -> None:
        if not 0 < total <= MAX_TOKEN_BYTES:
            raise FrameError(f"token length {total} is not between 1 and {MAX_TOKEN_BYTES}")
        if self._total is not None and total != self._total:
            raise FrameError(f"token length changed from {self._total} to {total}")
        if offset != len(self._data):
            raise FrameError(f"frame at offset {offset}, expected {len(self._data)}")
        if offset + size > total:
            raise FrameError(f"frame runs past the token length {total}")
