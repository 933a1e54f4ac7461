"""The cards and the scenes of `validator demo`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validator import demo_media
from validator.demo_media import DemoKeys
from validator.model import CardStatus, Category, Reason, Tenge


@dataclass(frozen=True)
class DemoCard:
    holder: str
    kind: str  # classic | ultralight | desfire | desfire_clone | emv | app
    uid: str
    card_number: str
    balance: int
    category: str = "standard"
    status: str = "active"
    listed: bool = True
    bank_card: str = ""  # emv: which description in demo_media.BANK_CARDS

    @property
    def row(self) -> dict[str, Any]:
        return {
            "card_number": self.card_number,
            "uid": self.uid,
            "balance": Tenge(self.balance),
            "category": Category(self.category),
            "status": CardStatus(self.status),
        }

    def emulated(self, keys: DemoKeys, tear_after: int | None = None) -> Any:
        card = self._card(keys)
        if tear_after is not None:
            card.leave_after(tear_after)
        return card

    def _card(self, keys: DemoKeys) -> Any:
        from drivers.nfc import ClassicCard, UltralightCard

        if self.kind == "desfire":
            return demo_media.desfire(self.uid, self.card_number, self.category, keys)
        if self.kind == "desfire_clone":
            return demo_media.desfire_clone(self.uid)
        if self.kind == "emv":
            return demo_media.bank_card(self.bank_card)
        if self.kind == "app":
            return demo_media.app_phone(self.holder, self.card_number, keys)
        uid = bytes.fromhex(self.uid)
        return ClassicCard(uid) if self.kind == "classic" else UltralightCard(uid)


AIGERIM = DemoCard("Aigerim", "classic", "04A1B2C3", "9643108000000000012", 1320)
NURLAN = DemoCard("Nurlan", "ultralight", "04112233445566", "9643108000000000020", 500, "pensioner")
DANA = DemoCard("Dana", "classic", "0A0B0C0D", "9643108000000000038", 700, "student")
YERLAN = DemoCard("Yerlan", "classic", "1B2C3D4E", "9643108000000000046", 120)
SAULE = DemoCard("Saule", "classic", "2C3D4E5F", "9643108000000000053", -20)
LOST = DemoCard("a stranger", "classic", "3D4E5F60", "9643108000000000061", 900, status="blocked")
TOURIST = DemoCard("a tourist", "classic", "DEADBEEF", "", 0, listed=False)
ASEL = DemoCard("Asel", "ultralight", "04AABBCCDDEEFF", "9643108000000000079", 400)
TIMUR = DemoCard("Timur", "classic", "5E6F7081", "9643108000000000087", 2000)
BOLAT = DemoCard("Bolat", "desfire", "04B0B0A7000001", "9643108000000000095", 900)
BOLAT_CLONE = DemoCard("a copy", "desfire_clone", BOLAT.uid, "", 0, listed=False)
VISITOR = DemoCard("a visitor", "emv", "", "", 0, listed=False, bank_card="visa")
GULNARA = DemoCard("Gulnara", "emv", "", "", 0, listed=False, bank_card="wallet")
MADINA = DemoCard("Madina", "app", "", "9643108000000000103", 1500)
# Remote media (validator/demo_remote.py): an app QR code, a printed QR card, two phones.
KAIRAT = DemoCard("Kairat", "qr", "", "9643108000000000116", 1000)
ARMAN = DemoCard("Arman", "qr_card", "", "9643108000000000124", 800)
ZHANNA = DemoCard("Zhanna", "ble", "", "9643108000000000132", 1000)
OLZHAS = DemoCard("Olzhas", "ble", "", "9643108000000000140", 1000)
REMOTE_CARDS = (KAIRAT, ARMAN, ZHANNA, OLZHAS)

CARDS = [
    card
    for card in (
        AIGERIM,
        NURLAN,
        DANA,
        YERLAN,
        SAULE,
        LOST,
        ASEL,
        TIMUR,
        BOLAT,
        MADINA,
        *REMOTE_CARDS,
    )
    if card.listed
]


@dataclass(frozen=True)
class Scene:
    story: str
    card: DemoCard
    expect: Reason
    note: str
    hold: float = 0.4  # seconds the card stays in the field
    companion: bool = False  # the passenger pressed the +1 key first
    tear_after: int | None = None  # the card leaves after this many radio frames


SCENES = [
    Scene(
        "Aigerim taps her transport card (MIFARE Classic).",
        AIGERIM,
        Reason.PAID,
        "charged the card fare",
    ),
    Scene(
        "Nurlan, a pensioner, taps his Ultralight card.",
        NURLAN,
        Reason.CONCESSION,
        "pensioners ride free",
    ),
    Scene("Dana, a student, taps.", DANA, Reason.CONCESSION, "students pay half"),
    Scene(
        "A visitor taps a Visa bank card this validator has never seen.",
        VISITOR,
        Reason.FIRST_RIDE,
        "accepted once on trust; the bank authorises it later (only a PAN token is kept)",
    ),
    Scene(
        "The visitor taps the Visa again at once.",
        VISITOR,
        Reason.ALREADY_PAID,
        "the same bank card inside the passback window: not charged twice",
    ),
    Scene(
        "Yerlan taps; his balance is nearly spent.",
        YERLAN,
        Reason.PAID,
        "paid, and told to top up soon",
    ),
    Scene(
        "Saule taps with a balance already below zero.",
        SAULE,
        Reason.INSUFFICIENT_FUNDS,
        "declined: the fare would take her below the credit floor",
    ),
    Scene(
        "Someone taps a card reported lost (blocked at the ledger).",
        LOST,
        Reason.DENY_LISTED,
        "declined: the card came down on the stop list",
    ),
    Scene(
        "A tourist taps a card this city never issued.",
        TOURIST,
        Reason.UNKNOWN_CARD,
        "declined: unknown card",
    ),
    Scene(
        "Asel taps but pulls her card away mid-read.",
        ASEL,
        Reason.READ_ERROR,
        "no charge: asked to present the card again",
        tear_after=0,
    ),
    Scene("Asel taps again, properly.", ASEL, Reason.PAID, "the second tap completes normally"),
    Scene(
        "Timur leaves his card lying on the reader for 3 seconds.",
        TIMUR,
        Reason.PAID,
        "one presentation however long it stays: charged once",
        hold=3.0,
    ),
    Scene(
        "Timur is not sure it worked and taps again.",
        TIMUR,
        Reason.ALREADY_PAID,
        "inside the passback window: not charged twice",
    ),
    Scene(
        "Timur presses +1 and taps again to pay for his friend.",
        TIMUR,
        Reason.COMPANION,
        "a companion fare, paid deliberately",
        companion=True,
    ),
    Scene(
        "Bolat taps his DESFire transport card.",
        BOLAT,
        Reason.PAID,
        "AES authentication with his card's own key, record read with a verified CMAC",
    ),
    Scene(
        "Someone taps a copy of Bolat's card: his UID, but not his keys.",
        BOLAT_CLONE,
        Reason.NOT_GENUINE,
        "declined: a clone copies the UID, not the key",
    ),
    Scene(
        "Gulnara pays with her phone wallet (a Visa device token).",
        GULNARA,
        Reason.FIRST_RIDE,
        "a phone wallet rides like a bank card",
    ),
    Scene(
        "Madina holds up her phone with the operator's app.",
        MADINA,
        Reason.PAID,
        "a signed single-use token from the app, charged to her account",
    ),
    Scene(
        "Someone replays the code Madina's phone just sent.",
        MADINA,
        Reason.REPLAYED,
        "declined: that token was already spent",
    ),
    Scene(
        "The visitor taps the same Visa again on the way back.",
        VISITOR,
        Reason.FIRST_RIDE_USED,
        "declined: one ride on trust until the bank confirms the card",
    ),
]
