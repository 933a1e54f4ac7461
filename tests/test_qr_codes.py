"""What a scanned QR text is: every kind accepted, every way it is declined."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from validator.base45 import ALPHABET
from validator.model import Medium, Reason
from validator.qr import MAX_QR_TEXT, QrCode, QrPolicy, QrRejection, classify_qr
from validator.tokens import (
    QR_PREFIX,
    TicketFields,
    TokenClaims,
    TokenKind,
    issue_token,
    token_to_qr_text,
)

LEDGER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KID = b"ledger-2025"
POLICY = QrPolicy(keys={KID: LEDGER.public_key()}, leeway_s=0)
NOW = datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
CARD = "9398000000000000017"

APP = TokenClaims("kzt-ledger", CARD, TokenKind.APP, NOW, NOW + timedelta(minutes=2), b"app-1")
QR_CARD = replace(
    APP, kind=TokenKind.QR_CARD, expires=NOW + timedelta(days=3 * 365), token_id=b"qrcard-1"
)
TICKET = TokenClaims(
    "kzt-ledger",
    "SMS-7K2QW9PX",
    TokenKind.TICKET,
    NOW - timedelta(minutes=5),
    NOW + timedelta(minutes=85),
    b"ticket-1",
    ticket=TicketFields("12", "B123", NOW - timedelta(minutes=5), NOW + timedelta(minutes=85)),
)


def qr(claims: TokenClaims, key: Ed25519PrivateKey = LEDGER, kid: bytes = KID) -> str:
    return token_to_qr_text(issue_token(claims, key, kid))


def declined(text: str, now: datetime = NOW) -> QrRejection:
    result = classify_qr(text, POLICY, now)
    assert isinstance(result, QrRejection), result
    return result


def accepted(text: str) -> QrCode:
    result = classify_qr(text, POLICY, NOW)
    assert isinstance(result, QrCode), result
    return result


def test_the_apps_dynamic_qr_pays_from_the_account_it_names() -> None:
    code = accepted(qr(APP))
    assert code.presentation.medium is Medium.QR_APP
    assert code.presentation.card_number == CARD
    assert code.presentation.credential == issue_token(APP, LEDGER, KID)
    assert code.claims.token_id == b"app-1"  # the pipeline's replay cache keys on it


def test_a_printed_qr_card_is_treated_as_the_card_it_names() -> None:
    code = accepted(qr(QR_CARD))
    assert code.presentation.medium is Medium.QR_CARD
    assert code.presentation.card_number == CARD
    assert code.presentation.credential is None


def test_a_prepaid_ticket_is_a_ticket_with_its_route_bus_and_window() -> None:
    code = accepted(qr(TICKET))
    assert code.presentation.medium is Medium.TICKET
    assert code.presentation.card_number is None
    assert code.presentation.credential is not None
    assert code.claims.ticket == TICKET.ticket


def test_a_cash_ticket_signed_by_a_device_key_is_accepted_when_that_key_is_pinned() -> None:
    device = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))
    policy = replace(POLICY, keys={**POLICY.keys, b"device-B123": device.public_key()})
    result = classify_qr(qr(TICKET, device, b"device-B123"), policy, NOW)
    assert isinstance(result, QrCode) and result.presentation.medium is Medium.TICKET


def test_a_code_signed_with_another_key_under_our_key_id_is_forged() -> None:
    assert declined(qr(APP, OTHER)).reason is Reason.FORGED


def test_a_code_from_a_key_that_is_not_pinned_is_declined() -> None:
    rejection = declined(qr(APP, OTHER, b"someone-else"))
    assert rejection.reason is Reason.FORGED
    assert "unknown_key" in rejection.detail


def test_a_code_with_one_character_changed_is_forged() -> None:
    text = qr(QR_CARD)
    position = len(QR_PREFIX) + 40
    changed = ALPHABET[(ALPHABET.index(text[position]) + 1) % 45]
    assert declined(text[:position] + changed + text[position + 1 :]).reason is Reason.FORGED


@pytest.mark.parametrize("claims", [APP, QR_CARD, TICKET], ids=["app", "qr_card", "ticket"])
def test_an_expired_code_of_any_kind_is_declined_as_expired(claims: TokenClaims) -> None:
    assert declined(qr(claims), now=claims.expires + timedelta(seconds=1)).reason is Reason.EXPIRED


def test_a_code_issued_in_the_future_is_declined() -> None:
    early = NOW - timedelta(hours=1)
    assert declined(qr(APP), now=early).reason is Reason.FORGED


def test_an_app_code_valid_for_days_is_no_dynamic_qr_and_is_declined() -> None:
    long_lived = replace(APP, expires=NOW + timedelta(days=2))
    assert "dynamic" in declined(qr(long_lived)).detail


@pytest.mark.parametrize(
    "subject", ["12345", "9398000000000000017X", "９３９８０００００００００００００００１７"]
)
def test_an_app_or_qr_card_code_that_names_no_card_number_is_declined(subject: str) -> None:
    for claims in (APP, QR_CARD):
        assert declined(qr(replace(claims, subject=subject))).reason is Reason.FORGED


@pytest.mark.parametrize("claims", [APP, TICKET], ids=["app", "ticket"])
@pytest.mark.parametrize("token_id", [b"", bytes(65)], ids=["empty", "65 bytes"])
def test_a_single_use_code_without_a_usable_id_is_declined(
    claims: TokenClaims, token_id: bytes
) -> None:
    assert declined(qr(replace(claims, token_id=token_id))).reason is Reason.FORGED


def test_a_ticket_without_route_bus_and_window_is_declined() -> None:
    assert declined(qr(replace(TICKET, ticket=None))).reason is Reason.FORGED


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://kaspi.kz/pay/123",
        "4870123456789",  # a shop's barcode
        "KZT2:" + qr(APP)[5:],  # a format this validator does not know
        qr(APP).lower(),
        qr(APP)[:-1],  # a half code: one character short
        "KZT1:" + "A" * 300,  # Base45 that decodes to no token
        "KZT1:",
        "KZT1:::::",
    ],
)
def test_texts_that_are_no_signed_code_are_declined_as_not_valid(text: str) -> None:
    assert declined(text).reason is Reason.FORGED


def test_an_oversize_text_is_declined_without_being_decoded() -> None:
    rejection = declined(QR_PREFIX + "0" * MAX_QR_TEXT)
    assert rejection.reason is Reason.FORGED
    assert str(MAX_QR_TEXT) in rejection.detail


@given(st.text(max_size=400))
def test_no_text_however_malformed_raises_or_is_accepted(text: str) -> None:
    assert isinstance(classify_qr(text, POLICY, NOW), QrRejection)


@given(st.text(alphabet=ALPHABET, max_size=600))
def test_no_base45_text_after_the_prefix_raises_or_is_accepted(tail: str) -> None:
    assert isinstance(classify_qr(QR_PREFIX + tail, POLICY, NOW), QrRejection)


@given(st.integers(min_value=len(QR_PREFIX), max_value=300), st.sampled_from(ALPHABET))
def test_a_real_code_with_any_character_changed_is_never_accepted_as_changed(
    position: int, char: str
) -> None:
    text = qr(APP)
    position = min(position, len(text) - 1)
    mutated = text[:position] + char + text[position + 1 :]
    result = classify_qr(mutated, POLICY, NOW)
    assert mutated == text or isinstance(result, QrRejection)
