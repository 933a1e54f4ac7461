"""A whole working day on bus B123: wrong PINs and a lockout, opening the
shift, a trip with taps, cash sales printed on a serial printer (golden
bytes), a printer out of paper and with its cover open mid-sale, a void,
inspection, closing, and the printed shift report (golden bytes).

The pure steps come from validator/; the printer is python-escpos's Serial
class on a pty with a fake printer at the far end. ``Unit`` below does the
bookkeeping the daemon does: journal every event, record a sale before
printing it, record each print attempt."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from drivers.printer import PrinterSettings, build_printer
from tests import regenerate_receipts as golden
from tests import shift_samples as day
from tests.fake_printer import SerialFakePrinter
from validator.cash import (
    CashSale,
    SaleEvent,
    SaleEventKind,
    SalePoint,
    cash_book,
    next_counter,
    record_print,
    sell,
    ticket_qr_text,
    void_sale,
)
from validator.inspection import Verdict, inspect_card, inspect_ticket, trip_window
from validator.model import Category, Decision, Outcome, Reason, TripContext
from validator.printing import PrintFault, PrintResult, ReceiptPrinter
from validator.shift import (
    PinSignIn,
    RefusalReason,
    ShiftPolicy,
    ShiftState,
    ShiftStep,
    choose_route,
    close_shift,
    open_shift,
    start_trip,
    tap_gate,
)
from validator.shift_report import JournalEntry, build_report, report_receipt
from validator.tap_entries import TapEntry
from validator.ticket_receipt import ticket_receipt

pytestmark = golden.needs_dejavu

POLICY = ShiftPolicy(off_shift="decline", lockout=day.LOCKOUT)


@dataclass
class Unit:
    printer: ReceiptPrinter
    fake: SerialFakePrinter
    state: ShiftState = field(default_factory=ShiftState)
    journal: list[JournalEntry] = field(default_factory=list)

    def shift(self, step: ShiftStep) -> ShiftStep:
        self.state = step.state
        self.journal.extend(step.events)
        return step

    def sales(self) -> list[SaleEvent]:
        return [e for e in self.journal if isinstance(e, SaleEvent)]

    def sell(self, category: Category, riders: int, minute: int) -> CashSale:
        counter = next_counter(self.sales())
        point = SalePoint(day.DEVICE, day.BUS)
        sale = sell(day.rules(), self.state, point, category, riders, counter, day.at(6, minute))
        assert isinstance(sale, CashSale), sale
        self.journal.append(SaleEvent(SaleEventKind.SOLD, sale.sold_at, sale.ticket_number, sale))
        return sale

    def print_ticket(self, sale: CashSale, minute: int) -> tuple[PrintResult, bytes]:
        before = len(self.fake.state.printed)
        receipt = ticket_receipt(sale, ticket_qr_text(sale, day.DEVICE_KEY))
        result = self.printer.print_receipt(receipt)
        event = record_print(cash_book(self.sales()), sale.ticket_number, result, day.at(6, minute))
        assert isinstance(event, SaleEvent), event
        self.journal.append(event)
        return result, bytes(self.fake.state.printed[before:])

    def cash_total(self) -> int:
        return cash_book(self.sales()).total


@pytest.fixture
def unit() -> Iterator[Unit]:
    fake = SerialFakePrinter()
    printer = build_printer(PrinterSettings(kind="serial", serial_port=fake.port, timeout=1.0))
    yield Unit(printer, fake)
    printer.close()
    fake.close()


def test_a_whole_working_day_on_bus_b123(unit: Unit) -> None:
    _sign_in_after_a_lockout(unit)
    _open_route_12_and_take_taps(unit)
    students = _sell_through_printer_faults(unit)
    _inspect(unit, students)
    _close_and_print_the_report(unit)


def _sign_in_after_a_lockout(unit: Unit) -> None:
    """06:00-06:02 three wrong tries lock the keypad; the right PIN waits."""
    crew = day.crew()
    tries = [("1017", "1111"), ("1017", "2222"), ("9999", "4321")]
    for minute, (number, pin) in enumerate(tries):
        step = open_shift(unit.state, PinSignIn(number, pin), crew, POLICY, day.at(6, minute))
        unit.shift(step)
    assert step.refusal is not None and step.refusal.reason is RefusalReason.LOCKED
    early = open_shift(unit.state, PinSignIn("1017", day.DRIVER_PIN), crew, POLICY, day.at(6, 3))
    assert early.refusal is not None
    assert early.refusal.line("en") == "Too many wrong PINs: try again at 06:07"
    assert tap_gate(unit.state, POLICY, TripContext("1")) == Decision(
        Outcome.DECLINED, Reason.NO_SHIFT
    )
    right = PinSignIn("1017", day.DRIVER_PIN)
    assert unit.shift(open_shift(unit.state, right, crew, POLICY, day.at(6, 8))).ok


def _open_route_12_and_take_taps(unit: Unit) -> None:
    """06:09 route 12 forward, 06:10 trip 1; passengers tap (the pipeline journals them)."""
    assert unit.shift(choose_route(unit.state, "12", "forward", day.at(6, 9))).ok
    assert unit.shift(start_trip(unit.state, day.at(6, 10))).ok
    assert tap_gate(unit.state, POLICY, TripContext("1")) == TripContext("12", "forward")
    unit.journal.extend(day.TAPS)


def _sell_through_printer_faults(unit: Unit) -> CashSale:
    # 06:20 a cash ticket, printed: exactly the golden bytes reach the printer
    first = unit.sell(Category.STANDARD, 1, 20)
    result, sent = unit.print_ticket(first, 20)
    assert first == day.FIRST_SALE and result.printed
    assert sent == (golden.GOLDEN / golden.TICKET_FILE).read_bytes()
    # 06:25 two students; the printer is out of paper; the money still counts
    unit.fake.state.paper_out = True
    students = unit.sell(Category.STUDENT, 2, 25)
    result, sent = unit.print_ticket(students, 25)
    assert result.fault is PrintFault.NO_PAPER and sent == b""
    assert result.line("en") == "Printer out of paper: load a new roll, then press Reprint"
    assert unit.cash_total() == 300
    # 06:27 a new roll, Reprint: the same ticket comes out
    unit.fake.state.paper_out = False
    result, sent = unit.print_ticket(students, 27)
    assert result.printed and ticket_qr_text(students, day.DEVICE_KEY).encode() in sent
    # 06:30 the cover is open: the conductor has the money, the ticket stays unprinted
    unit.fake.state.cover_open = True
    result, _ = unit.print_ticket(unit.sell(Category.STANDARD, 1, 30), 30)
    assert result.fault is PrintFault.COVER_OPEN and unit.cash_total() == 450
    # 06:32 out of paper again; the passenger gets off without paying: void
    unit.fake.state.cover_open, unit.fake.state.paper_out = False, True
    walked_off = unit.sell(Category.STANDARD, 1, 32)
    assert not unit.print_ticket(walked_off, 32)[0].printed
    voided = void_sale(cash_book(unit.sales()), walked_off.ticket_number, day.at(6, 33))
    assert isinstance(voided, SaleEvent)
    unit.journal.append(voided)
    assert unit.cash_total() == 450
    return students


def _inspect(unit: Unit, students: CashSale) -> None:
    """06:40 an inspector boards."""
    now = day.at(6, 40)
    window = trip_window(unit.state, now)
    taps = [e for e in unit.journal if isinstance(e, TapEntry)]
    assert inspect_card("9398000000000101", taps, window).paid
    assert inspect_card("9398000000000103", taps, window).verdict is Verdict.NOT_PAID
    keys = {b"VAL-0042": day.DEVICE_KEY.public_key()}
    ticket = inspect_ticket(ticket_qr_text(students, day.DEVICE_KEY), keys, day.BUS, now)
    assert ticket.paid and ticket.riders == 2


def _close_and_print_the_report(unit: Unit) -> None:
    """07:10 the driver closes the shift during the trip; 07:11 the report prints."""
    unit.fake.state.paper_out = False
    assert unit.shift(close_shift(unit.state, day.at(7, 10))).ok
    assert unit.journal == day.journal()
    report = build_report(unit.journal, day.REMOTE_TICKETS, (day.DEVICE, day.BUS), day.REPORT_AT)
    cash = report.cash
    assert (cash.total, cash.tickets_sold, cash.riders_sold) == (450, 3, 4)
    assert (cash.unprinted, cash.voided, report.declined, report.trips) == (1, 1, 1, 1)
    assert {k: v.items for k, v in report.remote_by_channel.items()} == {"sms": 1, "telegram": 1}
    before = len(unit.fake.state.printed)
    assert unit.printer.print_receipt(report_receipt(report, "ru")).printed
    sent = bytes(unit.fake.state.printed[before:])
    assert sent == (golden.GOLDEN / golden.REPORT_FILE).read_bytes()
