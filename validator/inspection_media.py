"""Inspection at the reader: the next card, phone or code presented while the
inspector has armed "check the next card" is inspected, not charged.

Pure: the caller passes what was presented, the card number its UID maps to
(the store's lookup, done at the edge), this bus's journal taps, the trip
window, the keys and the time. Every way in comes out as an ``Inspection``
(see ``validator.inspection``), or None when nothing could be read and the
inspector should ask for the card again.

- a transport card (DESFire, Classic, Ultralight) and a printed QR card: by
  its card number, else its UID;
- a bank card or phone wallet (EMV): by the keyed PAN token of its bank-card
  taps, never the PAN;
- the operator's app (NFC, app QR): the signed token is verified, then the
  card it names is checked;
- a ticket QR (SMS, messenger, a cash ticket): verified offline with the
  ledger key or the printing device's key, for this bus and its validity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from validator.crew_lines import INSPECTION_LINES
from validator.inspection import (
    Inspection,
    TripWindow,
    Verdict,
    inspect_app_code,
    inspect_bank_card,
    inspect_card,
    inspect_ticket,
)
from validator.model import Medium, Presentation, Reason
from validator.ports import CardRead, ReadFailure, ReadProblem, Rejection
from validator.tap_entries import TapEntry
from validator.tokens import token_to_qr_text

__all__ = [
    "Arming",
    "CodeKeys",
    "InspectionEvent",
    "Presented",
    "arm",
    "inspect_presented",
    "inspection_line",
    "is_inspected",
]

Presented = CardRead | ReadFailure | Rejection
# Bluetooth pays from a distance: a phone somewhere in the bus is not the one
# the inspector holds to the reader, so it boards as usual while armed.
_NOT_AT_THE_READER = frozenset({Medium.BLE})


@dataclass(frozen=True, slots=True)
class Arming:
    """Armed for "check the next card" from ``since`` until ``until`` (wall clock).
    A clock set back before ``since`` disarms it rather than stretching it."""

    since: datetime | None = None
    until: datetime | None = None

    def armed(self, now: datetime) -> bool:
        if self.since is None or self.until is None:
            return False
        return self.since <= now < self.until


def arm(now: datetime, span: timedelta) -> Arming:
    return Arming(now, now + span)


@dataclass(frozen=True, slots=True)
class CodeKeys:
    """What codes verify with: app codes and QR cards with the ledger keys;
    tickets with ``tickets``: the ledger keys (SMS, messenger) and the device
    keys (cash tickets), by key id."""

    ledger: Mapping[bytes, Ed25519PublicKey] = field(default_factory=dict)
    tickets: Mapping[bytes, Ed25519PublicKey] = field(default_factory=dict)
    bus: str = ""
    leeway_s: int = 60


@dataclass(frozen=True, slots=True)
class InspectionEvent:
    """One inspection at the reader, as the journal keeps it: what was shown
    (medium, card number or UID, a bank card's PAN token and masked PAN,
    never the PAN) and what the inspection said."""

    at: datetime
    presented: Medium
    inspection: Inspection
    card_number: str | None = None
    uid: str | None = None
    pan_token: str | None = None
    masked_pan: str | None = None


def is_inspected(result: Presented) -> bool:
    """False for what boards as usual even while armed (Bluetooth)."""
    if isinstance(result, ReadFailure):
        return result.medium not in _NOT_AT_THE_READER
    return result.presentation.medium not in _NOT_AT_THE_READER


def inspect_presented(
    result: Presented,
    uid_card: str | None,
    taps: Iterable[TapEntry],
    window: TripWindow,
    keys: CodeKeys,
    language: str,
) -> Inspection | None:
    """What ``result`` came to for the inspector; None: nothing was read
    (card left, garbage, a scan cut in half), ask for it again."""
    if isinstance(result, ReadFailure):
        return _not_genuine(language) if result.problem is ReadProblem.NOT_GENUINE else None
    if isinstance(result, Rejection):
        return _rejected(result, taps, window, keys, language)
    return _read(result.presentation, uid_card, list(taps), window, keys, language)


def inspection_line(key: str, language: str) -> str:
    """A fixed line of the inspection (``armed``, ``read_again``, …) in kk/ru/en."""
    return INSPECTION_LINES.get(language, INSPECTION_LINES["en"])[key]


def _read(
    presentation: Presentation,
    uid_card: str | None,
    taps: list[TapEntry],
    window: TripWindow,
    keys: CodeKeys,
    language: str,
) -> Inspection:
    token = presentation.credential
    if token is not None:
        return _code(presentation.medium, token, taps, window, keys, language)
    if presentation.medium is Medium.EMV:
        if presentation.pan_token is None:
            return _unidentified(language)
        return inspect_bank_card(presentation.pan_token, taps, window, language)
    key = presentation.card_number or uid_card or presentation.uid
    return _unidentified(language) if not key else inspect_card(key, taps, window, language)


def _code(
    medium: Medium,
    token: bytes,
    taps: list[TapEntry],
    window: TripWindow,
    keys: CodeKeys,
    language: str,
) -> Inspection:
    text, now, leeway = token_to_qr_text(token), window.end, keys.leeway_s
    if medium is not Medium.TICKET and medium is not Medium.UNKNOWN:
        return inspect_app_code(text, keys.ledger, taps, window, language, leeway)
    ticket = inspect_ticket(text, keys.tickets, keys.bus, now, language, leeway)
    if ticket.verdict is not Verdict.NOT_VALID or medium is Medium.TICKET:
        return ticket
    app = inspect_app_code(text, keys.ledger, taps, window, language, leeway)
    return app if app.verdict is not Verdict.NOT_VALID else ticket


def _rejected(
    rejection: Rejection,
    taps: Iterable[TapEntry],
    window: TripWindow,
    keys: CodeKeys,
    language: str,
) -> Inspection | None:
    """A code the boarding path refused before any lookup; one that still
    carries its token (a cash ticket signed by a device key) is checked."""
    if rejection.reason is Reason.READ_ERROR:
        return None
    token = rejection.presentation.credential
    if token is not None:
        return _code(Medium.UNKNOWN, token, list(taps), window, keys, language)
    key = "code_expired" if rejection.reason is Reason.EXPIRED else "not_valid"
    return Inspection(
        Verdict.NOT_VALID, inspection_line(key, language), detail=rejection.reason.value
    )


def _not_genuine(language: str) -> Inspection:
    line = inspection_line("not_genuine", language)
    return Inspection(Verdict.NOT_VALID, line, detail="failed authentication")


def _unidentified(language: str) -> Inspection:
    line = inspection_line("unidentified", language)
    return Inspection(Verdict.NOT_VALID, line, detail="no card number, UID or PAN token")
