"""The pure rules of the secure media: app tokens (signature, key, expiry,
single use) and bank cards decided offline (deny list, expiry, passback,
first-ride risk)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from tests.secure_media_kit import ACCOUNT, KID, LEDGER_KEY, MORNING, app_token
from validator.app import load_fare_rules
from validator.config import load_config, shipped_config
from validator.credentials import TokenPass, check_credential, with_card_expiry
from validator.emv_risk import EmvHistory, FirstRideRules, decide_emv
from validator.fares import parse_fare_table
from validator.model import (
    Account,
    Boarding,
    CardStatus,
    Category,
    Decision,
    Medium,
    Outcome,
    Presentation,
    Reason,
    Tenge,
    TripContext,
)
from validator.tokens import TokenClaims, TokenKind, issue_token

KEYS = {KID: LEDGER_KEY.public_key()}
RULES, _ = load_fare_rules(load_config(shipped_config("sim.toml")))
TRIP = TripContext("12")
CARD = Presentation(Medium.EMV, pan_token="ab" * 32, masked_pan="476173******0010")
VALID_CARD = Presentation(
    Medium.EMV, pan_token="ab" * 32, masked_pan="476173******0010", expires=date(2030, 12, 31)
)
WINDOW = FirstRideRules(timedelta(hours=24))


def check(token: bytes, used: set[bytes] | None = None, now: datetime = MORNING) -> object:
    result = check_credential(token, KEYS, now, 30, used or set())
    return result.reason if isinstance(result, Decision) else result


# --- app tokens -------------------------------------------------------------------


def test_a_good_token_names_its_card_and_is_remembered_until_expiry_plus_leeway() -> None:
    assert check(app_token()) == TokenPass(
        ACCOUNT, b"cti-0001", MORNING + timedelta(minutes=5, seconds=30)
    )


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (app_token(key=Ed25519PrivateKey.generate()), Reason.FORGED),
        (app_token(kid=b"unknown"), Reason.FORGED),
        (app_token(subject="9643-1080-0000-0001"), Reason.FORGED),
        (app_token(cti=b""), Reason.FORGED),
        (app_token(issued=MORNING + timedelta(minutes=2)), Reason.FORGED),  # from the future
        (app_token(issued=MORNING - timedelta(minutes=6)), Reason.EXPIRED),
        (b"", Reason.FORGED),
        (app_token()[:-1], Reason.FORGED),
    ],
)
def test_tokens_that_must_not_pay_are_declined_with_their_reason(
    token: bytes, reason: Reason
) -> None:
    assert check(token) is reason


def test_a_token_of_another_kind_is_forged_here() -> None:
    claims = TokenClaims(
        "kzt-ledger", ACCOUNT, TokenKind.QR_CARD, MORNING, MORNING + timedelta(days=365), b"q1"
    )
    assert check(issue_token(claims, LEDGER_KEY, KID)) is Reason.FORGED


def test_a_spent_token_is_replayed_but_only_once_it_verifies() -> None:
    assert check(app_token(), used={b"cti-0001"}) is Reason.REPLAYED
    forged = app_token(key=Ed25519PrivateKey.generate())
    assert check(forged, used={b"cti-0001"}) is Reason.FORGED


def test_the_cards_own_expiry_shortens_the_accounts() -> None:
    account = Account(ACCOUNT, CardStatus.ACTIVE, Category.STANDARD, Tenge(100), Tenge(0))
    assert with_card_expiry(account, date(2027, 1, 1)).expires == date(2027, 1, 1)  # type: ignore[union-attr]
    earlier = with_card_expiry(account, date(2026, 1, 1))
    assert with_card_expiry(earlier, date(2027, 1, 1)) == earlier
    assert with_card_expiry(None, date(2027, 1, 1)) is None
    assert with_card_expiry(account, None) is account


# --- bank cards -------------------------------------------------------------------


NOTHING_KNOWN = EmvHistory()


def emv(
    history: EmvHistory = NOTHING_KNOWN,
    card: Presentation = VALID_CARD,
    now: datetime = MORNING,
) -> Reason:
    return decide_emv(card, history, RULES, TRIP, now, WINDOW).reason


def boarded(seconds_ago: float, riders: int = 1) -> Boarding:
    return Boarding(MORNING - timedelta(seconds=seconds_ago), "12", Tenge(80), riders)


@pytest.mark.parametrize(
    ("history", "card", "reason"),
    [
        (EmvHistory(), VALID_CARD, Reason.FIRST_RIDE),
        (EmvHistory(confirmed=True), VALID_CARD, Reason.PAID),
        (EmvHistory(deny_listed=True, confirmed=True), VALID_CARD, Reason.DENY_LISTED),
        (EmvHistory(deny_listed=True), CARD, Reason.DENY_LISTED),
        (EmvHistory(confirmed=True), CARD, Reason.EXPIRED),  # no readable expiry
        (EmvHistory(), Presentation(Medium.EMV, expires=date(2030, 1, 1)), Reason.UNKNOWN_CARD),
        (EmvHistory(last_first_ride=MORNING - timedelta(hours=2)), VALID_CARD,
         Reason.FIRST_RIDE_USED),
        (EmvHistory(last_first_ride=MORNING - timedelta(hours=25)), VALID_CARD,
         Reason.FIRST_RIDE),
        (EmvHistory(last_first_ride=MORNING + timedelta(hours=3)), VALID_CARD,
         Reason.FIRST_RIDE_USED),  # the clock went back: still counts
        (EmvHistory(recent=(boarded(10),)), VALID_CARD, Reason.ALREADY_PAID),
        (EmvHistory(recent=(boarded(20),), last_first_ride=MORNING - timedelta(seconds=20)),
         VALID_CARD, Reason.FIRST_RIDE_USED),
    ],
)  # fmt: skip
def test_bank_cards_are_decided_on_what_the_validator_knows_of_their_token(
    history: EmvHistory, card: Presentation, reason: Reason
) -> None:
    assert emv(history, card) is reason


def test_a_card_expired_yesterday_is_declined_and_one_expiring_today_rides() -> None:
    yesterday = Presentation(Medium.EMV, pan_token="ab", expires=MORNING.date() - timedelta(1))
    today = Presentation(Medium.EMV, pan_token="ab", expires=MORNING.date())
    assert (emv(card=yesterday), emv(card=today)) == (Reason.EXPIRED, Reason.FIRST_RIDE)


def test_a_companion_on_a_bank_card_pays_only_once_the_card_is_confirmed() -> None:
    companion = Presentation(Medium.EMV, pan_token="ab", expires=date(2030, 1, 1), companion=True)
    recent = (boarded(5),)
    assert emv(EmvHistory(recent=recent), companion) is Reason.FIRST_RIDE_USED
    confirmed = EmvHistory(confirmed=True, recent=recent)
    paid = decide_emv(companion, confirmed, RULES, TRIP, MORNING, WINDOW)
    assert (paid.reason, paid.fare, paid.riders) == (Reason.COMPANION, 80, 1)
    full = EmvHistory(confirmed=True, recent=(boarded(5, riders=4),))
    assert emv(full, companion) is Reason.COMPANION_LIMIT


def test_a_route_without_a_bank_card_fare_declines_them() -> None:
    rules = parse_fare_table({"version": 1, "fares": {"classic": 80}})
    decision = decide_emv(VALID_CARD, EmvHistory(), rules, TRIP, MORNING, WINDOW)
    assert decision.reason is Reason.NO_FARE


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        decide_emv(VALID_CARD, EmvHistory(), RULES, TRIP, MORNING.replace(tzinfo=None))


@given(
    deny=st.booleans(),
    confirmed=st.booleans(),
    expires_in_days=st.integers(-400, 400),
    first_ride_ago=st.none() | st.integers(-10**6, 10**6),
    tapped_ago=st.lists(st.integers(-100, 10**5), max_size=4),
    companion=st.booleans(),
)  # fmt: skip
def test_a_bank_card_never_rides_when_denied_expired_or_already_trusted_in_the_window(
    deny: bool,
    confirmed: bool,
    expires_in_days: int,
    first_ride_ago: int | None,
    tapped_ago: list[int],
    companion: bool,
) -> None:
    card = Presentation(
        Medium.EMV,
        pan_token="ab",
        expires=MORNING.date() + timedelta(days=expires_in_days),
        companion=companion,
    )
    last = None if first_ride_ago is None else MORNING - timedelta(seconds=first_ride_ago)
    recent = tuple(sorted((boarded(ago) for ago in tapped_ago), key=lambda b: b.at, reverse=True))
    history = EmvHistory(deny, confirmed, last, recent)
    decision = decide_emv(card, history, RULES, TRIP, MORNING, WINDOW)
    if decision.outcome is Outcome.ACCEPTED:
        assert not deny and expires_in_days >= 0
    if decision.reason is Reason.FIRST_RIDE:
        assert not confirmed and (last is None or MORNING - last >= WINDOW.window)
    if decision.fare > 0:
        assert decision.reason in (Reason.FIRST_RIDE, Reason.PAID, Reason.COMPANION)
