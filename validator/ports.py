"""The ports the core owns. Drivers implement them; the core never imports a
driver or a hardware library.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from validator.model import Medium, Presentation, Reason, Signal


class ReadProblem(StrEnum):
    CARD_LEFT = "card_left"  # the card left the field mid-read: present again
    GARBAGE = "garbage"  # the card answered something no real card would send
    UNSUPPORTED = "unsupported"  # a card type this validator does not take
    NOT_GENUINE = "not_genuine"  # failed authentication (clone, foreign card): declined


@dataclass(frozen=True, slots=True)
class CardRead:
    """A card was read completely; ``presentation`` says what it is."""

    presentation: Presentation


@dataclass(frozen=True, slots=True)
class ReadFailure:
    """A card was seen but could not be read; no charge, present again."""

    problem: ReadProblem
    detail: str
    uid: str | None = None
    medium: Medium | None = None  # when the reader got far enough to tell


@dataclass(frozen=True, slots=True)
class Rejection:
    """Something presented that is declined before any lookup: a QR text that is
    not a code of ours, a code cut in half. Journaled like any presentation."""

    presentation: Presentation
    reason: Reason


class CardReader(Protocol):
    """A contactless reader. Implementations live in drivers/."""

    def poll(self, timeout: float) -> CardRead | ReadFailure | None:
        """Wait up to ``timeout`` seconds for a card to enter the field and read
        it. ``None`` when no card came."""
        ...

    def still_present(self, uid: str) -> bool:
        """True while the card with this UID is still in the field."""
        ...

    def close(self) -> None: ...


class Feedback(Protocol):
    """Buzzer, lights and display, played after the decision is durable."""

    def signal(self, signal: Signal) -> None:
        """Play the beep pattern and light for this signal."""
        ...

    def display(self, line: str) -> None:
        """Show one line to the passenger."""
        ...

    def close(self) -> None: ...
