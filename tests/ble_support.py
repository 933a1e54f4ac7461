"""Shared set-up for the Bluetooth tests: real app tokens, a decision that
verifies them the way the pipeline would, and quick reader settings."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.ble import BleResult, BleSettings, ble_result
from validator.model import Decision, Outcome, Reason, Tenge
from validator.tokens import TokenClaims, TokenKind, TokenRejection, issue_token, verify_token

LEDGER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KID = b"ledger-ble"
KEYS = {KID: LEDGER_KEY.public_key()}
NOW = datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
CARD = "9398000000000000017"
FARE = Tenge(80)

# Quick windows for tests: the simulated phones advertise every 5 ms.
FAST = BleSettings(scan_window=0.05, connect_timeout=1.0, read_timeout=1.0, write_timeout=1.0)
ADVERT_INTERVAL = 0.005

_ids = itertools.count(1)


def app_token(card: str = CARD) -> bytes:
    """A fresh single-use app token signed by the test ledger key."""
    claims = TokenClaims(
        issuer="kzt-ledger",
        subject=card,
        kind=TokenKind.APP,
        issued_at=NOW - timedelta(seconds=10),
        expires=NOW + timedelta(minutes=2),
        token_id=next(_ids).to_bytes(16, "big"),
    )
    return issue_token(claims, LEDGER_KEY, KID)


class Till:
    """The decision the pipeline supplies, cut down: verify, then pay or decline."""

    def __init__(self) -> None:
        self.tokens: list[bytes] = []

    def __call__(self, token: bytes) -> BleResult:
        self.tokens.append(token)
        claims = verify_token(token, KEYS, NOW, 30)
        if isinstance(claims, TokenRejection):
            return ble_result(Decision(Outcome.DECLINED, Reason.FORGED))
        paid = Decision(Outcome.ACCEPTED, Reason.PAID, FARE, 1, Tenge(1160))
        return ble_result(paid)
