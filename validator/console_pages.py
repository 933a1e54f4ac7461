"""The driver console's pages: plain server-rendered HTML in kk, ru or en.

Every value shown is escaped. The page holds no secret: the PIN is only ever
in the body of the sign-in POST.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from html import escape

from offline_store import JournalRow
from validator.cash import BookEntry, SaleStatus
from validator.labels import category_name
from validator.messages import format_tenge
from validator.model import Category
from validator.shift import ShiftState
from validator.shift_report import RemoteTicket

__all__ = ["TEXTS", "list_status", "main_page", "sign_in_page"]

_KEYS = [
    "title",
    "sign_in",
    "crew_no",
    "pin",
    "enter",
    "sign_out",
    "status",
    "shift",
    "route",
    "direction",
    "forward",
    "backward",
    "choose",
    "start_trip",
    "end_trip",
    "close",
    "report",
    "sale",
    "category",
    "count",
    "sell",
    "total",
    "tickets",
    "reprint",
    "void",
    "remote",
    "inspection",
    "check",
    "recent",
    "no_shift",
    "trip",
    "phase",
    "none",
    "check_next",
    "cancel",
    "last_check",
]
TEXTS: dict[str, dict[str, str]] = {
    "en": dict(
        zip(
            _KEYS,
            [
                "Driver console",
                "Sign in",
                "Crew number",
                "PIN",
                "Sign in",
                "Sign out",
                "Status",
                "Shift",
                "Route",
                "Direction",
                "forward",
                "backward",
                "Set route",
                "Start trip",
                "End trip",
                "Close shift",
                "Print shift report",
                "Cash sale",
                "Category",
                "Tickets",
                "Sell and print",
                "Cash total",
                "Tickets sold",
                "Reprint",
                "Void",
                "SMS and messenger tickets",
                "Inspection",
                "Check",
                "Recent answers",
                "No shift open",
                "Trip",
                "State",
                "none",
                "Check the next card",
                "Cancel",
                "Last check",
            ],
            strict=True,
        )
    ),
    "ru": dict(
        zip(
            _KEYS,
            [
                "Пульт водителя",
                "Вход",
                "Табельный номер",
                "ПИН",
                "Войти",
                "Выйти",
                "Состояние",
                "Смена",
                "Маршрут",
                "Направление",
                "прямое",
                "обратное",
                "Выбрать маршрут",
                "Начать рейс",
                "Закончить рейс",
                "Закрыть смену",
                "Печать отчёта смены",
                "Продажа за наличные",
                "Категория",
                "Билетов",
                "Продать и напечатать",
                "Наличные за смену",
                "Проданные билеты",
                "Повторить печать",
                "Аннулировать",
                "Билеты по SMS и мессенджерам",
                "Контроль",
                "Проверить",
                "Последние ответы",
                "Смена не открыта",
                "Рейс",
                "Состояние",
                "нет",
                "Проверить следующую карту",
                "Отмена",
                "Последняя проверка",
            ],
            strict=True,
        )
    ),
    "kk": dict(
        zip(
            _KEYS,
            [
                "Жүргізуші пульті",
                "Кіру",
                "Табель нөмірі",
                "ПИН",
                "Кіру",
                "Шығу",
                "Күйі",
                "Ауысым",
                "Маршрут",
                "Бағыт",
                "тура",
                "кері",
                "Маршрутты таңдау",
                "Рейсті бастау",
                "Рейсті аяқтау",
                "Ауысымды жабу",
                "Ауысым есебін басу",
                "Қолма-қол сату",
                "Санат",
                "Билет саны",
                "Сату және басу",
                "Ауысымдағы қолма-қол",
                "Сатылған билеттер",
                "Қайта басу",
                "Жою",
                "SMS және мессенджер билеттері",
                "Тексеру",
                "Тексеру",
                "Соңғы жауаптар",
                "Ауысым ашылмаған",
                "Рейс",
                "Күйі",
                "жоқ",
                "Келесі картаны тексеру",
                "Болдырмау",
                "Соңғы тексеру",
            ],
            strict=True,
        )
    ),
}

_STYLE = (
    "body{font-family:sans-serif;margin:1em;font-size:18px}section{margin-bottom:1.2em}"
    "button,input,select{font-size:18px;padding:.3em;margin:.2em}"
    "table{border-collapse:collapse}td,th{border:1px solid #aaa;padding:.2em .5em}"
    ".msg{background:#ffd;padding:.5em;border:1px solid #cc9}"
)


def _page(title: str, body: str, language: str) -> str:
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _message(message: str | None) -> str:
    return f'<p class="msg" id="message">{escape(message)}</p>' if message else ""


def sign_in_page(language: str, message: str | None) -> str:
    t = TEXTS.get(language, TEXTS["en"])
    form = (
        f'<form method="post" action="/sign-in">'
        f'<label>{t["crew_no"]} <input name="crew_id" id="crew_id" inputmode="numeric"></label>'
        f'<label>{t["pin"]} <input name="pin" id="pin" type="password" inputmode="numeric">'
        f'</label><button id="sign-in">{t["enter"]}</button></form>'
    )
    return _page(t["title"], _message(message) + form, language)


def _form(action: str, fields: str, label: str, button_id: str) -> str:
    return (
        f'<form method="post" action="{action}" style="display:inline">{fields}'
        f'<button id="{button_id}">{escape(label)}</button></form>'
    )


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value)}">'


def _table(rows: Iterable[Sequence[str]], head: Sequence[str], table_id: str) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    heading = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f'<table id="{table_id}"><tr>{heading}</tr>{cells}</table>'


def _status(status: Mapping[str, str]) -> str:
    return (
        "<ul>" + "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in status.items()) + "</ul>"
    )


def list_status(version: int, received_at: str | None, now: datetime, max_age: timedelta) -> str:
    """The balance list under Status: its age ("3 min old", "2 h old"), and a
    warning once it is older than ``sync.max_list_age`` (the degraded policy
    is on). ``received_at`` is the store's ISO time; None: not from a ledger."""
    if received_at is None:
        return f"not from the ledger yet (version {version})"
    try:
        received = datetime.fromisoformat(received_at)
    except ValueError:
        return f"received {received_at} (version {version})"
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    age = max(now - received, timedelta(0))
    line = f"{_span(age)} old (version {version})"
    if age > max_age:
        line += f" — OLDER THAN {_span(max_age)}: degraded policy on, sync the list"
    return line


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 72 else f"{hours // 24} days"


