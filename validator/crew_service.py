"""The crew service: the shift, cash sales, inspection and the shift report,
kept by the daemon and journaled.

It holds the ``ShiftState`` (rebuilt at start by replaying the journal's event
rows), performs the pure steps of ``validator.shift`` and ``validator.cash``
and writes every event as a journal row (``validator.crew_journal``), so
shifts, trips, sales, print results and inspections are hash-chained and
uploaded like taps. The pipeline asks ``gate`` before deciding a tap, and
``inspection`` (the desk of "check the next card") before boarding it.
Thread-safe: the console calls it from its own thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from offline_store import JournalRow, OfflineStore, StoreUnavailable
from validator import cash, shift
from validator.cash import BookEntry, CashBook, CashSale, SaleEvent, SalePoint, SaleRefusal
from validator.clock import Clock
from validator.crew import CrewList
from validator.crew_journal import (
    event_record,
    inspection_record,
    is_event_row,
    journal_entries,
)
from validator.fares import FareRules
from validator.inspection import (
    Inspection,
    TripWindow,
    Verdict,
    inspect_app_code,
    inspect_card,
    inspect_ticket,
    trip_window,
)
from validator.inspection_desk import InspectionDesk
from validator.inspection_media import (
    CodeKeys,
    InspectionEvent,
    Presented,
    inspect_presented,
    inspection_line,
)
from validator.model import Category, Decision, Tenge, TripContext
from validator.ports import CardRead
from validator.printing import PrintResult, ReceiptPrinter
from validator.shift import ShiftEvent, ShiftPolicy, ShiftState, ShiftStep
from validator.shift_report import (
    JournalEntry,
    RemoteTicket,
    ShiftReport,
    build_report,
    report_receipt,
)
from validator.tap_entries import TapEntry
from validator.ticket_receipt import ticket_receipt

__all__ = ["CrewService", "CrewSetup", "Done", "SaleDone", "remote_tickets"]

log = logging.getLogger("validator.crew")

CASH_COUNTER = "cash_ticket"  # store meta ``counter.cash_ticket``: the last ticket counter
JOURNAL_WINDOW = 50_000  # journal rows read back for the shift (several days of taps)
_OK = {"kk": "Дайын", "ru": "Готово", "en": "Done"}
_STORE_DOWN = {
    "kk": "Жазба сақталмады: жад қатесі. Техникке хабарлаңыз",
    "ru": "Запись не сохранена: ошибка памяти. Сообщите технику",
    "en": "Not saved: storage fault. Tell the technician",
}


@dataclass(frozen=True, slots=True)
class CrewSetup:
    """What the crew service needs from the configuration."""

    crew: CrewList
    policy: ShiftPolicy
    point: SalePoint
    language: str
    device_key: Ed25519PrivateKey
    ledger_keys: Mapping[bytes, Ed25519PublicKey]
    inspection_window: timedelta = timedelta(minutes=90)
    inspection_arming: timedelta = timedelta(seconds=30)  # "check the next card" waits this long


@dataclass(frozen=True, slots=True)
class Done:
    """What a crew action came to, with the line the crew reads."""

    ok: bool
    line: str


@dataclass(frozen=True, slots=True)
class SaleDone:
    ok: bool
    line: str  # the refusal, or the print result ("Printer out of paper: ...")
    sale: CashSale | None = None
    printed: PrintResult | None = None


class CrewService:
    def __init__(
        self,
        store: OfflineStore,
        printer: ReceiptPrinter,
        rules: FareRules,
        setup: CrewSetup,
        clock: Clock,
        configured_trip: TripContext,
    ) -> None:
        self._store, self.printer, self.rules = store, printer, rules
        self.setup, self._clock, self.configured_trip = setup, clock, configured_trip
        self._lock = threading.RLock()
        events = (e for e in self.entries() if isinstance(e, ShiftEvent))
        self._state = shift.replay(events, setup.policy)
        self.inspection = InspectionDesk(self, clock, setup.inspection_arming)

    @property
    def state(self) -> ShiftState:
        return self._state

    @property
    def language(self) -> str:
        return self.setup.language

    def gate(self, configured: TripContext) -> TripContext | Decision:
        """For ``Pipeline.gate``: the trip to decide a tap on, or NO_SHIFT."""
        return shift.tap_gate(self._state, self.setup.policy, configured)

    def set_rules(self, rules: FareRules) -> None:
        """A new fare table (installed by sync): the next sale is priced with it."""
        with self._lock:
            self.rules = rules

    def close(self) -> None:
        self.printer.close()

    # --- the shift --------------------------------------------------------------

    def sign_in(self, crew_id: str, pin: str) -> Done:
        """Open the shift with the PIN, or (shift already open) check the PIN of
        any crew member for the console. Wrong PINs count toward the lockout."""
        with self._lock:
            now = self._clock.now()
            sign_in = shift.PinSignIn(crew_id, pin)
            if self._state.phase is shift.Phase.CLOSED:
                return self._apply(shift.open_shift(self._state, sign_in, *self._rules(now)))
            probe = shift.ShiftState(
                wrong_pins=self._state.wrong_pins, locked_until=self._state.locked_until
            )
            step = shift.open_shift(probe, sign_in, *self._rules(now))
            if step.ok:
                return Done(True, self._ok())
            after = self._merge_lockout(step.state)
            return self._apply(ShiftStep(after, step.events, step.refusal))

    def choose_route(self, route: str, direction: str) -> Done:
        with self._lock:
            return self._apply(shift.choose_route(self._state, route, direction, self._now()))

    def start_trip(self) -> Done:
        with self._lock:
            return self._apply(shift.start_trip(self._state, self._now()))

    def end_trip(self) -> Done:
        with self._lock:
            return self._apply(shift.end_trip(self._state, self._now()))

    def close_shift(self) -> Done:
        with self._lock:
            return self._apply(shift.close_shift(self._state, self._now()))

    # --- cash ---------------------------------------------------------------------

    def sell(self, category: Category, riders: int) -> SaleDone:
        """Record the sale first, then try to print; the result is journaled."""
        with self._lock:
            now, point = self._now(), self.setup.point
            priced = cash.sell(self.rules, self._state, point, category, riders, 0, now)
            if isinstance(priced, SaleRefusal):
                return SaleDone(False, priced.line(self.language))
            try:
                counter = self._counter()  # only a sale that goes ahead takes a number
            except StoreUnavailable as exc:
                log.error("No ticket number: %s", exc)
                return SaleDone(False, _STORE_DOWN.get(self.language, _STORE_DOWN["en"]))
            number = cash.ticket_number(point.device_id, counter)
            made = replace(priced, counter=counter, ticket_number=number)
            sold = SaleEvent(cash.SaleEventKind.SOLD, now, made.ticket_number, made)
            if not self._journal((sold,)):
                return SaleDone(False, _STORE_DOWN.get(self.language, _STORE_DOWN["en"]))
            return self._print(cash.cash_book([sold]), made, reprint=False)

    def reprint(self, number: str) -> SaleDone:
        with self._lock:
            book = self.book()
            refused = cash.may_print(book, number)
            if refused is not None:
                return SaleDone(False, refused.line(self.language))
            return self._print(book, book.entries[number].sale, reprint=True)

    def void(self, number: str) -> Done:
        with self._lock:
            made = cash.void_sale(self.book(), number, self._now())
            if isinstance(made, SaleRefusal):
                return Done(False, made.line(self.language))
            return Done(True, self._ok()) if self._journal((made,)) else self._store_down()

    def book(self) -> CashBook:
        return cash.cash_book(self.sale_events(shift_only=True))

    def sales(self) -> tuple[BookEntry, ...]:
        """This shift's sales, newest first."""
        return tuple(reversed(list(self.book().entries.values())))

    # --- inspection and the report -----------------------------------------------------

    def inspect(self, text: str) -> Inspection:
        """A card number, UID or PAN token, a ticket QR or an app code (typed
        or pasted in the console)."""
        now = self._now()
        seen = self._inspect_text(text.strip(), now, self._window(now), self.language)
        self.inspection.remember(seen, now)
        return seen

    def _inspect_text(self, text: str, now: datetime, window: TripWindow, lang: str) -> Inspection:
        taps = self._taps()
        if not text.startswith("KZT1:"):
            return inspect_card(text, taps, window, lang)
        ticket = inspect_ticket(text, self._ticket_keys(), self.setup.point.bus, now, lang)
        if ticket.verdict is Verdict.NOT_VALID and self.setup.ledger_keys:
            app = inspect_app_code(text, self.setup.ledger_keys, taps, window, lang)
            return app if app.verdict is not Verdict.NOT_VALID else ticket
        return ticket

    # --- inspection at the reader ---------------------------------------------------

    def arm_inspection(self) -> Done:
        """Arm "check the next card": the next presentation is inspected, not charged."""
        return Done(True, self.inspection.arm())

    def cancel_inspection(self) -> Done:
        return Done(True, self.inspection.cancel())

    def inspect_presented(self, result: Presented) -> Inspection | None:
        """The inspection of what was presented at the reader or the scanner;
        None when nothing could be read (tap again)."""
        now = self._now()
        try:
            uid_card = self._uid_card(result)
            taps, window = self._taps(), self._window(now)
        except StoreUnavailable as exc:
            log.error("Inspection without the journal: %s", exc)
            return Inspection(Verdict.NOT_VALID, inspection_line("store_down", self.language))
        keys = CodeKeys(self.setup.ledger_keys, self._ticket_keys(), self.setup.point.bus)
        return inspect_presented(result, uid_card, taps, window, keys, self.language)

    def record_inspection(self, event: InspectionEvent) -> JournalRow | None:
        """The inspection as a crew event row (uploaded like taps); None if not stored."""
        trip = self._state.trip or self._state.last_trip or self.configured_trip
        try:
            return self._store.record(inspection_record(event, trip, self._clock.monotonic_ns()))
        except StoreUnavailable as exc:
            log.error("Inspection not stored: %s", exc)
            return None

    def report(self) -> ShiftReport:
        now = self._now()
        where = (self.setup.point.device_id, self.setup.point.bus)
        return build_report(self.entries(), self.remote_tickets(), where, now)

    def print_report(self) -> Done:
        result = self.printer.print_receipt(report_receipt(self.report(), self.language))
        return Done(result.printed, result.line(self.language))

    def remote_tickets(self) -> list[RemoteTicket]:
        """SMS and messenger tickets synced for this bus (still valid)."""
        return remote_tickets(self._store, self._now())

    def recent_taps(self, count: int = 10) -> list[JournalRow]:
        rows = self._store.journal(last=count * 4)
        return [row for row in reversed(rows) if not is_event_row(row)][:count]

    def entries(self) -> list[JournalEntry]:
        return journal_entries(self._store.journal(last=JOURNAL_WINDOW))

    def sale_events(self, *, shift_only: bool = False) -> list[SaleEvent]:
        entries: Sequence[JournalEntry] = self.entries()
        if shift_only:
            entries = _since_last_opening(entries)
        return [e for e in entries if isinstance(e, SaleEvent)]

    # --- helpers ------------------------------------------------------------------------

    def _rules(self, now: datetime) -> tuple[CrewList, ShiftPolicy, datetime]:
        return self.setup.crew, self.setup.policy, now

    def _counter(self) -> int:
        """The next ticket counter, kept in the store's meta table; a store from
        before it was kept starts above the sales in its journal."""
        floor = 1
        if self._store.counter(CASH_COUNTER) is None:
            floor = cash.next_counter(self.sale_events())
        return self._store.take_number(CASH_COUNTER, floor)

    def _now(self) -> datetime:
        return self._clock.now()

    def _window(self, now: datetime) -> TripWindow:
        return trip_window(self._state, now, self.setup.inspection_window)

    def _taps(self) -> list[TapEntry]:
        return [e for e in self.entries() if isinstance(e, TapEntry)]

    def _uid_card(self, result: Presented) -> str | None:
        """The card number a MIFARE Classic/Ultralight UID maps to in the list."""
        if not isinstance(result, CardRead):
            return None
        shown = result.presentation
        if shown.card_number or shown.uid is None:
            return None
        return self._store.card_number_for_uid(shown.uid)

    def _ok(self) -> str:
        return _OK.get(self.language, _OK["en"])

    def _store_down(self) -> Done:
        return Done(False, _STORE_DOWN.get(self.language, _STORE_DOWN["en"]))

    def _merge_lockout(self, probed: ShiftState) -> ShiftState:
        return replace(self._state, wrong_pins=probed.wrong_pins, locked_until=probed.locked_until)

    def _apply(self, step: ShiftStep) -> Done:
        if not self._journal(step.events):
            return self._store_down()
        self._state = step.state
        if step.refusal is not None:
            return Done(False, step.refusal.line(self.language))
        return Done(True, self._ok())

    def _journal(self, events: Iterable[ShiftEvent | SaleEvent]) -> bool:
        trip = self._state.trip or self._state.last_trip or self.configured_trip
        try:
            for event in events:
                self._store.record(event_record(event, trip, self._clock.monotonic_ns()))
        except StoreUnavailable as exc:
            log.error("Crew event not stored: %s", exc)
            return False
        return True

    def _print(self, book: CashBook, sale: CashSale, *, reprint: bool) -> SaleDone:
        qr = cash.ticket_qr_text(sale, self.setup.device_key)
        result = self.printer.print_receipt(ticket_receipt(sale, qr, reprint=reprint))
        event = cash.record_print(book, sale.ticket_number, result, self._now())
        if isinstance(event, SaleEvent):
            self._journal((event,))
        if not result.printed:
            log.warning("Ticket %s not printed: %s", sale.ticket_number, result.detail)
        return SaleDone(result.printed, result.line(self.language), sale, result)

    def _ticket_keys(self) -> dict[bytes, Ed25519PublicKey]:
        own = {self.setup.point.device_id.encode("ascii"): self.setup.device_key.public_key()}
        return {**self.setup.ledger_keys, **own}


def _since_last_opening(entries: Sequence[JournalEntry]) -> Sequence[JournalEntry]:
    opened = shift.ShiftEventKind.OPENED
    starts = [i for i, e in enumerate(entries) if isinstance(e, ShiftEvent) and e.kind is opened]
    return entries[starts[-1] :] if starts else entries


def remote_tickets(store: OfflineStore, now: datetime) -> list[RemoteTicket]:
    """The SMS and messenger tickets synced for this bus and still valid at
    ``now``, as the shift report counts them; none when the store fails."""
    try:
        rows = store.ledger.tickets(now)
    except StoreUnavailable:
        return []
    return [t for t in (_remote(row) for row in rows) if t is not None]


def _remote(row: Mapping[str, object]) -> RemoteTicket | None:
    try:
        sold = datetime.fromisoformat(str(row["sold_at"]))
        fare = row["fare"]
        if not isinstance(fare, int):
            return None
        return RemoteTicket(str(row["code"]), str(row.get("channel") or "sms"), Tenge(fare), sold)
    except (KeyError, ValueError):
        return None
