"""What a scanned QR text is: an app payment, a QR card, a prepaid ticket, or
nothing the validator takes.

Every code is ``KZT1:`` + the Base45 of a signed token (docs/tokens.md). The
signature is checked against the pinned keys with ``verify_token``; then:

- kind ``app``: the app's dynamic QR, short-lived and single use. It pays
  from the account named by the token (``card_number``); the pipeline keeps
  the replay cache on ``claims.token_id``.
- kind ``qr_card``: a printed, long-lived code naming a card number. It is
  treated as that card (balance list, deny list, passback).
- kind ``ticket``: a prepaid ticket (SMS, messenger, cash printed on another
  bus) for a route, a bus and a time window; ``validator.tickets`` decides.

Pure: no I/O, the time is a parameter, and no text, however malformed,
raises: every way to be wrong is a ``QrRejection`` with a ``Reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from validator.model import Medium, Presentation, Reason
from validator.tokens import (
    MAX_TOKEN_BYTES,
    QR_PREFIX,
    RejectReason,
    TokenClaims,
    TokenKind,
    TokenRejection,
    qr_text_to_token,
    verify_token,
)

__all__ = ["MAX_QR_TEXT", "QrCode", "QrPolicy", "QrRejection", "classify_qr"]

MAX_QR_TEXT = len(QR_PREFIX) + (MAX_TOKEN_BYTES + 1) // 2 * 3
"""The longest text that can carry a token of MAX_TOKEN_BYTES."""

_REASON = {RejectReason.EXPIRED: Reason.EXPIRED}  # every other rejection: FORGED
_CARD_NUMBER_DIGITS = 19
MAX_TOKEN_ID_BYTES = 64  # as the replay cache takes them (validator/credentials.py)


@dataclass(frozen=True, slots=True)
class QrPolicy:
    """What this validator trusts: pinned keys by key id and clock tolerances."""

    keys: Mapping[bytes, Ed25519PublicKey]
    leeway_s: int = 30  # clock tolerance on exp, nbf and iat
    max_app_lifetime_s: int = 900  # an app QR lives minutes; a longer one is refused


@dataclass(frozen=True, slots=True)
class QrCode:
    """A code whose signature verified.

    ``presentation`` goes to the decision: ``card_number`` for the app and QR
    cards, ``credential`` (the token bytes) for the app and tickets.
    ``claims`` carries the single-use id and, for tickets, route, bus and window.
    """

    presentation: Presentation
    claims: TokenClaims


@dataclass(frozen=True, slots=True)
class QrRejection:
    """A code the validator declines; ``detail`` is for the log, not the passenger."""

    reason: Reason
    detail: str


def classify_qr(text: str, policy: QrPolicy, now: datetime) -> QrCode | QrRejection:
    """Say what the scanned ``text`` is, or why it is declined."""
    if len(text) > MAX_QR_TEXT:
        return QrRejection(Reason.FORGED, f"{len(text)} characters, more than {MAX_QR_TEXT}")
    token = qr_text_to_token(text)
    if isinstance(token, TokenRejection):
        return _rejected(token)
    kinds = (TokenKind.APP, TokenKind.QR_CARD, TokenKind.TICKET)
    claims = verify_token(token, policy.keys, now, policy.leeway_s, kinds=kinds)
    if isinstance(claims, TokenRejection):
        return _rejected(claims)
    problem = _claims_problem(claims, policy)
    if problem:
        return QrRejection(Reason.FORGED, problem)
    return QrCode(_presentation(claims, token), claims)


def _rejected(rejection: TokenRejection) -> QrRejection:
    reason = _REASON.get(rejection.reason, Reason.FORGED)
    return QrRejection(reason, f"{rejection.reason.value}: {rejection.detail}")


def _claims_problem(claims: TokenClaims, policy: QrPolicy) -> str:
    """What is wrong with verified claims for their kind; "" when nothing."""
    single_use = claims.kind is not TokenKind.QR_CARD
    if single_use and not 1 <= len(claims.token_id) <= MAX_TOKEN_ID_BYTES:
        return f"a single-use code needs an id of 1 to {MAX_TOKEN_ID_BYTES} bytes"
    if claims.kind is TokenKind.TICKET:
        return "" if claims.ticket is not None else "a ticket without route, bus and window"
    if not _is_card_number(claims.subject):
        return f"a {claims.kind.value} code must name a {_CARD_NUMBER_DIGITS}-digit card number"
    lifetime = claims.expires - claims.issued_at
    if claims.kind is TokenKind.APP and lifetime > timedelta(seconds=policy.max_app_lifetime_s):
        return f"an app code valid for {lifetime} is not a dynamic QR"
    return ""


def _is_card_number(subject: str) -> bool:
    return len(subject) == _CARD_NUMBER_DIGITS and subject.isascii() and subject.isdigit()


def _presentation(claims: TokenClaims, token: bytes) -> Presentation:
    if claims.kind is TokenKind.TICKET:
        return Presentation(Medium.TICKET, credential=token)
    if claims.kind is TokenKind.QR_CARD:
        return Presentation(Medium.QR_CARD, card_number=claims.subject)
    return Presentation(Medium.QR_APP, card_number=claims.subject, credential=token)