def _shift(state: ShiftState, t: Mapping[str, str]) -> str:
    if state.crew_id is None:
        head = t["no_shift"]
    else:
        route = "" if state.trip is None else f"{state.trip.route} ({t[state.trip.direction]})"
        trip = f"{t['trip']} {state.trip_number}"
        head = f"{state.crew_name} · {t['route']} {route or t['none']} · {trip}"
    options = "".join(f'<option value="{d}">{t[d]}</option>' for d in ("forward", "backward"))
    route_form = _form(
        "/shift",
        _hidden("action", "route")
        + f'<input name="route" id="route" size="5"><select name="direction">{options}</select>',
        t["choose"],
        "set-route",
    )
    buttons = "".join(
        _form("/shift", _hidden("action", action), t[key], f"shift-{action}")
        for action, key in (("start", "start_trip"), ("end", "end_trip"), ("close", "close"))
    )
    report = _form("/report", "", t["report"], "print-report")
    phase = f'<p id="phase">{t["phase"]}: {escape(state.phase.value)}</p>'
    return f"<p>{escape(head)}</p>{phase}{route_form}<br>{buttons}{report}"


def _sales(sales: Sequence[BookEntry], total: int, t: Mapping[str, str], language: str) -> str:
    options = "".join(
        f'<option value="{c.value}">{escape(category_name(c, language))}</option>' for c in Category
    )
    sell = _form(
        "/sell",
        f'<select name="category" id="category">{options}</select>'
        f'<input name="count" id="count" type="number" min="1" value="1" size="3">',
        t["sell"],
        "sell",
    )
    rows = [_sale_row(entry, t, language) for entry in sales]
    head = ("№", t["category"], t["count"], "₸", t["status"], "")
    total_line = f'<p>{t["total"]}: <b id="cash-total">{escape(format_tenge(total))}</b></p>'
    return sell + total_line + _table(rows, head, "sales")


