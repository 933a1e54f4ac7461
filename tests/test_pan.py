"""Card numbers: Luhn, masking, the keyed token, and the leak scanner."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validator.pan import luhn_valid, mask_pan, pan_token, scan_for_pans

FLEET_KEY = bytes(range(16))


@pytest.mark.parametrize(
    "pan",
    ["4111111111111111", "5555555555554444", "4761739001010010", "6200000000000005", "79927398713"],
)
def test_known_good_numbers_pass_the_luhn_check(pan: str) -> None:
    assert luhn_valid(pan)


@pytest.mark.parametrize("digits", ["4111111111111112", "79927398710", "", "4111-1111", "４１１１"])
def test_wrong_check_digits_and_non_digits_fail_the_luhn_check(digits: str) -> None:
    assert not luhn_valid(digits)


def test_a_pan_is_masked_to_its_first_six_and_last_four_digits() -> None:
    assert mask_pan("4400001234561234") == "440000******1234"
    assert mask_pan("6250947000000014123") == "625094*********4123"


@pytest.mark.parametrize("bad", ["", "12345678901", "4400 0012 3456 1234", "44000012345612345678"])
def test_masking_refuses_what_is_not_a_pan(bad: str) -> None:
    with pytest.raises(ValueError):
        mask_pan(bad)


def test_the_pan_token_is_hmac_sha256_of_the_digits_under_the_fleet_key() -> None:
    expected = hmac.new(FLEET_KEY, b"4111111111111111", hashlib.sha256).hexdigest()
    assert pan_token("4111111111111111", FLEET_KEY) == expected
    assert pan_token("4111111111111111", FLEET_KEY) != pan_token("4111111111111111", bytes(16))


def test_a_fleet_key_shorter_than_128_bits_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        pan_token("4111111111111111", bytes(15))


def test_the_scanner_finds_pans_alone_or_in_groups_of_four() -> None:
    text = 'card 4111111111111111, {"p": "5555 5555 5555 4444"} 4761-7390-0101-0010.'
    assert scan_for_pans(text) == ["4111111111111111", "5555555555554444", "4761739001010010"]


def test_the_scanner_ignores_masks_tokens_and_failing_numbers() -> None:
    token = pan_token("4111111111111111", FLEET_KEY)
    text = f"440000******1234 {token} 4111111111111112 a4111111111111111 {'9' * 20}"
    assert scan_for_pans(text) == []


def test_a_digest_whose_digit_run_passes_luhn_is_not_a_pan() -> None:
    assert scan_for_pans("deadbeef4111111111111111cafe") == []


@given(st.integers(10**12, 10**19 - 1))
def test_every_luhn_valid_number_the_masking_takes_is_found_by_the_scanner(number: int) -> None:
    digits = str(number)
    if luhn_valid(digits) and digits[0] in "23456":
        assert scan_for_pans(f"leak: {digits}!") == [digits]
        assert scan_for_pans(mask_pan(digits)) == []
