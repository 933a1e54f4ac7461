"""What the validator writes back to the phone, and what the phone makes of it.

The result value (docs/bluetooth.md), one write with response, at most 512
bytes::

    01 | outcome (01 accepted, 00 declined) | session (4) | N | reason (N, ASCII)
       | language (2, ASCII) | display line (UTF-8, the rest)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from drivers.ble.protocol import MAX_ATTRIBUTE_BYTES, RESULT_VERSION, SESSION_BYTES
from validator.messages import LANGUAGES, Language, passenger_line
from validator.model import Decision, Outcome, Reason

__all__ = [
    "MAX_REASON_BYTES",
    "BleResult",
    "DecisionCallback",
    "PhoneView",
    "ble_result",
    "decode_result",
    "encode_result",
    "not_read_result",
    "out_of_service_result",
]

MAX_REASON_BYTES = 32
_HEAD = 2 + SESSION_BYTES  # version, outcome, session

# The driver's own lines, for a phone whose token could not be read: the
# passenger pressed "Pay" in the app, so that is what they are asked to redo.
_NOT_READ: Mapping[Language, str] = {
    "kk": "Оқылмады · «Төлеу» батырмасын қайта басыңыз",
    "ru": "Не удалось прочитать · нажмите «Оплатить» ещё раз",
    "en": "Not read · press Pay again",
}


@dataclass(frozen=True, slots=True)
class BleResult:
    """The decision as the phone shows it. ``reason`` is a short ASCII code (a
    ``Reason`` value); ``lines`` holds the display line per language."""

    accepted: bool
    reason: str
    lines: Mapping[Language, str] = field(default_factory=dict, hash=False)

    def line(self, language: Language) -> str:
        return self.lines.get(language) or next(iter(self.lines.values()), "")


DecisionCallback = Callable[[bytes], BleResult]
"""Supplied by the pipeline: the token bytes in, the decision out (already
durable when it returns, like a card tap)."""


def ble_result(decision: Decision) -> BleResult:
    """The result for a decision, with the passenger line in kk, ru and en."""
    lines = {language: passenger_line(decision, language) for language in LANGUAGES}
    return BleResult(decision.accepted, decision.reason.value, lines)


def not_read_result() -> BleResult:
    return BleResult(False, Reason.READ_ERROR.value, _NOT_READ)


def out_of_service_result() -> BleResult:
    return ble_result(Decision(Outcome.DECLINED, Reason.OUT_OF_SERVICE))


def encode_result(result: BleResult, language: Language, session: bytes) -> bytes:
    """The bytes written to the result characteristic, cut to 512 bytes."""
    reason = result.reason.encode("ascii", "replace")[:MAX_REASON_BYTES]
    head = bytes([RESULT_VERSION, 1 if result.accepted else 0])
    head += session[:SESSION_BYTES].ljust(SESSION_BYTES, b"\0")
    head += bytes([len(reason)]) + reason + language.encode("ascii")
    line = result.line(language).encode("utf-8", "replace")[: MAX_ATTRIBUTE_BYTES - len(head)]
    return head + line.decode("utf-8", "ignore").encode("utf-8")


@dataclass(frozen=True, slots=True)
class PhoneView:
    """What the app shows after the validator wrote its result."""

    accepted: bool
    reason: str
    language: str
    line: str
    session: bytes


def decode_result(data: bytes) -> PhoneView | None:
    """The phone side of ``encode_result``; None for anything malformed."""
    if len(data) < _HEAD + 1 or data[0] != RESULT_VERSION or data[1] not in (0, 1):
        return None
    size = data[_HEAD]
    reason, rest = data[_HEAD + 1 : _HEAD + 1 + size], data[_HEAD + 1 + size :]
    if len(reason) != size or len(rest) < 2:
        return None
    try:
        texts = reason.decode("ascii"), rest[:2].decode("ascii"), rest[2:].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return PhoneView(data[1] == 1, texts[0], texts[1], texts[2], data[2:_HEAD])
