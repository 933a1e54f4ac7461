"""Cash sales by the conductor: price, ticket number, signed ticket, cash total.

The rule for the money, step by step:

1. A sale is recorded first (``SaleEventKind.SOLD``), before anything is
   printed: the conductor has asked for the money.
2. Printing is an attempt whose result is recorded (``PRINTED`` or
   ``PRINT_FAILED`` with the fault). A failed attempt may be retried
   (Reprint) with the same ticket number and the same QR; a printed ticket is
   never printed twice.
3. A sale that is not printed stays in the cash total: the conductor may have
   taken the money. If the passenger did not pay, the conductor voids it
   (``VOIDED``); only an unprinted sale can be voided.
4. The shift's cash total is the sum of the amounts of all sales not voided.

The ticket's QR is a CWT of kind ``ticket`` signed with the DEVICE key (kid =
the device id), so an inspector verifies it offline with the device's public
key. Pure: time, counter and key are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from validator.crew_lines import SALE_REFUSALS
from validator.fares import FareRules
from validator.model import Category, Medium, Tenge, is_aware
from validator.printing import PrintFault, PrintResult
from validator.shift import ShiftState
from validator.tokens import TicketFields, TokenClaims, TokenKind, issue_token, token_to_qr_text

__all__ = [
    "BookEntry",
    "CashBook",
    "CashSale",
    "CashSettings",
    "SaleEvent",
    "SaleEventKind",
    "SalePoint",
    "SaleProblem",
    "SaleRefusal",
    "SaleStatus",
    "cash_book",
    "may_print",
    "next_counter",
    "parse_ticket_subject",
    "record_print",
    "sell",
    "ticket_claims",
    "ticket_number",
    "ticket_qr_text",
    "void_sale",
]

_DEVICE_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
_SUBJECT_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class CashSettings:
    ticket_validity: timedelta = timedelta(minutes=90)
    max_riders: int = 10


@dataclass(frozen=True, slots=True)
class SalePoint:
    """Where tickets are sold: this device on this bus."""

    device_id: str
    bus: str
    settings: CashSettings = CashSettings()


@dataclass(frozen=True, slots=True)
class CashSale:
    ticket_number: str  # "<device id>-<counter, 6 digits>"
    device_id: str
    counter: int
    sold_at: datetime  # whole seconds, local time
    valid_until: datetime
    route: str
    direction: str
    bus: str
    category: Category
    riders: int
    unit_fare: Tenge
    amount: Tenge  # unit_fare × riders
    crew_id: str | None = None


class SaleProblem(StrEnum):
    NO_SHIFT = "no_shift"
    BAD_COUNT = "bad_count"
    NO_FARE = "no_fare"
    BAD_DEVICE = "bad_device"
    UNKNOWN_TICKET = "unknown_ticket"
    ALREADY_PRINTED = "already_printed"
    PRINTED_NO_VOID = "printed_no_void"
    VOIDED = "voided"


@dataclass(frozen=True, slots=True)
class SaleRefusal:
    problem: SaleProblem
    max_riders: int = 0

    def line(self, language: str = "en") -> str:
        book = SALE_REFUSALS.get(language, SALE_REFUSALS["en"])
        return book[self.problem].format(max=self.max_riders)


class SaleEventKind(StrEnum):
    SOLD = "sale"
    PRINTED = "sale_printed"
    PRINT_FAILED = "sale_print_failed"
    VOIDED = "sale_voided"


@dataclass(frozen=True, slots=True)
class SaleEvent:
    """One journal event of a sale; SOLD carries the sale itself."""

    kind: SaleEventKind
    at: datetime
    ticket_number: str
    sale: CashSale | None = None
    fault: PrintFault | None = None
    partial: bool = False


def ticket_number(device_id: str, counter: int) -> str:
    return f"{device_id}-{counter:06d}"


def next_counter(events: Iterable[SaleEvent]) -> int:
    """The next per-device ticket counter: one above every sale journaled."""
    counters = [e.sale.counter for e in events if e.sale is not None]
    return max(counters, default=0) + 1


def sell(
    rules: FareRules,
    shift: ShiftState,
    point: SalePoint,
    category: Category,
    riders: int,
    counter: int,
    now: datetime,
) -> CashSale | SaleRefusal:
    """Price a sale of ``riders`` tickets of ``category`` with ticket number
    ``counter``. ``now`` is local time (fares have time-of-day bands)."""
    if not is_aware(now):
        raise ValueError("sale times must be timezone-aware")
    refused = _refusal(shift, point, riders)
    if refused is not None or shift.trip is None:
        return refused or SaleRefusal(SaleProblem.NO_SHIFT)
    full = rules.fare_for(shift.trip.route, Medium.CASH, now.timetz())
    if full is None:
        return SaleRefusal(SaleProblem.NO_FARE)
    unit = Tenge(full * rules.concession_percent(category) // 100)
    sold_at = now.replace(microsecond=0)
    return CashSale(
        ticket_number=ticket_number(point.device_id, counter),
        device_id=point.device_id,
        counter=counter,
        sold_at=sold_at,
        valid_until=sold_at + point.settings.ticket_validity,
        route=shift.trip.route,
        direction=shift.trip.direction,
        bus=point.bus,
        category=category,
        riders=riders,
        unit_fare=unit,
        amount=Tenge(unit * riders),
        crew_id=shift.crew_id,
    )


def _refusal(shift: ShiftState, point: SalePoint, riders: int) -> SaleRefusal | None:
    if not shift.boarding_open:
        return SaleRefusal(SaleProblem.NO_SHIFT)
    if not 1 <= riders <= point.settings.max_riders:
        return SaleRefusal(SaleProblem.BAD_COUNT, max_riders=point.settings.max_riders)
    if not _DEVICE_ID.fullmatch(point.device_id):
        return SaleRefusal(SaleProblem.BAD_DEVICE)
    return None


# --- the signed ticket ------------------------------------------------------------


def ticket_claims(sale: CashSale) -> TokenClaims:
    """The CWT claims of the printed ticket. ``sub`` is
    ``<ticket number>;<riders>;<category>``."""
    subject = _SUBJECT_SEPARATOR.join((sale.ticket_number, str(sale.riders), sale.category))
    return TokenClaims(
        issuer=sale.device_id,
        subject=subject,
        kind=TokenKind.TICKET,
        issued_at=sale.sold_at,
        expires=sale.valid_until,
        token_id=sale.ticket_number.encode("ascii"),
        ticket=TicketFields(sale.route, sale.bus, sale.sold_at, sale.valid_until),
    )


def ticket_qr_text(sale: CashSale, device_key: Ed25519PrivateKey) -> str:
    """The QR text (``KZT1:`` + Base45), signed by the device key, kid = device id.
    The same sale always gives the same text (Ed25519 is deterministic)."""
    token = issue_token(ticket_claims(sale), device_key, sale.device_id.encode("ascii"))
    return token_to_qr_text(token)


def parse_ticket_subject(subject: str) -> tuple[str, int, Category] | None:
    """(ticket number, riders, category) from a cash ticket's ``sub``, or None."""
    parts = subject.rsplit(_SUBJECT_SEPARATOR, 2)
    if len(parts) != 3 or not parts[1].isdigit() or not 1 <= int(parts[1]) <= 99:
        return None
    try:
        return parts[0], int(parts[1]), Category(parts[2])
    except ValueError:
        return None


