"""Plain values shared by every layer: what was presented, what the list says
about the account, and what was decided.

Nothing here does I/O. Money is whole tenge in an ``int`` (``Tenge``); the
clock is a timezone-aware ``datetime`` passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NewType

Tenge = NewType("Tenge", int)
"""An amount of money in whole tenge (₸). Never a float."""


class Medium(StrEnum):
    """How the passenger paid. The journal stores these values."""

    CLASSIC = "classic"  # MIFARE Classic, identified by UID
    ULTRALIGHT = "ultralight"  # MIFARE Ultralight, identified by UID
    DESFIRE = "desfire"  # MIFARE DESFire transport card
    EMV = "emv"  # contactless bank card or phone wallet
    APP_NFC = "app_nfc"  # the operator's app over NFC
    QR_APP = "qr_app"  # dynamic QR from the app
    QR_CARD = "qr_card"  # printed QR card
    TICKET = "ticket"  # SMS / messenger / printed ticket
    BLE = "ble"  # Bluetooth payment from the app
    CASH = "cash"  # cash sale by the conductor
    UNKNOWN = "unknown"  # a card seen but not read far enough to tell


class Category(StrEnum):
    """Social category of a card holder; fare rules give concessions by it."""

    STANDARD = "standard"
    PENSIONER = "pensioner"
    STUDENT = "student"
    SCHOOLCHILD = "schoolchild"
    DISABLED = "disabled"
    VETERAN = "veteran"


class CardStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"  # lost, stolen or blocked by the operator


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Reason(StrEnum):
    """Why a decision came out as it did. Stored in the journal."""

    # accepted
    PAID = "paid"
    CONCESSION = "concession"  # reduced or free fare for the social category
    TRANSFER = "transfer"  # inside the transfer window
    DAILY_CAP = "daily_cap"  # the daily cap is reached: no more charged today
    ALREADY_PAID = "already_paid"  # same card again inside the passback window
    COMPANION = "companion"  # deliberate extra rider inside the passback window
    FIRST_RIDE = "first_ride"  # EMV card not yet known: accepted once, authorised later
    TICKET = "ticket"  # a prepaid ticket (SMS, messenger, cash) valid on this bus
    # declined
    UNKNOWN_CARD = "unknown_card"
    BLOCKED = "blocked"
    DENY_LISTED = "deny_listed"
    EXPIRED = "expired"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    COMPANION_LIMIT = "companion_limit"
    NO_FARE = "no_fare"  # the fare table has no fare for this route and medium
    READ_ERROR = "read_error"  # the card left or answered garbage: present again
    OUT_OF_SERVICE = "out_of_service"  # the tap could not be stored
    NOT_GENUINE = "not_genuine"  # card failed authentication: a clone or a foreign card
    FORGED = "forged"  # a token or code whose signature, key or format is wrong
    REPLAYED = "replayed"  # a single-use token or code presented again
    FIRST_RIDE_USED = "first_ride_used"  # unknown bank card already rode once unconfirmed
    TICKET_USED = "ticket_used"  # a prepaid ticket already used
    WRONG_BUS = "wrong_bus"  # a ticket for another bus, route or time
    NO_SHIFT = "no_shift"  # boarding is not open: no shift on this validator
    # not a tap: a crew event journaled like one (shift, trip, cash sale, print, void)
    CREW_EVENT = "crew_event"


class Signal(StrEnum):
    """The beep-and-light pattern the feedback drivers play."""

    ACCEPTED = "accepted"
    ACCEPTED_LOW_BALANCE = "accepted_low_balance"
    DECLINED = "declined"
    PRESENT_AGAIN = "present_again"
    OUT_OF_SERVICE = "out_of_service"
    TICKET_ARRIVED = "ticket_arrived"  # sync brought an SMS or messenger ticket for this bus


@dataclass(frozen=True, slots=True)
class Presentation:
    """One card (or phone, or code) presented once.

    ``card_number`` is set when the medium itself names the account (DESFire
    record, app token, QR card); for MIFARE Classic/Ultralight only ``uid`` is
    known until the balance list maps it. ``companion`` is True when the
    passenger deliberately asked to pay for one more rider (the +1 key).
    """

    medium: Medium
    uid: str | None = None  # upper-case hex, 8 or 14 digits
    card_number: str | None = None  # 19 digits
    companion: bool = False
    credential: bytes | None = None  # a signed token still to verify (app, QR, Bluetooth)
    pan_token: str | None = None  # EMV: keyed HMAC of the PAN; the clear PAN stays in the reader
    masked_pan: str | None = None  # EMV: first 6 and last 4 digits only
    expires: date | None = None  # expiry read from the card itself (EMV, DESFire record)


@dataclass(frozen=True, slots=True)
class Boarding:
    """A boarding already paid on this card, used for transfers and passback."""

    at: datetime
    route: str
    fare: Tenge
    riders: int = 1  # passenger plus companions paid in that tap


@dataclass(frozen=True, slots=True)
class Account:
    """What the offline store knows about one card at the moment of the tap.

    ``available`` follows DESIGN.md: the list balance minus this device's own
    fares on the card with seq above the ledger's watermark.
    """

    card_number: str
    status: CardStatus
    category: Category
    list_balance: Tenge
    pending_fares: Tenge  # Σ fares of this device's taps with seq > watermark
    expires: date | None = None
    deny_listed: bool = False
    recent: tuple[Boarding, ...] = ()  # this card's accepted taps, newest first
    spent_today: Tenge = Tenge(0)  # fares charged today (device-local)

    @property
    def available(self) -> Tenge:
        return Tenge(self.list_balance - self.pending_fares)


@dataclass(frozen=True, slots=True)
class TripContext:
    """Where the bus is: set by the shift (route and direction)."""

    route: str
    direction: str = "forward"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: Reason
    fare: Tenge = Tenge(0)
    riders: int = 0  # people paid for by this tap (0 when declined)
    balance_after: Tenge | None = None
    low_balance: bool = False

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED

    @property
    def signal(self) -> Signal:
        if self.reason is Reason.OUT_OF_SERVICE:
            return Signal.OUT_OF_SERVICE
        if self.reason is Reason.READ_ERROR:
            return Signal.PRESENT_AGAIN
        if not self.accepted:
            return Signal.DECLINED
        return Signal.ACCEPTED_LOW_BALANCE if self.low_balance else Signal.ACCEPTED


def is_aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None
