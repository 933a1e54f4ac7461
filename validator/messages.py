"""Passenger lines in Kazakh, Russian and English.

One line per decision, short enough for a validator's display:
``"Paid 80 ₸ · balance 1 240 ₸"``. Amounts group thousands with a plain space
and put a plain space before the tenge sign; negative amounts use the minus
sign U+2212 (``"−40 ₸"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from validator.model import Decision, Outcome, Reason

__all__ = ["LANGUAGES", "Language", "format_tenge", "passenger_line"]

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

_SEPARATOR = " · "


@dataclass(frozen=True, slots=True)
class _Phrasebook:
    """Every line of one language. ``{fare}`` stands for the formatted fare."""

    lines: Mapping[Reason, str]
    free: Mapping[Reason, str]  # accepted with a fare of 0, where it reads differently
    balance: str  # "balance {balance}"
    low_balance: str


_EN = _Phrasebook(
    lines={
        Reason.PAID: "Paid {fare}",
        Reason.CONCESSION: "Concession fare {fare}",
        Reason.TRANSFER: "Transfer {fare}",
        Reason.DAILY_CAP: "Daily cap reached · no charge",
        Reason.ALREADY_PAID: "Already paid",
        Reason.COMPANION: "Paid for a companion {fare}",
        Reason.UNKNOWN_CARD: "Unknown card",
        Reason.BLOCKED: "Card blocked",
        Reason.DENY_LISTED: "Card on the stop list",
        Reason.EXPIRED: "Card not valid: expired",
        Reason.INSUFFICIENT_FUNDS: "Top up your card",
        Reason.COMPANION_LIMIT: "Companion limit reached",
        Reason.NO_FARE: "No fare for this route",
        Reason.READ_ERROR: "Present the card again",
        Reason.OUT_OF_SERVICE: "Out of service",
        Reason.FIRST_RIDE: "Paid {fare}",
        Reason.TICKET: "Ticket valid",
        Reason.NOT_GENUINE: "Card not accepted",
        Reason.FORGED: "Code not valid",
        Reason.REPLAYED: "Code already used",
        Reason.FIRST_RIDE_USED: "Bank card not confirmed yet: use another card",
        Reason.TICKET_USED: "Ticket already used",
        Reason.WRONG_BUS: "Ticket not valid on this bus",
        Reason.NO_SHIFT: "Boarding not open yet",
        Reason.CREW_EVENT: "Crew record saved",
    },
    free={
        Reason.PAID: "Free ride",
        Reason.CONCESSION: "Free ride",
        Reason.TRANSFER: "Transfer",
        Reason.COMPANION: "Companion rides free",
    },
    balance="balance {balance}",
    low_balance="top up soon",
)

_RU = _Phrasebook(
    lines={
        Reason.PAID: "Оплачено {fare}",
        Reason.CONCESSION: "Льготный проезд {fare}",
        Reason.TRANSFER: "Пересадка {fare}",
        Reason.DAILY_CAP: "Дневной лимит достигнут · бесплатно",
        Reason.ALREADY_PAID: "Уже оплачено",
        Reason.COMPANION: "Оплачено ещё за одного пассажира {fare}",
        Reason.UNKNOWN_CARD: "Неизвестная карта",
        Reason.BLOCKED: "Карта заблокирована",
        Reason.DENY_LISTED: "Карта в стоп-листе",
        Reason.EXPIRED: "Срок действия карты истёк",
        Reason.INSUFFICIENT_FUNDS: "Пополните карту",
        Reason.COMPANION_LIMIT: "Больше пассажиров по этой карте нельзя",
        Reason.NO_FARE: "Нет тарифа для этого маршрута",
        Reason.READ_ERROR: "Приложите карту ещё раз",
        Reason.OUT_OF_SERVICE: "Не работает",
        Reason.FIRST_RIDE: "Оплачено {fare}",
        Reason.TICKET: "Билет действителен",
        Reason.NOT_GENUINE: "Карта не принимается",
        Reason.FORGED: "Недействительный код",
        Reason.REPLAYED: "Код уже использован",
        Reason.FIRST_RIDE_USED: "Банковская карта ещё не подтверждена: используйте другую",
        Reason.TICKET_USED: "Билет уже использован",
        Reason.WRONG_BUS: "Билет не действует в этом автобусе",
        Reason.NO_SHIFT: "Посадка ещё не открыта",
        Reason.CREW_EVENT: "Запись экипажа сохранена",
    },
    free={
        Reason.PAID: "Бесплатный проезд",
        Reason.CONCESSION: "Бесплатный проезд",
        Reason.TRANSFER: "Пересадка",
        Reason.COMPANION: "Ещё один пассажир бесплатно",
    },
    balance="баланс {balance}",
    low_balance="пополните карту",
)

_KK = _Phrasebook(
    lines={
        Reason.PAID: "Төленді {fare}",
        Reason.CONCESSION: "Жеңілдікпен төленді {fare}",
        Reason.TRANSFER: "Ауысып отыру {fare}",
        Reason.DAILY_CAP: "Күндік шекке жетті · тегін",
        Reason.ALREADY_PAID: "Бұрын төленген",
        Reason.COMPANION: "Тағы бір жолаушы үшін төленді {fare}",
        Reason.UNKNOWN_CARD: "Белгісіз карта",
        Reason.BLOCKED: "Карта бұғатталған",
        Reason.DENY_LISTED: "Карта тоқтату тізімінде",
        Reason.EXPIRED: "Картаның мерзімі өткен",
        Reason.INSUFFICIENT_FUNDS: "Картаны толтырыңыз",
        Reason.COMPANION_LIMIT: "Бұл картамен басқа жолаушы өте алмайды",
        Reason.NO_FARE: "Бұл маршрутқа тариф жоқ",
        Reason.READ_ERROR: "Картаны қайта тигізіңіз",
        Reason.OUT_OF_SERVICE: "Жұмыс істемейді",
        Reason.FIRST_RIDE: "Төленді {fare}",
        Reason.TICKET: "Билет жарамды",
        Reason.NOT_GENUINE: "Карта қабылданбайды",
        Reason.FORGED: "Код жарамсыз",
        Reason.REPLAYED: "Код бұрын қолданылған",
        Reason.FIRST_RIDE_USED: "Банк картасы әлі расталмаған: басқа картаны қолданыңыз",
        Reason.TICKET_USED: "Билет бұрын қолданылған",
        Reason.WRONG_BUS: "Билет бұл автобуста жарамсыз",
        Reason.NO_SHIFT: "Отырғызу әлі ашылмаған",
        Reason.CREW_EVENT: "Экипаж жазбасы сақталды",
    },
    free={
        Reason.PAID: "Тегін жол жүру",
        Reason.CONCESSION: "Тегін жол жүру",
        Reason.TRANSFER: "Ауысып отыру",
        Reason.COMPANION: "Тағы бір жолаушы тегін",
    },
    balance="қалдық {balance}",
    low_balance="картаны толтырыңыз",
)

_BOOKS: Mapping[Language, _Phrasebook] = {"en": _EN, "ru": _RU, "kk": _KK}


def format_tenge(amount: int) -> str:
    """``1240`` → ``"1 240 ₸"``; ``-80`` → ``"−80 ₸"``."""
    grouped = f"{abs(amount):,}".replace(",", " ")
    sign = "−" if amount < 0 else ""
    return f"{sign}{grouped} ₸"


def passenger_line(decision: Decision, language: Language) -> str:
    """The one line the passenger reads for this decision."""
    book = _BOOKS[language]
    parts = [_headline(decision, book)]
    if _shows_balance(decision) and decision.balance_after is not None:
        parts.append(book.balance.format(balance=format_tenge(decision.balance_after)))
    if decision.accepted and decision.low_balance:
        parts.append(book.low_balance)
    return _SEPARATOR.join(parts)


def _headline(decision: Decision, book: _Phrasebook) -> str:
    accepted_free = decision.outcome is Outcome.ACCEPTED and decision.fare == 0
    template = book.free.get(decision.reason) if accepted_free else None
    if template is None:
        template = book.lines[decision.reason]
    return template.format(fare=format_tenge(decision.fare))


def _shows_balance(decision: Decision) -> bool:
    if decision.reason is Reason.ALREADY_PAID:
        return False
    return decision.accepted or decision.reason is Reason.INSUFFICIENT_FUNDS
