"""Taps as the shift report and the inspection read them from the journal.

``TapEntry`` is a typed view of one journal tap row. ``tap_entry`` builds it
from anything shaped like ``offline_store.JournalRow`` (strings for the enum
columns); a row whose medium, result or reason this code does not know comes
back as None and is left out, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from validator.model import Category, Medium, Outcome, Reason, Tenge

__all__ = ["JournalTapRow", "TapEntry", "tap_entry"]

_NO_TENGE = Tenge(0)


class JournalTapRow(Protocol):
    """The columns of a journal row this module reads."""

    @property
    def time(self) -> str: ...
    @property
    def medium(self) -> str: ...
    @property
    def card_number(self) -> str | None: ...
    @property
    def uid(self) -> str | None: ...
    @property
    def route(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def fare(self) -> int: ...
    @property
    def riders(self) -> int: ...
    @property
    def result(self) -> str: ...
    @property
    def reason(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TapEntry:
    at: datetime
    medium: Medium
    result: Outcome
    reason: Reason
    fare: Tenge = _NO_TENGE
    riders: int = 1
    route: str = ""
    direction: str = "forward"
    card_number: str | None = None  # for EMV: the keyed PAN token, never the PAN
    uid: str | None = None
    category: Category | None = None  # the holder's social category, when journaled
    channel: str | None = None  # tickets: "sms", "telegram", "whatsapp"

    @property
    def accepted(self) -> bool:
        return self.result is Outcome.ACCEPTED


def tap_entry(
    row: JournalTapRow, category: Category | None = None, channel: str | None = None
) -> TapEntry | None:
    """The typed tap, or None when a column holds a value this code does not know."""
    try:
        medium, result, reason = Medium(row.medium), Outcome(row.result), Reason(row.reason)
        at = datetime.fromisoformat(row.time)
    except ValueError:
        return None
    return TapEntry(
        at=at if at.tzinfo is not None else at.replace(tzinfo=UTC),
        medium=medium,
        result=result,
        reason=reason,
        fare=Tenge(row.fare),
        riders=row.riders,
        route=row.route,
        direction=row.direction,
        card_number=row.card_number,
        uid=row.uid,
        category=category,
        channel=channel,
    )
