"""The operator's app over NFC: SELECT, GET TOKEN, and the phone emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.emv.reader import CardLeft
from drivers.phone_app import (
    APP_AID,
    AppPhoneModel,
    AppProblem,
    AppReadFailure,
    read_app_token,
)
from validator.tokens import TokenClaims, TokenKind, issue_token, verify_token

KEY = Ed25519PrivateKey.generate()
NOW = datetime(2025, 3, 14, 8, 0, tzinfo=UTC)


def a_token(subject: str = "9398000000000000017") -> bytes:
    claims = TokenClaims(
        "kzt-ledger", subject, TokenKind.APP, NOW, NOW + timedelta(minutes=5), b"1"
    )
    return issue_token(claims, KEY, b"k1")


def test_the_reader_selects_the_app_and_gets_the_token_with_two_exact_commands() -> None:
    phone = AppPhoneModel(a_token())
    assert read_app_token(phone) == a_token()
    assert [command.hex().upper() for command, _ in phone.transcript] == [
        "00A4040008F04B5A544150503100",
        "80CADF5400",
    ]


def test_the_token_read_over_nfc_verifies() -> None:
    token = read_app_token(AppPhoneModel(a_token()))
    assert isinstance(token, bytes)
    claims = verify_token(token, {b"k1": KEY.public_key()}, NOW, 0)
    assert isinstance(claims, TokenClaims) and claims.subject == "9398000000000000017"


def test_a_token_longer_than_one_response_comes_in_parts() -> None:
    long_token = bytes(range(256)) * 3 + b"end"
    phone = AppPhoneModel(long_token)
    assert read_app_token(phone) == long_token
    assert [c.hex().upper() for c, _ in phone.transcript[2:]] == [
        "00C0000000",
        "00C0000000",
        "00C0000003",
    ]


def test_a_phone_without_the_app_has_no_application() -> None:
    failure = read_app_token(AppPhoneModel(a_token(), aid=bytes.fromhex("F000000001")))
    assert failure == AppReadFailure(AppProblem.NO_APPLICATION, "SELECT app: status 6A82")


def test_an_app_refusing_get_token_is_refused() -> None:
    def phone(apdu: bytes) -> bytes:
        return b"\x90\x00" if apdu[1] == 0xA4 else b"\x69\x85"

    failure = read_app_token(phone)
    assert isinstance(failure, AppReadFailure) and failure.problem is AppProblem.REFUSED


@pytest.mark.parametrize("answered", [0, 1])
def test_a_phone_pulled_away_is_card_left(answered: int) -> None:
    phone = AppPhoneModel(a_token())
    calls = iter(range(answered))

    def leaving(apdu: bytes) -> bytes:
        if next(calls, None) is None:
            raise CardLeft
        return phone(apdu)

    failure = read_app_token(leaving)
    assert isinstance(failure, AppReadFailure) and failure.problem is AppProblem.CARD_LEFT


@pytest.mark.parametrize("answer", [b"", b"\x90", b"\x90\x00"])
def test_an_empty_or_short_answer_is_garbage(answer: bytes) -> None:
    def phone(apdu: bytes) -> bytes:
        return b"\x90\x00" if apdu[1] == 0xA4 else answer

    failure = read_app_token(phone)
    assert isinstance(failure, AppReadFailure) and failure.problem is AppProblem.GARBAGE


def test_an_endless_chain_of_parts_is_garbage() -> None:
    def phone(apdu: bytes) -> bytes:
        return b"\x90\x00" if apdu[1] == 0xA4 else bytes(255) + b"\x61\x00"

    failure = read_app_token(phone)
    assert isinstance(failure, AppReadFailure) and failure.problem is AppProblem.GARBAGE


def test_the_default_aid_is_proprietary_and_documented() -> None:
    assert bytes.fromhex("F04B5A5441505031") == APP_AID
