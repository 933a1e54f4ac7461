"""The shift report: cash, taps by medium and category, tickets, from journal values.

``build_report`` reads the journal entries of one shift (``TapEntry``,
``SaleEvent`` and ``ShiftEvent`` values in journal order) and the SMS and
messenger tickets synced for this bus; ``report_receipt`` lays it out for
the printer with headings in kk, ru or en. The cash total follows
``validator.cash``: every sale not voided, printed or not. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

from validator.cash import CashBook, SaleEvent, SaleStatus, cash_book
from validator.labels import category_name, local_stamp, medium_name
from validator.messages import format_tenge
from validator.model import Category, Medium, Tenge
from validator.printing import Align, Receipt, ReceiptItem, Rule, TextLine
from validator.shift import ShiftEvent, ShiftEventKind
from validator.tap_entries import TapEntry

__all__ = [
    "CashSummary",
    "Count",
    "JournalEntry",
    "RemoteTicket",
    "ShiftReport",
    "build_report",
    "report_receipt",
]

JournalEntry = TapEntry | SaleEvent | ShiftEvent
K = TypeVar("K")
_NO_TENGE = Tenge(0)


@dataclass(frozen=True, slots=True)
class RemoteTicket:
    """An SMS or messenger ticket bought for this bus, as synced from the ledger."""

    code: str
    channel: str  # "sms", "telegram", "whatsapp"
    fare: Tenge
    sold_at: datetime


@dataclass(frozen=True, slots=True)
class Count:
    """How many, for how many people, for how much."""

    items: int = 0
    riders: int = 0
    amount: Tenge = _NO_TENGE

    def plus(self, riders: int, amount: int) -> Count:
        return Count(self.items + 1, self.riders + riders, Tenge(self.amount + amount))


@dataclass(frozen=True, slots=True)
class CashSummary:
    total: Tenge  # every sale not voided, printed or not
    by_category: Mapping[Category, Count]  # the sales in the total
    unprinted: int  # in the total, ticket not printed
    voided: int

    @property
    def tickets_sold(self) -> int:
        return sum(count.items for count in self.by_category.values())

    @property
    def riders_sold(self) -> int:
        return sum(count.riders for count in self.by_category.values())


@dataclass(frozen=True, slots=True)
class ShiftReport:
    device_id: str
    bus: str
    made_at: datetime
    crew_id: str | None
    crew_name: str | None
    opened_at: datetime | None
    closed_at: datetime | None  # None while the shift is still open
    routes: tuple[str, ...]
    trips: int
    cash: CashSummary
    taps_by_medium: Mapping[Medium, Count]  # accepted taps
    taps_by_category: Mapping[Category, Count]  # accepted taps whose category is journaled
    declined: int
    remote_by_channel: Mapping[str, Count]


def build_report(
    entries: Sequence[JournalEntry],
    remote: Iterable[RemoteTicket],
    where: tuple[str, str],
    now: datetime,
) -> ShiftReport:
    """The report of the last shift in ``entries``; ``where`` is (device id, bus)."""
    shift = _this_shift(entries)
    events = [e for e in shift if isinstance(e, ShiftEvent)]
    taps = [e for e in shift if isinstance(e, TapEntry)]
    opened = next((e for e in events if e.kind is ShiftEventKind.OPENED), None)
    closed = next((e for e in events if e.kind is ShiftEventKind.CLOSED), None)
    start = None if opened is None else opened.at
    end = None if closed is None else closed.at
    return ShiftReport(
        device_id=where[0],
        bus=where[1],
        made_at=now,
        crew_id=None if opened is None else opened.crew_id,
        crew_name=None if opened is None else opened.crew_name,
        opened_at=start,
        closed_at=end,
        routes=_routes(events),
        trips=sum(1 for e in events if e.kind is ShiftEventKind.TRIP_STARTED),
        cash=_cash_summary(cash_book(e for e in shift if isinstance(e, SaleEvent))),
        taps_by_medium=_tally((t.medium, t) for t in taps if t.accepted),
        taps_by_category=_tally((t.category, t) for t in taps if t.accepted and t.category),
        declined=sum(1 for t in taps if not t.accepted),
        remote_by_channel=_remote(remote, start, end),
    )


def _cash_summary(book: CashBook) -> CashSummary:
    return CashSummary(
        total=book.total,
        by_category=_sales_by_category(book),
        unprinted=len(book.unprinted),
        voided=sum(1 for e in book.entries.values() if e.status is SaleStatus.VOIDED),
    )


def _this_shift(entries: Sequence[JournalEntry]) -> Sequence[JournalEntry]:
    """From the last shift opening to its closing (all entries if none opened)."""
    starts = [i for i, e in enumerate(entries) if _is(e, ShiftEventKind.OPENED)]
    first = starts[-1] if starts else 0
    ends = [i for i, e in enumerate(entries) if i > first and _is(e, ShiftEventKind.CLOSED)]
    return entries[first : (ends[0] + 1 if ends else len(entries))]


def _is(entry: JournalEntry, kind: ShiftEventKind) -> bool:
    return isinstance(entry, ShiftEvent) and entry.kind is kind


def _routes(events: Iterable[ShiftEvent]) -> tuple[str, ...]:
    chosen = (e.route for e in events if e.kind is ShiftEventKind.ROUTE_SET and e.route)
    return tuple(dict.fromkeys(chosen))


def _sales_by_category(book: CashBook) -> Mapping[Category, Count]:
    counts: dict[Category, Count] = {}
    for entry in book.counted:
        sale = entry.sale
        counts[sale.category] = counts.get(sale.category, Count()).plus(sale.riders, sale.amount)
    return MappingProxyType(counts)


def _tally(pairs: Iterable[tuple[K | None, TapEntry]]) -> Mapping[K, Count]:
    counts: dict[K, Count] = {}
    for key, tap in pairs:
        if key is not None:
            counts[key] = counts.get(key, Count()).plus(tap.riders, tap.fare)
    return MappingProxyType(counts)


def _remote(
    tickets: Iterable[RemoteTicket], start: datetime | None, end: datetime | None
) -> Mapping[str, Count]:
    counts: dict[str, Count] = {}
    for ticket in tickets:
        if (start is None or ticket.sold_at >= start) and (end is None or ticket.sold_at <= end):
            counts[ticket.channel] = counts.get(ticket.channel, Count()).plus(1, ticket.fare)
    return MappingProxyType(dict(sorted(counts.items())))


# --- the printed report -------------------------------------------------------------


def report_receipt(report: ShiftReport, language: str = "ru") -> Receipt:
    words = _WORDS.get(language, _WORDS["en"])
    items: list[ReceiptItem] = [
        TextLine(words["title"], align=Align.CENTER, bold=True, large=True),
        *_header(report, words),
        Rule(),
        *_cash(report, words, language),
        Rule(),
        *_taps(report, words, language),
        Rule(),
        *_remote_lines(report, words),
        Rule(),
        TextLine(words["made"], local_stamp(report.made_at)),
    ]
    return Receipt(tuple(items))


def _header(report: ShiftReport, words: Mapping[str, str]) -> list[TextLine]:
    crew = " ".join(part for part in (report.crew_id, report.crew_name) if part) or "—"
    closed = words["still_open"] if report.closed_at is None else local_stamp(report.closed_at)
    opened = "—" if report.opened_at is None else local_stamp(report.opened_at)
    return [
        TextLine(words["bus"], report.bus),
        TextLine(words["device"], report.device_id),
        TextLine(words["crew"], crew),
        TextLine(words["opened"], opened),
        TextLine(words["closed"], closed),
        TextLine(words["routes"], ", ".join(report.routes) or "—"),
        TextLine(words["trips"], str(report.trips)),
    ]


def _cash(report: ShiftReport, words: Mapping[str, str], language: str) -> list[TextLine]:
    cash = report.cash
    lines = [TextLine(words["cash"], bold=True)]
    for category, count in cash.by_category.items():
        label = f"{category_name(category, language)} × {count.riders}"
        lines.append(TextLine(label, format_tenge(count.amount)))
    return [
        *lines,
        TextLine(words["tickets"], str(cash.tickets_sold)),
        TextLine(words["riders"], str(cash.riders_sold)),
        TextLine(words["unprinted"], str(cash.unprinted)),
        TextLine(words["voided"], str(cash.voided)),
        TextLine(words["cash_total"], format_tenge(cash.total), bold=True),
    ]


def _taps(report: ShiftReport, words: Mapping[str, str], language: str) -> list[TextLine]:
    lines = [TextLine(words["by_medium"], bold=True)]
    for medium, count in sorted(report.taps_by_medium.items()):
        lines.append(TextLine(medium_name(medium, language), _count(count)))
    lines.append(TextLine(words["declined"], str(report.declined)))
    lines.append(TextLine(words["by_category"], bold=True))
    for category, count in sorted(report.taps_by_category.items()):
        lines.append(TextLine(category_name(category, language), _count(count)))
    riders = sum(count.riders for count in report.taps_by_medium.values())
    lines.append(TextLine(words["passengers"], str(riders)))
    return lines


def _remote_lines(report: ShiftReport, words: Mapping[str, str]) -> list[TextLine]:
    lines = [TextLine(words["remote"], bold=True)]
    for channel, count in report.remote_by_channel.items():
        lines.append(TextLine(_CHANNELS.get(channel, channel), _count(count)))
    if not report.remote_by_channel:
        lines.append(TextLine(words["none"]))
    return lines


def _count(count: Count) -> str:
    return f"{count.items} · {format_tenge(count.amount)}"


_CHANNELS = {"sms": "SMS", "telegram": "Telegram", "whatsapp": "WhatsApp"}

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "SHIFT REPORT",
        "bus": "Bus",
        "device": "Validator",
        "crew": "Crew",
        "opened": "Opened",
        "closed": "Closed",
        "still_open": "still open",
        "routes": "Routes",
        "trips": "Trips",
        "cash": "Cash sales",
        "tickets": "Tickets sold",
        "riders": "Passengers",
        "unprinted": "Not printed",
        "voided": "Voided",
        "cash_total": "Cash total",
        "by_medium": "Taps by medium",
        "declined": "Declined",
        "by_category": "Taps by category",
        "passengers": "Passengers by taps",
        "remote": "SMS and messenger tickets",
        "none": "none",
        "made": "Printed",
    },
    "ru": {
        "title": "ОТЧЁТ ЗА СМЕНУ",
        "bus": "Автобус",
        "device": "Валидатор",
        "crew": "Экипаж",
        "opened": "Открыта",
        "closed": "Закрыта",
        "still_open": "ещё открыта",
        "routes": "Маршруты",
        "trips": "Рейсы",
        "cash": "Продажа за наличные",
        "tickets": "Продано билетов",
        "riders": "Пассажиров",
        "unprinted": "Не напечатано",
        "voided": "Аннулировано",
        "cash_total": "Итого наличными",
        "by_medium": "Оплаты по способам",
        "declined": "Отказов",
        "by_category": "Оплаты по категориям",
        "passengers": "Пассажиров по оплатам",
        "remote": "Билеты по SMS и в мессенджерах",
        "none": "нет",
        "made": "Напечатано",
    },
    "kk": {
        "title": "АУЫСЫМ ЕСЕБІ",
        "bus": "Автобус",
        "device": "Валидатор",
        "crew": "Экипаж",
        "opened": "Ашылды",
        "closed": "Жабылды",
        "still_open": "әлі ашық",
        "routes": "Маршруттар",
        "trips": "Рейстер",
        "cash": "Қолма-қол сату",
        "tickets": "Сатылған билеттер",
        "riders": "Жолаушылар",
        "unprinted": "Басылмаған",
        "voided": "Жойылған",
        "cash_total": "Қолма-қол барлығы",
        "by_medium": "Төлем тәсілдері бойынша",
        "declined": "Қабылданбаған",
        "by_category": "Санаттар бойынша",
        "passengers": "Төлемдер бойынша жолаушылар",
        "remote": "SMS және мессенджер билеттері",
        "none": "жоқ",
        "made": "Басылды",
    },
}
