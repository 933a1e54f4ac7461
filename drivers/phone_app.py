"""The operator's app on a phone over NFC (host card emulation), reader side.

Two commands (docs/tokens.md):

1. ``00 A4 04 00 Lc <AID> 00``: SELECT the app by its AID; ``9000``.
2. ``80 CA DF 54 00``: GET TOKEN (a GET DATA of the proprietary data object
   DF54); the phone answers the raw COSE_Sign1 bytes of its current token
   and ``9000``. A token longer than 256 bytes comes in parts: ``61xx`` asks
   for ``00 C0 00 00 xx`` (GET RESPONSE; ``xx`` = 00 means 256 or more),
   ISO/IEC 7816-4 style.

The token itself is checked by ``validator.tokens.verify_token``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from drivers.emv.reader import CardLeft, Exchange, select_command, split_status

__all__ = [
    "APP_AID",
    "GET_TOKEN",
    "AppPhoneModel",
    "AppProblem",
    "AppReadFailure",
    "read_app_token",
]

APP_AID = bytes.fromhex("F04B5A5441505031")  # F0 (proprietary) + "KZTAPP1"
GET_TOKEN = bytes.fromhex("80CADF5400")
MAX_TOKEN_BYTES = 2048
_CHUNK = 256


class AppProblem(StrEnum):
    CARD_LEFT = "card_left"  # the phone left the field: present again
    NO_APPLICATION = "no_application"  # the phone does not run the app (SELECT refused)
    REFUSED = "refused"  # the app answered GET TOKEN with an error status
    GARBAGE = "garbage"  # a response no app would send


@dataclass(frozen=True, slots=True)
class AppReadFailure:
    problem: AppProblem
    detail: str


class _Stop(Exception):
    def __init__(self, problem: AppProblem, detail: str) -> None:
        super().__init__(detail)
        self.failure = AppReadFailure(problem, detail)


def read_app_token(exchange: Exchange, aid: bytes = APP_AID) -> bytes | AppReadFailure:
    """SELECT the app, GET TOKEN, and return the token bytes unverified."""
    try:
        _, status = _transmit(exchange, select_command(aid))
        if status != 0x9000:
            raise _Stop(AppProblem.NO_APPLICATION, f"SELECT app: status {status:04X}")
        return _get_token(exchange)
    except _Stop as stop:
        return stop.failure
    except CardLeft:
        return AppReadFailure(AppProblem.CARD_LEFT, "the phone left the field")


def _get_token(exchange: Exchange) -> bytes:
    token, status = _transmit(exchange, GET_TOKEN)
    while status >> 8 == 0x61 and len(token) <= MAX_TOKEN_BYTES:
        part, status = _transmit(exchange, bytes([0x00, 0xC0, 0x00, 0x00, status & 0xFF]))
        token += part
    if len(token) > MAX_TOKEN_BYTES:
        raise _Stop(AppProblem.GARBAGE, f"GET TOKEN: more than {MAX_TOKEN_BYTES} bytes")
    if status != 0x9000:
        raise _Stop(AppProblem.REFUSED, f"GET TOKEN: status {status:04X}")
    if not token:
        raise _Stop(AppProblem.GARBAGE, "GET TOKEN: an empty token")
    return token


def _transmit(exchange: Exchange, apdu: bytes) -> tuple[bytes, int]:
    try:
        return split_status(exchange(apdu))
    except ValueError:
        raise _Stop(AppProblem.GARBAGE, "response too short") from None


@dataclass
class AppPhoneModel:
    """A phone running the app: answers SELECT and GET TOKEN with ``token``."""

    token: bytes
    aid: bytes = APP_AID
    selected: bool = False
    pending: bytes = b""
    transcript: list[tuple[bytes, bytes]] = field(default_factory=list)

    def __call__(self, apdu: bytes) -> bytes:
        response = self._answer(bytes(apdu))
        self.transcript.append((bytes(apdu), response))
        return response

    def _answer(self, apdu: bytes) -> bytes:
        if apdu[:2] == b"\x00\xa4" and len(apdu) >= 5:
            self.selected = apdu[5 : 5 + apdu[4]] == self.aid
            return b"\x90\x00" if self.selected else b"\x6a\x82"
        if apdu[:4] == GET_TOKEN[:4]:
            return self._send(self.token, _CHUNK) if self.selected else b"\x69\x85"
        if apdu[:4] == b"\x00\xc0\x00\x00" and len(apdu) == 5 and self.pending:
            return self._send(self.pending, apdu[4] or _CHUNK)
        return b"\x6d\x00"

    def _send(self, data: bytes, size: int) -> bytes:
        part, self.pending = data[:size], data[size:]
        if not self.pending:
            return part + b"\x90\x00"
        return part + bytes([0x61, len(self.pending) if len(self.pending) < _CHUNK else 0])
