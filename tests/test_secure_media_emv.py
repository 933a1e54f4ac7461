"""Bank cards and phone wallets, end to end: the real nfcpy reader against
emulated EMV cards over udp, decided offline on the PAN token, journaled with
the token and the masked PAN only."""

from __future__ import annotations

from drivers.nfc.emulated_media import emv_card
from tests.secure_media_kit import FLEET_KEY, MORNING, SecureBus, bus, fixture_card
from validator.model import Medium, Reason, Signal
from validator.pan import pan_token

__all__ = ["bus"]

VISA_PAN = "4761739001010010"


def test_an_unknown_visa_card_rides_once_on_trust_at_the_bank_card_fare(bus: SecureBus) -> None:
    answer = bus.tap(emv_card(fixture_card("visa")))
    assert (answer.decision.reason, answer.decision.fare) == (Reason.FIRST_RIDE, 80)
    assert (answer.medium, answer.line) == (Medium.EMV, "Paid 80 ₸")
    row = bus.store.journal()[-1]
    assert (row.card_number, row.balance_after, row.result) == (None, None, "accepted")
    assert row.pan_token == pan_token(VISA_PAN, FLEET_KEY)
    assert row.masked_pan == "476173******0010"


def test_mastercard_unionpay_a_phone_wallet_and_a_track_2_card_are_read_and_ride(
    bus: SecureBus,
) -> None:
    masked = []
    for name in ("mastercard", "unionpay", "device_token", "track2_only"):
        answer = bus.tap(emv_card(fixture_card(name)))
        assert answer.decision.reason is Reason.FIRST_RIDE, name
        masked.append(bus.store.journal()[-1].masked_pan)
    assert masked == [
        "541333******0010",
        "625094******0014",
        "489537******5671",
        "400000******0002",
    ]


def test_the_same_card_again_inside_the_passback_window_has_already_paid(bus: SecureBus) -> None:
    bus.tap(emv_card(fixture_card("visa")))
    bus.clock.advance(seconds=5)
    again = bus.tap(emv_card(fixture_card("visa")))
    assert (again.decision.reason, again.decision.fare) == (Reason.ALREADY_PAID, 0)


def test_a_second_unconfirmed_tap_after_the_passback_window_is_declined(bus: SecureBus) -> None:
    bus.tap(emv_card(fixture_card("visa")))
    bus.clock.advance(minutes=30)
    second = bus.tap(emv_card(fixture_card("visa")))
    assert second.decision.reason is Reason.FIRST_RIDE_USED
    assert second.line == "Bank card not confirmed yet: use another card"
    assert bus.feedback.signals[-1] is Signal.DECLINED


def test_an_unconfirmed_card_rides_on_trust_again_once_the_window_has_passed(
    bus: SecureBus,
) -> None:
    bus.tap(emv_card(fixture_card("visa")))
    bus.clock.advance(hours=24, minutes=1)
    assert bus.tap(emv_card(fixture_card("visa"))).decision.reason is Reason.FIRST_RIDE


def test_a_card_the_ledger_confirmed_pays_on_every_ride(bus: SecureBus) -> None:
    bus.store.confirm_emv([pan_token(VISA_PAN, FLEET_KEY)], MORNING)
    reasons = []
    for _ in range(2):
        reasons.append(bus.tap(emv_card(fixture_card("visa"))).decision.reason)
        bus.clock.advance(minutes=30)
    assert reasons == [Reason.PAID, Reason.PAID]


def test_an_expired_card_is_declined(bus: SecureBus) -> None:
    answer = bus.tap(emv_card(fixture_card("expired")))
    assert (answer.decision.reason, answer.line) == (Reason.EXPIRED, "Card not valid: expired")
    assert bus.store.journal()[-1].masked_pan == "520473******0120"


def test_a_deny_listed_token_is_declined(bus: SecureBus) -> None:
    bus.store.deny(pan_token(VISA_PAN, FLEET_KEY), "declined by the bank", MORNING)
    answer = bus.tap(emv_card(fixture_card("visa")))
    assert answer.decision.reason is Reason.DENY_LISTED


def test_a_card_whose_records_are_malformed_asks_to_present_again_and_rides_nowhere(
    bus: SecureBus,
) -> None:
    answer = bus.tap(emv_card(fixture_card("malformed_record")))
    assert (answer.decision.reason, answer.medium) == (Reason.READ_ERROR, Medium.EMV)
    row = bus.store.journal()[-1]
    assert (row.result, row.fare, row.pan_token) == ("declined", 0, None)


def test_a_card_without_a_payment_application_is_not_taken(bus: SecureBus) -> None:
    assert bus.tap(emv_card(fixture_card("no_ppse"))).decision.reason is Reason.READ_ERROR


def test_a_card_pulled_away_mid_read_is_not_charged_and_the_next_tap_rides(
    bus: SecureBus,
) -> None:
    torn = emv_card(fixture_card("mastercard")).leave_after(4)
    assert bus.tap(torn).decision.reason is Reason.READ_ERROR
    assert bus.tap(emv_card(fixture_card("mastercard"))).decision.reason is Reason.FIRST_RIDE
