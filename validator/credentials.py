"""What a presented credential proves: a signed single-use token names an
account, and a card's own record can shorten the account's validity.

``check_credential`` turns the token bytes of the operator's app (over NFC
today, QR and Bluetooth later) into the card number it pays from, or a
declined ``Decision``: FORGED (format, key, signature, kind, a token from the
future, a subject that is no card number), EXPIRED, or REPLAYED (its single-use
id was spent here before). Pure: the pinned keys, the clock and the set of
spent ids are parameters.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from validator.model import Account, Decision, Outcome, Reason
from validator.tokens import RejectReason, TokenRejection, verify_token

__all__ = ["TokenPass", "check_credential", "with_card_expiry"]

_CARD_NUMBER = re.compile(r"[0-9]{19}")
MAX_TOKEN_ID_BYTES = 64


@dataclass(frozen=True, slots=True)
class TokenPass:
    """A token that verified and was not spent: it pays from ``card_number``.
    The replay cache must remember ``token_id`` until ``keep_until``."""

    card_number: str
    token_id: bytes
    keep_until: datetime


def check_credential(
    credential: bytes,
    keys: Mapping[bytes, Ed25519PublicKey],
    now: datetime,
    leeway_s: int,
    used: Container[bytes],
) -> TokenPass | Decision:
    """Verify an app token against the pinned ledger ``keys`` at ``now`` with
    ``leeway_s`` seconds of clock tolerance; ``used`` holds the spent ids."""
    checked = verify_token(credential, keys, now, leeway_s)
    if isinstance(checked, TokenRejection):
        expired = checked.reason is RejectReason.EXPIRED
        return _declined(Reason.EXPIRED if expired else Reason.FORGED)
    if not _CARD_NUMBER.fullmatch(checked.subject):
        return _declined(Reason.FORGED)
    if not 1 <= len(checked.token_id) <= MAX_TOKEN_ID_BYTES:
        return _declined(Reason.FORGED)
    if checked.token_id in used:
        return _declined(Reason.REPLAYED)
    keep_until = checked.expires + timedelta(seconds=leeway_s)
    return TokenPass(checked.subject, checked.token_id, keep_until)


def with_card_expiry(account: Account | None, card_expires: date | None) -> Account | None:
    """The account, valid no longer than the card itself says (a DESFire
    record's expiry date): the earlier of the list's and the card's dates."""
    if account is None or card_expires is None:
        return account
    if account.expires is not None and account.expires <= card_expires:
        return account
    return replace(account, expires=card_expires)


def _declined(reason: Reason) -> Decision:
    return Decision(Outcome.DECLINED, reason)