def _sale_row(entry: BookEntry, t: Mapping[str, str], language: str) -> list[str]:
    sale, actions = entry.sale, ""
    if entry.status in (SaleStatus.PENDING, SaleStatus.NOT_PRINTED):
        ticket = _hidden("ticket", sale.ticket_number)
        actions = _form("/reprint", ticket, t["reprint"], f"reprint-{sale.counter}")
        actions += _form("/void", ticket, t["void"], f"void-{sale.counter}")
    return [
        escape(sale.ticket_number),
        escape(category_name(sale.category, language)),
        str(sale.riders),
        escape(format_tenge(sale.amount)),
        escape(entry.status.value),
        actions,
    ]


def _remote(tickets: Sequence[RemoteTicket]) -> str:
    rows = [
        [
            escape(t.code),
            escape(t.channel),
            escape(format_tenge(t.fare)),
            escape(t.sold_at.isoformat()),
        ]
        for t in tickets
    ]
    return _table(rows, ("code", "channel", "₸", "sold"), "remote")


def _recent(rows: Sequence[JournalRow]) -> str:
    cells = [
        [escape(r.time), escape(r.medium), escape(r.result), escape(r.reason), str(r.fare)]
        for r in rows
    ]
    return _table(cells, ("time", "medium", "result", "reason", "₸"), "recent")


def _inspection(t: Mapping[str, str], waiting: str | None, last: str | None) -> str:
    """Check the next card at the reader (or cancel it while it waits), the
    form for a typed number or pasted code, and the last answer."""
    if waiting is None:
        at_reader = _form("/inspect-tap", "", t["check_next"], "inspect-tap")
    else:
        at_reader = f'<p id="inspection-waiting">{escape(waiting)}</p>'
        at_reader += _form("/inspect-cancel", "", t["cancel"], "inspect-cancel")
    typed = _form("/inspect", '<input name="code" id="code" size="24">', t["check"], "inspect")
    shown = (
        ""
        if last is None
        else f'<p>{t["last_check"]}: <b id="last-inspection">{escape(last)}</b></p>'
    )
    return f"{at_reader}<br>{typed}{shown}"


def main_page(
    language: str,
    message: str | None,
    *,
    status: Mapping[str, str],
    state: ShiftState,
    sales: Sequence[BookEntry],
    total: int,
    remote: Sequence[RemoteTicket],
    recent: Sequence[JournalRow],
    waiting: str | None = None,
    last_inspection: str | None = None,
) -> str:
    """``waiting``: "check the next card" is armed (the line says until when);
    ``last_inspection``: the last inspection answer, with its time."""
    t = TEXTS.get(language, TEXTS["en"])
    inspect = _inspection(t, waiting, last_inspection)
    sections = (
        (t["status"], _status(status)),
        (t["shift"], _shift(state, t)),
        (t["sale"], _sales(sales, total, t, language)),
        (t["inspection"], inspect),
        (t["remote"], _remote(remote)),
        (t["recent"], _recent(recent)),
    )
    body = _message(message) + "".join(
        f"<section><h2>{escape(title)}</h2>{html}</section>" for title, html in sections
    )
    body += _form("/sign-out", "", t["sign_out"], "sign-out")
    return _page(t["title"], body, language)
