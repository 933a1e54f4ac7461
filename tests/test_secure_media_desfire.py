"""DESFire transport cards, end to end: the real nfcpy reader against emulated
cards over udp, AES authentication with the diversified card key, the record
read in MAC'd mode, then the real pipeline and a real store."""

from __future__ import annotations

from datetime import date

from drivers.desfire import CardRecord
from drivers.nfc.emulated_media import ResettableIsoDepCard, desfire_card, desfire_clone
from offline_store import CardRow
from tests.secure_media_kit import ACCOUNT, MASTER_KEY, MORNING, SecureBus, bus
from validator.model import CardStatus, Category, Medium, Reason, Signal, Tenge

__all__ = ["bus"]

UID = bytes.fromhex("04A1B2C3D4E5F6")
VALID = CardRecord(ACCOUNT, Category.STANDARD, date(2028, 12, 31))


def card(record: CardRecord = VALID, key: bytes = MASTER_KEY) -> ResettableIsoDepCard:
    return desfire_card(UID, key, record)


def available(bus: SecureBus) -> int:
    account = bus.store.account(ACCOUNT, MORNING)
    assert account is not None
    return account.available


def test_a_genuine_card_pays_from_the_account_its_record_names(bus: SecureBus) -> None:
    answer = bus.tap(card())
    assert (answer.decision.reason, answer.decision.fare) == (Reason.PAID, 80)
    assert answer.line == "Paid 80 ₸ · balance 920 ₸"
    row = bus.store.journal()[-1]
    assert (row.medium, row.card_number, row.uid) == ("desfire", ACCOUNT, UID.hex().upper())
    assert available(bus) == 920


def test_a_card_whose_record_has_expired_is_declined_though_the_list_has_no_expiry(
    bus: SecureBus,
) -> None:
    answer = bus.tap(card(CardRecord(ACCOUNT, Category.STANDARD, date(2026, 3, 1))))
    assert answer.decision.reason is Reason.EXPIRED
    assert available(bus) == 1000


def test_a_card_personalised_with_another_master_key_is_declined_as_not_genuine(
    bus: SecureBus,
) -> None:
    answer = bus.tap(card(key=bytes(16)))
    assert answer.decision.reason is Reason.NOT_GENUINE
    assert answer.line == "Card not accepted"
    assert bus.feedback.signals[-1] is Signal.DECLINED  # not "present again"
    assert available(bus) == 1000


def test_a_clone_with_a_listed_uid_but_no_application_is_declined_and_not_looked_up(
    bus: SecureBus,
) -> None:
    listed = CardRow(
        card_number=ACCOUNT,
        uid=UID.hex(),
        balance=Tenge(1000),
        category=Category.STANDARD,
        status=CardStatus.ACTIVE,
    )
    bus.store.import_cards([listed], list_version=2)
    answer = bus.tap(desfire_clone(UID))
    assert (answer.decision.reason, answer.medium) == (Reason.NOT_GENUINE, Medium.DESFIRE)
    row = bus.store.journal()[-1]
    assert (row.card_number, row.result, row.fare) == (None, "declined", 0)
    assert available(bus) == 1000


def test_a_card_with_a_random_four_byte_uid_is_not_one_of_ours(bus: SecureBus) -> None:
    short = ResettableIsoDepCard(bytes.fromhex("08123456"), card().model)
    assert bus.tap(short).decision.reason is Reason.NOT_GENUINE


def test_a_record_whose_cmac_does_not_verify_asks_to_present_again_and_charges_nothing(
    bus: SecureBus,
) -> None:
    tampered = card()
    tampered.model.tamper_mac = True  # type: ignore[attr-defined]
    answer = bus.tap(tampered)
    assert answer.decision.reason is Reason.READ_ERROR
    assert bus.feedback.signals[-1] is Signal.PRESENT_AGAIN
    assert available(bus) == 1000


def test_a_card_pulled_away_during_authentication_is_not_charged_and_the_next_tap_pays(
    bus: SecureBus,
) -> None:
    torn = card().leave_after(4)  # RATS, two selects and the first half of AuthenticateAES
    first = bus.tap(torn)
    assert (first.decision.reason, first.medium) == (Reason.READ_ERROR, Medium.DESFIRE)
    assert available(bus) == 1000
    second = bus.tap(card())
    assert second.decision.reason is Reason.PAID
    assert available(bus) == 920


def test_a_card_pulled_away_while_its_record_is_read_is_not_charged(bus: SecureBus) -> None:
    torn = card().leave_after(5)  # authenticated, gone before ReadData is answered
    assert bus.tap(torn).decision.reason is Reason.READ_ERROR
    assert [row.reason for row in bus.store.journal()] == ["read_error"]
