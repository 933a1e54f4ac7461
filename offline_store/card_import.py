"""The depot's card list as CSV: parsing and validation.

Header ``card_number,uid,balance,category,status`` in any order, plus an
optional ``expires`` (YYYY-MM-DD). Every problem is reported with its line
number, up to 20, so the depot can fix the file in one go.
"""

from __future__ import annotations

import csv
import io
import re
from _csv import Reader
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from offline_store.errors import MAX_IMPORT_PROBLEMS, CardImportError
from validator.model import CardStatus, Category

REQUIRED = ("card_number", "uid", "balance", "category", "status")
OPTIONAL = ("expires",)
_CARD_NUMBER = re.compile(r"[0-9]{19}")
_UID = re.compile(r"[0-9A-Fa-f]{8}|[0-9A-Fa-f]{14}")
_WHOLE = re.compile(r"-?[0-9]+")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_Choice = TypeVar("_Choice", Category, CardStatus)


@dataclass(frozen=True, slots=True)
class CardRow:
    """One card of the balance list, as imported."""

    card_number: str
    uid: str | None
    balance: int
    category: Category
    status: CardStatus
    expires: date | None = None
    last_boarding_at: datetime | None = None
    last_boarding_route: str | None = None
    last_boarding_fare: int | None = None


class _Problems:
    """Collects numbered problems; stops the parse after the twentieth."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = False

    def add(self, line: int, text: str) -> None:
        if len(self.lines) < MAX_IMPORT_PROBLEMS:
            self.lines.append(f"line {line}: {text}")
        else:
            self.more = True

    def raise_if_any(self) -> None:
        if self.lines:
            raise CardImportError(self.lines, self.more)


def parse_cards_csv(text: str) -> list[CardRow]:
    """Parse and validate the depot CSV; raises CardImportError with every problem."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = _read_header(reader)
    problems = _Problems()
    cards: list[CardRow] = []
    seen_numbers: dict[str, int] = {}
    seen_uids: dict[str, int] = {}
    for line, values in _data_lines(reader, header, problems):
        card = _parse_row(dict(zip(header, values, strict=True)), line, problems)
        if card is not None and _unique(card, line, seen_numbers, seen_uids, problems):
            cards.append(card)
    problems.raise_if_any()
    return cards


def _read_header(reader: Reader) -> list[str]:
    header = [name.strip() for name in next(reader, [])]
    expected = ",".join(REQUIRED) + " (and optionally expires)"
    if not any(header):
        raise CardImportError([f"line 1: the file is empty; expected the header {expected}"])
    problems = [f"line 1: missing column '{name}'" for name in REQUIRED if name not in header]
    problems += [
        f"line 1: unknown column '{name}'; expected {expected}"
        for name in header
        if name not in REQUIRED + OPTIONAL
    ]
    problems += [f"line 1: column '{name}' appears twice" for name in _twice(header)]
    if problems:
        raise CardImportError(problems)
    return header


def _twice(names: list[str]) -> list[str]:
    return sorted({name for name in names if names.count(name) > 1})


def _data_lines(
    reader: Reader, header: list[str], problems: _Problems
) -> Iterator[tuple[int, list[str]]]:
    line = 1
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            problems.add(line, f"{len(values)} fields, the header has {len(header)}")
            continue
        yield line, [value.strip() for value in values]
        if problems.more:
            return


def _parse_row(values: dict[str, str], line: int, problems: _Problems) -> CardRow | None:
    before = len(problems.lines)
    number = values["card_number"]
    if not _CARD_NUMBER.fullmatch(number):
        problems.add(line, f"card number '{number}' is not 19 digits")
    uid = values["uid"]
    if uid and not _UID.fullmatch(uid):
        problems.add(line, f"uid '{uid}' is not 8 or 14 hexadecimal digits")
    balance = values["balance"]
    if not _WHOLE.fullmatch(balance):
        problems.add(line, f"balance '{balance}' is not a whole number of tenge")
    category = _choice(values["category"], Category, "category", line, problems)
    status = _choice(values["status"], CardStatus, "status", line, problems)
    expires = _expires(values.get("expires", ""), line, problems)
    if len(problems.lines) > before or problems.more or category is None or status is None:
        return None
    return CardRow(number, uid.upper() or None, int(balance), category, status, expires)


def _choice(
    value: str, kind: type[_Choice], label: str, line: int, problems: _Problems
) -> _Choice | None:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        problems.add(line, f"{label} '{value}' is not one of: {allowed}")
        return None


def _expires(value: str, line: int, problems: _Problems) -> date | None:
    if not value:
        return None
    try:
        if _DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    problems.add(line, f"expiry date '{value}' is not a real date written YYYY-MM-DD")
    return None


def _unique(
    card: CardRow, line: int, numbers: dict[str, int], uids: dict[str, int], problems: _Problems
) -> bool:
    first = numbers.setdefault(card.card_number, line)
    if first != line:
        problems.add(line, f"card number {card.card_number} already appears on line {first}")
        return False
    if card.uid is None:
        return True
    first = uids.setdefault(card.uid, line)
    if first != line:
        problems.add(line, f"uid {card.uid} already appears on line {first}")
    return first == line
