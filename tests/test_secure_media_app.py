"""The operator's app over NFC, end to end: an emulated phone over udp hands
the real nfcpy reader a signed single-use token; the pipeline verifies it
against the pinned ledger key, spends it in the replay cache in the same
transaction as the journal row, and charges the account it names."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.nfc.emulated_media import app_phone
from tests.secure_media_kit import ACCOUNT, KID, MORNING, POOR, SecureBus, app_token, bus
from validator.model import Medium, Reason

__all__ = ["bus"]


def balance(bus: SecureBus, number: str = ACCOUNT) -> int:
    account = bus.store.account(number, bus.clock.now())
    assert account is not None
    return account.available


def used_tokens(bus: SecureBus) -> list[tuple[str, int]]:
    with sqlite3.connect(bus.store.path) as conn:
        return list(conn.execute("SELECT token_id, seq FROM used_tokens ORDER BY seq"))


def test_a_phone_with_the_app_pays_from_the_account_its_token_names(bus: SecureBus) -> None:
    answer = bus.tap(app_phone(app_token()))
    assert (answer.decision.reason, answer.medium) == (Reason.PAID, Medium.APP_NFC)
    assert answer.line == "Paid 80 ₸ · balance 920 ₸"
    row = bus.store.journal()[-1]
    assert (row.medium, row.card_number, row.fare) == ("app_nfc", ACCOUNT, 80)
    assert used_tokens(bus) == [(b"cti-0001".hex(), row.seq)]


def test_the_same_token_shown_again_is_declined_as_replayed(bus: SecureBus) -> None:
    token = app_token()
    bus.tap(app_phone(token))
    bus.clock.advance(seconds=40)  # past the passback window
    again = bus.tap(app_phone(token))
    assert (again.decision.reason, again.line) == (Reason.REPLAYED, "Code already used")
    assert bus.store.journal()[-1].card_number is None
    assert balance(bus) == 920


def test_a_token_replayed_after_a_restart_is_still_declined(bus: SecureBus) -> None:
    token = app_token()
    bus.tap(app_phone(token))
    bus.restart()
    bus.clock.advance(minutes=1)
    assert bus.tap(app_phone(token)).decision.reason is Reason.REPLAYED
    assert balance(bus) == 920


def test_a_token_signed_with_another_key_under_the_pinned_key_id_is_forged(
    bus: SecureBus,
) -> None:
    forged = app_token(key=Ed25519PrivateKey.generate(), kid=KID)
    answer = bus.tap(app_phone(forged))
    assert (answer.decision.reason, answer.line) == (Reason.FORGED, "Code not valid")
    assert balance(bus) == 1000


def test_a_token_signed_by_a_key_that_is_not_pinned_is_forged(bus: SecureBus) -> None:
    stranger = app_token(key=Ed25519PrivateKey.generate(), kid=b"somebody-else")
    assert bus.tap(app_phone(stranger)).decision.reason is Reason.FORGED
    assert used_tokens(bus) == []


def test_an_expired_token_is_declined_as_expired(bus: SecureBus) -> None:
    old = app_token(issued=MORNING - timedelta(minutes=10))
    assert bus.tap(app_phone(old)).decision.reason is Reason.EXPIRED


def test_a_token_just_past_its_expiry_is_taken_within_the_clock_leeway(bus: SecureBus) -> None:
    late = app_token(issued=MORNING - timedelta(minutes=5, seconds=10))
    assert bus.tap(app_phone(late)).decision.reason is Reason.PAID


def test_bytes_that_are_no_token_at_all_are_forged(bus: SecureBus) -> None:
    for junk in (b"\x00", b"\xd8\x12\x84", b"KZT1:not a token", bytes(300)):
        assert bus.tap(app_phone(junk)).decision.reason is Reason.FORGED


def test_a_token_naming_no_card_number_is_forged(bus: SecureBus) -> None:
    assert bus.tap(app_phone(app_token(subject="12345"))).decision.reason is Reason.FORGED


def test_a_declined_payment_does_not_spend_the_token(bus: SecureBus) -> None:
    token = app_token(subject=POOR, cti=b"poor-1")
    assert bus.tap(app_phone(token)).decision.reason is Reason.INSUFFICIENT_FUNDS
    assert used_tokens(bus) == []


def test_spent_tokens_are_forgotten_once_they_have_expired(bus: SecureBus) -> None:
    bus.tap(app_phone(app_token(cti=b"first")))
    bus.clock.advance(minutes=10)
    bus.tap(app_phone(app_token(issued=bus.clock.now(), cti=b"second")))
    assert [token for token, _ in used_tokens(bus)] == [b"second".hex()]