# --- the cash book: sales, print attempts, voids ------------------------------------


class SaleStatus(StrEnum):
    PENDING = "pending"  # recorded, no print attempt yet
    PRINTED = "printed"
    NOT_PRINTED = "not_printed"  # the last print attempt failed
    VOIDED = "voided"


@dataclass(frozen=True, slots=True)
class BookEntry:
    sale: CashSale
    status: SaleStatus = SaleStatus.PENDING
    attempts: int = 0
    fault: PrintFault | None = None


@dataclass(frozen=True, slots=True)
class CashBook:
    entries: Mapping[str, BookEntry]  # by ticket number, in order of sale

    @property
    def counted(self) -> tuple[BookEntry, ...]:
        """The sales in the cash total: every one not voided, printed or not."""
        return tuple(e for e in self.entries.values() if e.status is not SaleStatus.VOIDED)

    @property
    def total(self) -> Tenge:
        return Tenge(sum(e.sale.amount for e in self.counted))

    @property
    def unprinted(self) -> tuple[BookEntry, ...]:
        waiting = (SaleStatus.PENDING, SaleStatus.NOT_PRINTED)
        return tuple(e for e in self.entries.values() if e.status in waiting)


def cash_book(events: Iterable[SaleEvent]) -> CashBook:
    """Fold the sale events (in journal order) into the book."""
    entries: dict[str, BookEntry] = {}
    for event in events:
        if event.kind is SaleEventKind.SOLD and event.sale is not None:
            entries.setdefault(event.ticket_number, BookEntry(event.sale))
        elif event.ticket_number in entries:
            entries[event.ticket_number] = _after(entries[event.ticket_number], event)
    return CashBook(MappingProxyType(entries))


def record_print(
    book: CashBook, number: str, result: PrintResult, now: datetime
) -> SaleEvent | SaleRefusal:
    """The event for one print attempt of ticket ``number``. Ask first with
    ``may_print``; a printed or voided sale is refused."""
    refused = may_print(book, number)
    if refused is not None:
        return refused
    if result.printed:
        return SaleEvent(SaleEventKind.PRINTED, now, number)
    return SaleEvent(
        SaleEventKind.PRINT_FAILED, now, number, fault=result.fault, partial=result.partial
    )


def may_print(book: CashBook, number: str) -> SaleRefusal | None:
    entry = book.entries.get(number)
    if entry is None:
        return SaleRefusal(SaleProblem.UNKNOWN_TICKET)
    if entry.status is SaleStatus.PRINTED:
        return SaleRefusal(SaleProblem.ALREADY_PRINTED)
    if entry.status is SaleStatus.VOIDED:
        return SaleRefusal(SaleProblem.VOIDED)
    return None


def void_sale(book: CashBook, number: str, now: datetime) -> SaleEvent | SaleRefusal:
    """Void an unprinted sale (the passenger did not pay); it leaves the cash total."""
    entry = book.entries.get(number)
    if entry is None:
        return SaleRefusal(SaleProblem.UNKNOWN_TICKET)
    if entry.status is SaleStatus.PRINTED:
        return SaleRefusal(SaleProblem.PRINTED_NO_VOID)
    if entry.status is SaleStatus.VOIDED:
        return SaleRefusal(SaleProblem.VOIDED)
    return SaleEvent(SaleEventKind.VOIDED, now, number)


def _after(entry: BookEntry, event: SaleEvent) -> BookEntry:
    if entry.status in (SaleStatus.PRINTED, SaleStatus.VOIDED):
        return entry  # final: later events change nothing
    if event.kind is SaleEventKind.PRINTED:
        return replace(entry, status=SaleStatus.PRINTED, attempts=entry.attempts + 1, fault=None)
    if event.kind is SaleEventKind.PRINT_FAILED:
        attempts = entry.attempts + 1
        return replace(entry, status=SaleStatus.NOT_PRINTED, attempts=attempts, fault=event.fault)
    if event.kind is SaleEventKind.VOIDED:
        return replace(entry, status=SaleStatus.VOIDED)
    return entry
