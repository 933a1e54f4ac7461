"""Inspection on bus B123: paid and unpaid cards, bank cards by their PAN
token, app codes, cash tickets from this and the other validator of the bus,
forged tickets, and what was presented at the reader while armed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests import shift_samples as day
from validator.base45 import base45_encode
from validator.cash import ticket_qr_text
from validator.inspection import (
    TripWindow,
    Verdict,
    inspect_app_code,
    inspect_bank_card,
    inspect_card,
    inspect_ticket,
    trip_window,
)
from validator.inspection_media import Arming, CodeKeys, arm, inspect_presented, is_inspected
from validator.model import Category, Medium, Outcome, Presentation, Reason, Tenge, TripContext
from validator.ports import CardRead, ReadFailure, ReadProblem, Rejection
from validator.shift import Phase, ShiftState
from validator.tap_entries import TapEntry
from validator.tokens import (
    TicketFields,
    TokenClaims,
    TokenKind,
    issue_token,
    qr_text_to_token,
    token_to_qr_text,
)

NOW = day.at(6, 40)
TRIP = TripWindow(day.at(6, 10), NOW)
KEYS = {b"VAL-0042": day.DEVICE_KEY.public_key(), b"VAL-0043": day.REAR_KEY.public_key()}
LEDGER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
LEDGER_KEYS = {b"ledger-1": LEDGER_KEY.public_key()}


def test_a_card_that_paid_in_this_trip_shows_when_how_and_which_category() -> None:
    seen = inspect_card("9398000000000102", day.TAPS, TRIP, "en")
    assert seen.verdict is Verdict.PAID
    assert (seen.medium, seen.category, seen.fare) == (Medium.DESFIRE, Category.STUDENT, 40)
    assert seen.line == "Paid 40 ₸ at 06:13 · Card (DESFire) · Student · route 12"


def test_a_card_found_by_its_uid_counts_too() -> None:
    tap = replace(day.TAPS[0], card_number=None, uid="04AABBCC")
    assert inspect_card("04AABBCC", [tap], TRIP).paid


def test_a_card_that_tapped_but_was_declined_has_not_paid_and_the_inspector_sees_why() -> None:
    seen = inspect_card("9398000000000103", day.TAPS, TRIP, "en")
    assert seen.verdict is Verdict.NOT_PAID
    assert seen.line == (
        "NOT paid on this bus since 06:10 · tapped at 06:14 but declined: Top up your card"
    )


def test_a_card_that_never_tapped_has_not_paid() -> None:
    seen = inspect_card("9398000000000999", day.TAPS, TRIP, "ru")
    assert seen.verdict is Verdict.NOT_PAID
    assert seen.line == "НЕ оплачено в этом автобусе с 06:10"


def test_a_tap_before_this_trip_does_not_count() -> None:
    next_trip = TripWindow(day.at(7, 15), day.at(7, 40))
    assert inspect_card("9398000000000101", day.TAPS, next_trip).verdict is Verdict.NOT_PAID


def test_the_trip_window_runs_from_the_trip_start_or_covers_the_last_90_minutes() -> None:
    on_trip = ShiftState(phase=Phase.ON_TRIP, trip=TripContext("12"), trip_started_at=day.at(6, 10))
    assert trip_window(on_trip, NOW) == TRIP
    assert trip_window(ShiftState(), NOW) == TripWindow(NOW - timedelta(minutes=90), NOW)


def test_a_cash_ticket_of_this_validator_verifies_with_its_key() -> None:
    qr = ticket_qr_text(day.STUDENTS_SALE, day.DEVICE_KEY)
    seen = inspect_ticket(qr, KEYS, "B123", NOW, "en")
    assert seen.verdict is Verdict.PAID
    assert (seen.medium, seen.category, seen.riders) == (Medium.CASH, Category.STUDENT, 2)
    assert seen.line == "Ticket VAL-0042-000002 valid until 07:55 · Student · × 2"


def test_a_cash_ticket_of_the_rear_door_validator_verifies_with_that_validators_key() -> None:
    rear = replace(day.FIRST_SALE, device_id="VAL-0043", ticket_number="VAL-0043-000007")
    qr = ticket_qr_text(rear, day.REAR_KEY)
    assert inspect_ticket(qr, KEYS, "B123", NOW).ticket_number == "VAL-0043-000007"
    only_ours = {b"VAL-0042": day.DEVICE_KEY.public_key()}
    refused = inspect_ticket(qr, only_ours, "B123", NOW)
    assert refused.verdict is Verdict.NOT_VALID and refused.detail.startswith("unknown_key")


def test_a_ticket_signed_with_another_key_under_our_name_is_forged() -> None:
    forger = Ed25519PrivateKey.generate()
    richer = replace(day.FIRST_SALE, riders=5)
    qr = ticket_qr_text(richer, forger)  # kid says VAL-0042, the key is not ours
    seen = inspect_ticket(qr, KEYS, "B123", NOW, "en")
    assert seen.verdict is Verdict.NOT_VALID and seen.detail.startswith("bad_signature")
    assert seen.line == "QR NOT valid: forged, damaged or from an unknown issuer"


def test_a_damaged_or_foreign_qr_is_not_valid() -> None:
    good = ticket_qr_text(day.FIRST_SALE, day.DEVICE_KEY)
    flipped = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    for text in (flipped, "KZT1:", "https://example.com/ticket", "KZT1:" + base45_encode(b"\xa0")):
        assert inspect_ticket(text, KEYS, "B123", NOW).verdict is Verdict.NOT_VALID


def test_a_ticket_for_another_bus_is_not_valid_here() -> None:
    other_bus = replace(day.FIRST_SALE, bus="B777")
    seen = inspect_ticket(ticket_qr_text(other_bus, day.DEVICE_KEY), KEYS, "B123", NOW, "en")
    assert seen.verdict is Verdict.NOT_VALID
    assert seen.line == "Ticket NOT valid on this bus: it is for bus B777, route 12"


def test_an_expired_ticket_is_not_valid() -> None:
    qr = ticket_qr_text(day.FIRST_SALE, day.DEVICE_KEY)
    seen = inspect_ticket(qr, KEYS, "B123", day.at(8, 0), "kk")
    assert seen.verdict is Verdict.NOT_VALID and seen.line.startswith("Билет ЖАРАМСЫЗ")


def _ledger_token(kind: TokenKind, subject: str) -> str:
    claims = TokenClaims(
        issuer="kzt-ledger",
        subject=subject,
        kind=kind,
        issued_at=day.at(6, 39),
        expires=day.at(6, 44),
        token_id=b"\x01" * 16,
    )
    return token_to_qr_text(issue_token(claims, LEDGER_KEY, b"ledger-1"))


def test_an_app_code_is_checked_then_the_card_it_names() -> None:
    paid = _ledger_token(TokenKind.APP, "9398000000000101")
    assert inspect_app_code(paid, LEDGER_KEYS, day.TAPS, TRIP).paid
    unpaid = _ledger_token(TokenKind.QR_CARD, "9398000000000555")
    assert inspect_app_code(unpaid, LEDGER_KEYS, day.TAPS, TRIP).verdict is Verdict.NOT_PAID


def test_an_expired_app_code_asks_for_a_fresh_one() -> None:
    stale = _ledger_token(TokenKind.APP, "9398000000000101")
    seen = inspect_app_code(stale, LEDGER_KEYS, day.TAPS, TripWindow(NOW, day.at(6, 50)), "en")
    assert seen.verdict is Verdict.NOT_VALID
    assert seen.line == "App code expired: ask the passenger to open a fresh code"


def test_a_cash_ticket_shown_as_an_app_code_is_not_taken() -> None:
    qr = ticket_qr_text(day.FIRST_SALE, day.DEVICE_KEY)
    seen = inspect_app_code(qr, KEYS, day.TAPS, TRIP)
    assert seen.verdict is Verdict.NOT_VALID and seen.detail.startswith("wrong_kind")


def test_an_sms_ticket_from_the_ledger_counts_as_a_ticket() -> None:
    claims = TokenClaims(
        issuer="kzt-ledger",
        subject="K7P2QX9A",
        kind=TokenKind.TICKET,
        issued_at=day.at(6, 11),
        expires=day.at(7, 41),
        token_id=b"K7P2QX9A",
        ticket=TicketFields("12", "B123", day.at(6, 11), day.at(7, 41)),
    )
    qr = token_to_qr_text(issue_token(claims, LEDGER_KEY, b"ledger-1"))
    seen = inspect_ticket(qr, LEDGER_KEYS, "B123", NOW)
    assert seen.paid and seen.medium is Medium.TICKET and seen.riders == 1


# --- at the reader: what was presented (validator.inspection_media) ---------------------

PAN_TOKEN = "ab" * 32
BANK_TAP = TapEntry(day.at(6, 15), Medium.EMV, Outcome.ACCEPTED, Reason.FIRST_RIDE, Tenge(80))
CODE_KEYS = CodeKeys(LEDGER_KEYS, {**LEDGER_KEYS, **KEYS}, "B123")


def test_a_bank_card_paid_when_a_bank_card_tap_with_its_token_lies_in_the_trip() -> None:
    taps = [replace(BANK_TAP, card_number=PAN_TOKEN, route="12")]
    assert inspect_bank_card(PAN_TOKEN, taps, TRIP, "en").line.startswith("Paid 80 ₸ at 06:15")
    assert inspect_bank_card("cd" * 32, taps, TRIP).verdict is Verdict.NOT_PAID
    card_tap = replace(taps[0], medium=Medium.DESFIRE)  # a token never matches another medium
    assert inspect_bank_card(PAN_TOKEN, [card_tap], TRIP).verdict is Verdict.NOT_PAID


def test_an_already_paid_echo_does_not_hide_the_tap_that_paid() -> None:
    paid = replace(day.TAPS[0], at=day.at(6, 20))
    echo = replace(paid, at=day.at(6, 21), reason=Reason.ALREADY_PAID, fare=Tenge(0), riders=0)
    seen = inspect_card(paid.card_number or "", [paid, echo], TRIP)
    assert seen.paid and seen.fare == paid.fare and seen.paid_at == paid.at


def test_a_cash_ticket_the_scanner_refused_is_still_checked_with_this_validators_key() -> None:
    token = qr_text_to_token(ticket_qr_text(day.STUDENTS_SALE, day.DEVICE_KEY))
    assert isinstance(token, bytes)
    refused = Rejection(Presentation(Medium.UNKNOWN, credential=token), Reason.FORGED)
    seen = inspect_presented(refused, None, day.TAPS, TRIP, CODE_KEYS, "en")
    assert seen is not None and seen.paid and seen.ticket_number == "VAL-0042-000002"


def test_a_refused_code_without_its_text_is_not_valid_and_a_half_scan_asks_again() -> None:
    forged = Rejection(Presentation(Medium.UNKNOWN), Reason.FORGED)
    seen = inspect_presented(forged, None, day.TAPS, TRIP, CODE_KEYS, "ru")
    assert seen is not None and seen.verdict is Verdict.NOT_VALID
    assert seen.line.startswith("Код НЕ действителен")
    half = Rejection(Presentation(Medium.UNKNOWN), Reason.READ_ERROR)
    assert inspect_presented(half, None, day.TAPS, TRIP, CODE_KEYS, "en") is None


def test_a_card_that_left_mid_read_asks_again_and_one_without_any_id_is_not_identified() -> None:
    left = ReadFailure(ReadProblem.CARD_LEFT, "gone", uid="04AABBCC")
    assert inspect_presented(left, None, day.TAPS, TRIP, CODE_KEYS, "en") is None
    bare = CardRead(Presentation(Medium.EMV))
    seen = inspect_presented(bare, None, day.TAPS, TRIP, CODE_KEYS, "kk")
    assert seen is not None and seen.verdict is Verdict.NOT_VALID
    assert seen.line == "Карта анықталмады: оның нөмірін пультте теріңіз"


def test_a_classic_card_is_checked_by_the_card_number_its_uid_maps_to() -> None:
    uid_only = CardRead(Presentation(Medium.CLASSIC, uid="04FFFFFF"))
    seen = inspect_presented(uid_only, "9398000000000102", day.TAPS, TRIP, CODE_KEYS, "en")
    assert seen is not None and seen.paid


def test_bluetooth_boards_as_usual_while_armed_and_arming_ends_on_time() -> None:
    assert not is_inspected(CardRead(Presentation(Medium.BLE, credential=b"x")))
    assert is_inspected(CardRead(Presentation(Medium.QR_APP, credential=b"x")))
    armed = arm(NOW, timedelta(seconds=30))
    assert armed.armed(NOW) and armed.armed(NOW + timedelta(seconds=29))
    assert not armed.armed(NOW + timedelta(seconds=30))
    assert not armed.armed(NOW - timedelta(minutes=5))  # clock set back: not stretched
    assert not Arming().armed(NOW)
