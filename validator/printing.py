"""The printer port: what a receipt is, and what a print attempt came to.

The core lays out receipts as plain values (``Receipt``: lines of text, a QR
code, rules); a driver in drivers/printer/ turns them into ESC/POS bytes. A
print attempt never raises: it returns a ``PrintResult`` the caller records,
with a line for the conductor in kk, ru or en.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from validator.crew_lines import PRINT_LINES

__all__ = [
    "Align",
    "PrintFault",
    "PrintResult",
    "Receipt",
    "ReceiptItem",
    "ReceiptPrinter",
    "Rule",
    "TextLine",
    "TicketQr",
]


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line; ``value`` (if any) is printed flush right on the same line."""

    text: str
    value: str = ""
    align: Align = Align.LEFT
    bold: bool = False
    large: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal line across the paper."""


@dataclass(frozen=True, slots=True)
class TicketQr:
    """A QR code holding ``text`` (the ticket's KZT1: text)."""

    text: str


ReceiptItem = TextLine | Rule | TicketQr


@dataclass(frozen=True, slots=True)
class Receipt:
    items: tuple[ReceiptItem, ...]
    cut: bool = True


class PrintFault(StrEnum):
    NO_PAPER = "no_paper"
    COVER_OPEN = "cover_open"
    NOT_CONNECTED = "not_connected"  # unplugged, switched off, not found, link lost
    NOT_READY = "not_ready"  # offline for another reason (error light)
    FAILED = "failed"  # anything else


@dataclass(frozen=True, slots=True)
class PrintResult:
    """What one print attempt came to. ``partial`` is True when the fault came
    after part of the receipt had gone out (a cut-short ticket). ``detail`` is
    for the log and the technician, never for the passenger."""

    fault: PrintFault | None = None
    partial: bool = False
    detail: str = ""

    @property
    def printed(self) -> bool:
        return self.fault is None

    def line(self, language: str = "en") -> str:
        """What the conductor reads: what went wrong and what to do."""
        book = PRINT_LINES.get(language, PRINT_LINES["en"])
        if self.fault is None:
            return book["ok"]
        key = "partial" if self.partial and self.fault is PrintFault.NO_PAPER else self.fault
        return book[key]


class ReceiptPrinter(Protocol):
    """A receipt printer. Implementations live in drivers/printer/."""

    def print_receipt(self, receipt: Receipt) -> PrintResult:
        """Print; never raises."""
        ...

    def close(self) -> None: ...
