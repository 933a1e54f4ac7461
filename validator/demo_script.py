"""The cards and the scenes of `validator demo`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validator.model import CardStatus, Category, Reason, Tenge


@dataclass(frozen=True)
class DemoCard:
    holder: str
    kind: str  # classic | ultralight
    uid: str
    card_number: str
    balance: int
    category: str = "standard"
    status: str = "active"
    listed: bool = True

    @property
    def row(self) -> dict[str, Any]:
        return {
            "card_number": self.card_number,
            "uid": self.uid,
            "balance": Tenge(self.balance),
            "category": Category(self.category),
            "status": CardStatus(self.status),
        }

    def emulated(self, tear_after: int | None = None) -> Any:
        from drivers.nfc import ClassicCard, UltralightCard

        uid = bytes.fromhex(self.uid)
        card = ClassicCard(uid) if self.kind == "classic" else UltralightCard(uid)
        if tear_after is not None:
            card.leave_after(tear_after)
        return card


AIGERIM = DemoCard("Aigerim", "classic", "04A1B2C3", "9643108000000000012", 1320)
NURLAN = DemoCard("Nurlan", "ultralight", "04112233445566", "9643108000000000020", 500, "pensioner")
DANA = DemoCard("Dana", "classic", "0A0B0C0D", "9643108000000000038", 700, "student")
YERLAN = DemoCard("Yerlan", "classic", "1B2C3D4E", "9643108000000000046", 120)
SAULE = DemoCard("Saule", "classic", "2C3D4E5F", "9643108000000000053", -20)
LOST = DemoCard("a stranger", "classic", "3D4E5F60", "9643108000000000061", 900, status="blocked")
TOURIST = DemoCard("a tourist", "classic", "DEADBEEF", "", 0, listed=False)
ASEL = DemoCard("Asel", "ultralight", "04AABBCCDDEEFF", "9643108000000000079", 400)
TIMUR = DemoCard("Timur", "classic", "5E6F7081", "9643108000000000087", 2000)

CARDS = [card for card in (AIGERIM, NURLAN, DANA, YERLAN, SAULE, LOST, ASEL, TIMUR) if card.listed]


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
    Scene("Someone taps a card reported lost.", LOST, Reason.BLOCKED, "declined: card blocked"),
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
]
