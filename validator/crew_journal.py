"""Crew events as journal rows, and journal rows back as report entries.

Shift, trip, sale, print and void events are journal rows, so they are
hash-chained and uploaded like taps. The convention (docs/crew.md):

- every event row has ``reason = "crew_event"``, ``result = "accepted"`` and
  ``extra`` = compact JSON with ``"event"`` (the ``ShiftEventKind`` or
  ``SaleEventKind`` value) and the event's fields; never a PIN;
- a ``sale`` row has ``medium = "cash"``, ``fare`` = the amount, ``riders`` =
  the count, and the sale's route and direction;
- every other event row has ``medium = "unknown"``, ``fare = 0``,
  ``riders = 0``, no card, and the shift's route (or the config's);
- an ``inspection`` row (``inspection_record``: a card, phone or code checked
  at the reader) is such a row too: what was shown and the verdict are in
  ``extra`` only, so no balance, passback or bank-card history ever counts it.

``journal_entries`` turns rows into the values the report, the replay and
the inspection read: taps become ``TapEntry`` (a bank-card tap with its PAN
token as the card), event rows become ``ShiftEvent`` / ``SaleEvent``;
inspection rows and rows this code cannot read are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from offline_store import JournalRow, TapRecord
from validator.cash import CashSale, SaleEvent, SaleEventKind
from validator.inspection_media import InspectionEvent
from validator.model import Category, Medium, Outcome, Reason, Tenge, TripContext
from validator.printing import PrintFault
from validator.shift import ShiftEvent, ShiftEventKind
from validator.shift_report import JournalEntry
from validator.tap_entries import tap_entry

__all__ = ["INSPECTION", "event_record", "inspection_record", "is_event_row", "journal_entries"]

CrewEvent = ShiftEvent | SaleEvent
INSPECTION = "inspection"  # extra.event of an inspection at the reader


def event_record(event: CrewEvent, trip: TripContext, mono_ns: int) -> TapRecord:
    """The journal row for one crew event; ``trip`` fills route and direction
    when the event has none."""
    sale = event.sale if isinstance(event, SaleEvent) else None
    route = sale.route if sale else (_route(event) or trip.route)
    direction = sale.direction if sale else (_direction(event) or trip.direction)
    return TapRecord(
        time=event.at,
        mono_ns=mono_ns,
        medium=Medium.CASH if sale else Medium.UNKNOWN,
        card_number=None,
        uid=None,
        route=route,
        direction=direction,
        fare=sale.amount if sale else 0,
        riders=sale.riders if sale else 0,
        balance_after=None,
        result=Outcome.ACCEPTED,
        reason=Reason.CREW_EVENT,
        extra=_dumps(_fields(event)),
    )


def inspection_record(event: InspectionEvent, trip: TripContext, mono_ns: int) -> TapRecord:
    """The journal row of one inspection at the reader: an event row (no
    card, no fare) whose ``extra`` says what was shown and the verdict."""
    return TapRecord(
        time=event.at,
        mono_ns=mono_ns,
        medium=Medium.UNKNOWN,
        card_number=None,
        uid=None,
        route=trip.route,
        direction=trip.direction,
        fare=0,
        riders=0,
        balance_after=None,
        result=Outcome.ACCEPTED,
        reason=Reason.CREW_EVENT,
        extra=_dumps(_inspection_fields(event)),
    )


def is_event_row(row: JournalRow) -> bool:
    return row.reason == Reason.CREW_EVENT.value


def journal_entries(rows: Iterable[JournalRow]) -> list[JournalEntry]:
    """Taps and crew events in journal order; unreadable rows left out."""
    entries: list[JournalEntry] = []
    for row in rows:
        entry = _event(row) if is_event_row(row) else _tap(row)
        if entry is not None:
            entries.append(entry)
    return entries


# --- writing ----------------------------------------------------------------------


def _route(event: CrewEvent) -> str | None:
    return event.route if isinstance(event, ShiftEvent) else None


def _direction(event: CrewEvent) -> str | None:
    return event.direction if isinstance(event, ShiftEvent) else None


def _fields(event: CrewEvent) -> dict[str, object]:
    if isinstance(event, ShiftEvent):
        values: dict[str, object] = {
            "event": event.kind.value,
            "crew_id": event.crew_id,
            "crew_name": event.crew_name,
            "route": event.route,
            "direction": event.direction,
            "trip": event.trip,
            "until": None if event.until is None else event.until.isoformat(),
            "detail": event.detail or None,
        }
    else:
        values = {"event": event.kind.value, "ticket": event.ticket_number}
        values |= {"fault": event.fault, "partial": event.partial or None}
        values |= {"at": event.at.isoformat()}
        if event.sale is not None:
            values |= _sale_fields(event.sale)
    return {key: value for key, value in values.items() if value is not None}


def _sale_fields(sale: CashSale) -> dict[str, object]:
    return {
        "device_id": sale.device_id,
        "counter": sale.counter,
        "sold_at": sale.sold_at.isoformat(),
        "valid_until": sale.valid_until.isoformat(),
        "bus": sale.bus,
        "category": sale.category.value,
        "unit_fare": sale.unit_fare,
        "crew_id": sale.crew_id,
    }


def _inspection_fields(event: InspectionEvent) -> dict[str, object]:
    seen = event.inspection
    values: dict[str, object | None] = {
        "event": INSPECTION,
        "verdict": seen.verdict.value,
        "presented": event.presented.value,
        "card_number": event.card_number,
        "uid": event.uid,
        "pan_token": event.pan_token,
        "masked_pan": event.masked_pan,
        "medium": None if seen.medium is None else seen.medium.value,
        "category": None if seen.category is None else seen.category.value,
        "paid_at": None if seen.paid_at is None else seen.paid_at.isoformat(),
        "fare": seen.fare if seen.paid else None,
        "riders": seen.riders or None,
        "route": seen.route,
        "ticket": seen.ticket_number,
        "detail": seen.detail or None,
    }
    return {key: value for key, value in values.items() if value is not None}


def _dumps(values: Mapping[str, object]) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- reading ----------------------------------------------------------------------


def _extra(row: JournalRow) -> dict[str, Any]:
    try:
        values = json.loads(row.extra or "{}")
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def _tap(row: JournalRow) -> JournalEntry | None:
    category = _extra(row).get("category")
    try:
        entry = tap_entry(row, Category(category) if isinstance(category, str) else None)
    except ValueError:
        entry = tap_entry(row)
    if entry is not None and entry.card_number is None and row.pan_token:
        return replace(entry, card_number=row.pan_token)  # a bank card: its token
    return entry


def _event(row: JournalRow) -> JournalEntry | None:
    values = _extra(row)
    kind = str(values.get("event"))
    try:
        if kind in set(ShiftEventKind):
            return _shift_event(ShiftEventKind(kind), row, values)
        if kind in set(SaleEventKind):
            return _sale_event(SaleEventKind(kind), row, values)
    except (KeyError, TypeError, ValueError):
        return None
    return None


def _shift_event(kind: ShiftEventKind, row: JournalRow, values: dict[str, Any]) -> ShiftEvent:
    until = values.get("until")
    return ShiftEvent(
        kind,
        row.at,
        crew_id=values.get("crew_id"),
        crew_name=values.get("crew_name"),
        route=values.get("route"),
        direction=values.get("direction"),
        trip=values.get("trip"),
        until=None if until is None else datetime.fromisoformat(until),
        detail=values.get("detail", ""),
    )


def _sale_event(kind: SaleEventKind, row: JournalRow, values: dict[str, Any]) -> SaleEvent:
    number = str(values["ticket"])
    at = datetime.fromisoformat(values["at"]) if "at" in values else row.at
    fault = values.get("fault")
    sale = _sale(number, row, values) if kind is SaleEventKind.SOLD else None
    return SaleEvent(
        kind,
        at,
        number,
        sale=sale,
        fault=None if fault is None else PrintFault(fault),
        partial=bool(values.get("partial")),
    )


def _sale(number: str, row: JournalRow, values: dict[str, Any]) -> CashSale:
    return CashSale(
        ticket_number=number,
        device_id=str(values["device_id"]),
        counter=int(values["counter"]),
        sold_at=datetime.fromisoformat(values["sold_at"]),
        valid_until=datetime.fromisoformat(values["valid_until"]),
        route=row.route,
        direction=row.direction,
        bus=str(values["bus"]),
        category=Category(values["category"]),
        riders=row.riders,
        unit_fare=Tenge(int(values["unit_fare"])),
        amount=Tenge(row.fare),
        crew_id=values.get("crew_id"),
    )
