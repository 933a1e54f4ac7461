"""SMS and messenger tickets arriving on the bus: the chirp and the display
line for each new one, and how many arrived on this trip.

A ticket "arrives" when sync stores it (its ``received_at``). The count runs
from the start of the current trip, else of the current shift, else from
local midnight; which one is decided from the crew journal's events (pure).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from typing import Any

from validator.messages import Language
from validator.model import Signal, is_aware
from validator.ports import Feedback
from validator.shift import ShiftEvent, ShiftEventKind
from validator.shift_report import JournalEntry

__all__ = ["announce", "arrival_line", "arrived_since", "counting_since", "mask_contact"]

log = logging.getLogger("validator")

_NEW: dict[Language, dict[str, str]] = {
    "en": {"sms": "New SMS ticket", "messenger": "New messenger ticket"},
    "ru": {"sms": "Новый SMS-билет", "messenger": "Новый билет из мессенджера"},
    "kk": {"sms": "Жаңа SMS-билет", "messenger": "Мессенджерден жаңа билет"},
}
_SINCE = {"trip": "since the trip started", "shift": "since the shift opened"}


def mask_contact(contact: str) -> str:
    """A phone number or messenger id with all but its end hidden: the last
    four, or what the ledger left visible after its ``***`` mask."""
    if "*" in contact:
        return "•••" + contact.rsplit("*", 1)[1]
    return "•" * max(0, len(contact) - 4) + contact[-4:]


def arrival_line(ticket: Mapping[str, Any], language: Language) -> str:
    """``New SMS ticket · ••••••••4567`` in the passenger display's language."""
    book = _NEW.get(language, _NEW["en"])
    kind = "sms" if str(ticket.get("channel", "sms")) == "sms" else "messenger"  # telegram, …
    return f"{book[kind]} · {mask_contact(str(ticket.get('contact', '')))}"


def announce(feedback: Feedback, language: Language, tickets: Iterable[Mapping[str, Any]]) -> int:
    """One chirp, one display line and one log line per new ticket; how many."""
    count = 0
    for ticket in tickets:
        feedback.signal(Signal.TICKET_ARRIVED)
        feedback.display(arrival_line(ticket, language))
        log.info(
            "New %s ticket %s for route %s (%s)",
            ticket.get("channel"),
            ticket.get("code"),
            ticket.get("route"),
            mask_contact(str(ticket.get("contact", ""))),
        )
        count += 1
    return count


def counting_since(entries: Sequence[JournalEntry], now: datetime) -> tuple[datetime, str]:
    """When the count starts, and how to say it: the running trip's start, else
    the open shift's, else local midnight of ``now`` (aware, local time)."""
    if not is_aware(now):
        raise ValueError("counting_since needs a timezone-aware time")
    events = [e for e in entries if isinstance(e, ShiftEvent)]
    opened = _last(events, ShiftEventKind.OPENED)
    if opened is None or _after(events, opened, ShiftEventKind.CLOSED):
        return datetime.combine(now.date(), time(), now.tzinfo), "since midnight"
    trip = _last(events[opened:], ShiftEventKind.TRIP_STARTED)
    if trip is not None and not _after(events, opened + trip, ShiftEventKind.TRIP_ENDED):
        return events[opened + trip].at, _SINCE["trip"]
    return events[opened].at, _SINCE["shift"]


def arrived_since(tickets: Iterable[Mapping[str, Any]], since: datetime) -> list[Mapping[str, Any]]:
    """The tickets sync stored at or after ``since``."""
    return [t for t in tickets if (at := _received(t)) is not None and at >= since]


def _received(ticket: Mapping[str, Any]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(ticket.get("received_at")))
    except ValueError:
        return None
    return moment if is_aware(moment) else None


def _last(events: Sequence[ShiftEvent], kind: ShiftEventKind) -> int | None:
    found = [index for index, event in enumerate(events) if event.kind is kind]
    return found[-1] if found else None


def _after(events: Sequence[ShiftEvent], start: int, kind: ShiftEventKind) -> bool:
    return any(event.kind is kind for event in events[start + 1 :])
