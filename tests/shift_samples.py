"""One working day on bus B123, as plain values: the crew, the fares, the keys,
and the journal the day leaves behind. The golden receipts are made from
these values (tests/regenerate_receipts.py) and the whole-shift test checks
that running the day produces exactly this journal."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from validator.cash import CashSale, SaleEvent, SaleEventKind
from validator.config import shipped_config
from validator.crew import CrewList, CrewMember, Role, hash_pin
from validator.fares import FareRules, parse_fare_table
from validator.model import Category, Medium, Outcome, Reason, Tenge
from validator.printing import PrintFault
from validator.shift import ShiftEvent, ShiftEventKind
from validator.shift_report import JournalEntry, RemoteTicket
from validator.tap_entries import TapEntry

ALMATY = timezone(timedelta(hours=5), "Almaty")
DEVICE, REAR_DEVICE, BUS = "VAL-0042", "VAL-0043", "B123"
DEVICE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
REAR_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
DRIVER_PIN, CONDUCTOR_PIN = "4321", "2468"
DRIVER_CARD = "9398000000000017"
LOCKOUT = timedelta(minutes=5)
VALIDITY = timedelta(minutes=90)


def at(hour: int, minute: int) -> datetime:
    return datetime(2025, 3, 14, hour, minute, tzinfo=ALMATY)


def rules() -> FareRules:
    with shipped_config("fares.toml").open("rb") as table:
        return parse_fare_table(tomllib.load(table))


def crew() -> CrewList:
    return CrewList(
        (
            CrewMember(
                "1017",
                "Aidos Seitkali",
                Role.DRIVER,
                hash_pin(DRIVER_PIN, b"salt-1017-fixed!"),
                card_number=DRIVER_CARD,
            ),
            CrewMember(
                "2040",
                "Gulnar Bekova",
                Role.CONDUCTOR,
                hash_pin(CONDUCTOR_PIN, b"salt-2040-fixed!"),
            ),
        )
    )


def sale(counter: int, when: datetime, category: Category, riders: int, unit: int) -> CashSale:
    """A sale on route 12 forward, as ``validator.cash.sell`` makes it."""
    return CashSale(
        ticket_number=f"{DEVICE}-{counter:06d}",
        device_id=DEVICE,
        counter=counter,
        sold_at=when,
        valid_until=when + VALIDITY,
        route="12",
        direction="forward",
        bus=BUS,
        category=category,
        riders=riders,
        unit_fare=Tenge(unit),
        amount=Tenge(unit * riders),
        crew_id="1017",
    )


FIRST_SALE = sale(1, at(6, 20), Category.STANDARD, 1, 150)
STUDENTS_SALE = sale(2, at(6, 25), Category.STUDENT, 2, 75)
COVER_SALE = sale(3, at(6, 30), Category.STANDARD, 1, 150)
VOIDED_SALE = sale(4, at(6, 32), Category.STANDARD, 1, 150)


def tap(
    when: datetime, medium: Medium, card: str, reason: Reason, fare: int, **more: object
) -> TapEntry:
    accepted = reason not in (Reason.INSUFFICIENT_FUNDS,)
    return TapEntry(
        at=when,
        medium=medium,
        result=Outcome.ACCEPTED if accepted else Outcome.DECLINED,
        reason=reason,
        fare=Tenge(fare),
        route="12",
        card_number=card,
        **more,  # type: ignore[arg-type]
    )


TAPS = (
    tap(at(6, 12), Medium.DESFIRE, "9398000000000101", Reason.PAID, 80, category=Category.STANDARD),
    tap(
        at(6, 13),
        Medium.DESFIRE,
        "9398000000000102",
        Reason.CONCESSION,
        40,
        category=Category.STUDENT,
    ),
    tap(
        at(6, 14),
        Medium.CLASSIC,
        "9398000000000103",
        Reason.INSUFFICIENT_FUNDS,
        0,
        uid="04A1B2C3",
        category=Category.STANDARD,
    ),
    tap(at(6, 15), Medium.EMV, "emv:5f1c0e7a9b3d", Reason.PAID, 80),
    tap(at(6, 16), Medium.TICKET, "K7P2QX9A", Reason.TICKET, 0, channel="sms"),
)

REMOTE_TICKETS = (
    RemoteTicket("A2B3C4D5", "sms", Tenge(150), at(5, 40)),  # before the shift: not counted
    RemoteTicket("K7P2QX9A", "sms", Tenge(150), at(6, 11)),
    RemoteTicket("M8N9P2Q3", "telegram", Tenge(150), at(6, 50)),
)


def _shift(kind: ShiftEventKind, when: datetime, **more: object) -> ShiftEvent:
    return ShiftEvent(kind, when, **more)  # type: ignore[arg-type]


def _on_route(kind: ShiftEventKind, when: datetime, trip: int | None) -> ShiftEvent:
    return _shift(
        kind,
        when,
        crew_id="1017",
        crew_name="Aidos Seitkali",
        route="12",
        direction="forward",
        trip=trip,
    )


def journal() -> list[JournalEntry]:
    """Everything the day journals, in order."""
    refused = ShiftEventKind.SIGN_IN_REFUSED
    return [
        _shift(refused, at(6, 0), detail="wrong number or PIN"),
        _shift(refused, at(6, 1), detail="wrong number or PIN"),
        _shift(refused, at(6, 2), detail="wrong number or PIN"),
        _shift(ShiftEventKind.KEYPAD_LOCKED, at(6, 2), until=at(6, 2) + LOCKOUT),
        _shift(
            ShiftEventKind.OPENED,
            at(6, 8),
            crew_id="1017",
            crew_name="Aidos Seitkali",
            detail="pin",
        ),
        _on_route(ShiftEventKind.ROUTE_SET, at(6, 9), None),
        _on_route(ShiftEventKind.TRIP_STARTED, at(6, 10), 1),
        *TAPS,
        SaleEvent(SaleEventKind.SOLD, at(6, 20), FIRST_SALE.ticket_number, FIRST_SALE),
        SaleEvent(SaleEventKind.PRINTED, at(6, 20), FIRST_SALE.ticket_number),
        SaleEvent(SaleEventKind.SOLD, at(6, 25), STUDENTS_SALE.ticket_number, STUDENTS_SALE),
        SaleEvent(
            SaleEventKind.PRINT_FAILED,
            at(6, 25),
            STUDENTS_SALE.ticket_number,
            fault=PrintFault.NO_PAPER,
        ),
        SaleEvent(SaleEventKind.PRINTED, at(6, 27), STUDENTS_SALE.ticket_number),
        SaleEvent(SaleEventKind.SOLD, at(6, 30), COVER_SALE.ticket_number, COVER_SALE),
        SaleEvent(
            SaleEventKind.PRINT_FAILED,
            at(6, 30),
            COVER_SALE.ticket_number,
            fault=PrintFault.COVER_OPEN,
        ),
        SaleEvent(SaleEventKind.SOLD, at(6, 32), VOIDED_SALE.ticket_number, VOIDED_SALE),
        SaleEvent(
            SaleEventKind.PRINT_FAILED,
            at(6, 32),
            VOIDED_SALE.ticket_number,
            fault=PrintFault.NO_PAPER,
        ),
        SaleEvent(SaleEventKind.VOIDED, at(6, 33), VOIDED_SALE.ticket_number),
        _on_route(ShiftEventKind.TRIP_ENDED, at(7, 10), 1),
        _on_route(ShiftEventKind.CLOSED, at(7, 10), 1),
    ]


REPORT_AT = at(7, 11)
