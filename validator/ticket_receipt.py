"""The printed cash ticket, laid out as a ``Receipt`` (Kazakh and Russian).

Every label is printed in Kazakh and Russian, the two languages a passenger
and an inspector in Kazakhstan read. The QR holds the signed ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from validator.cash import CashSale
from validator.labels import category_name, direction_name, local_stamp
from validator.messages import format_tenge
from validator.printing import Align, Receipt, ReceiptItem, Rule, TextLine, TicketQr

__all__ = ["ticket_receipt"]

_T = TypeVar("_T")


def ticket_receipt(sale: CashSale, qr_text: str, *, reprint: bool = False) -> Receipt:
    """The ticket for ``sale``; ``reprint`` marks a copy printed after a fault."""
    items: list[ReceiptItem] = [
        TextLine("ЖОЛ ЖҮРУ БИЛЕТІ", align=Align.CENTER, bold=True, large=True),
        TextLine("ПРОЕЗДНОЙ БИЛЕТ", align=Align.CENTER, bold=True),
    ]
    if reprint:
        items.append(TextLine("ҚАЙТА БАСЫЛҒАН / ПОВТОРНАЯ ПЕЧАТЬ", align=Align.CENTER))
    items += [Rule(), *_details(sale), Rule()]
    items += [TextLine(f"№ {sale.ticket_number}", align=Align.CENTER, bold=True)]
    items += [TicketQr(qr_text), TextLine("Қолма-қол / Наличные", align=Align.CENTER)]
    return Receipt(tuple(items))


def _details(sale: CashSale) -> list[TextLine]:
    unit = format_tenge(sale.unit_fare)
    return [
        TextLine("Маршрут", sale.route, bold=True),
        TextLine("Бағыт / Направление", _both(direction_name, sale.direction)),
        TextLine("Автобус", sale.bus),
        TextLine("Уақыты / Время", local_stamp(sale.sold_at)),
        TextLine("Санаты / Категория", _both(category_name, sale.category)),
        TextLine("Жолаушы / Пассажиров", str(sale.riders)),
        TextLine("Бағасы / Цена", unit if sale.riders == 1 else f"{sale.riders} × {unit}"),
        TextLine("Барлығы / Итого", format_tenge(sale.amount), bold=True),
        TextLine("Жарамды / Действует до", local_stamp(sale.valid_until, date=False)),
    ]


def _both(name: Callable[[_T, str], str], value: _T) -> str:
    """The Kazakh and Russian names, once when they are the same word."""
    kk, ru = name(value, "kk"), name(value, "ru")
    return kk if kk == ru else f"{kk} / {ru}"
