"""SMS and messenger tickets bound to one bus.

The two gateway endpoints stand in for the SMS aggregator and the messenger
bot (both operator systems: admin token). A passenger sends ``12 B123``
(route, bus number) to the short number; the ledger sells a ticket for that
bus and answers the text to send back. The bus's validator fetches its
tickets with a signed ``GET /v1/tickets``.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import Field

from ledger.auth import DeviceDep
from ledger.catalog import current_fare_rules, known_routes
from ledger.context import AdminDep, Ledger, LedgerDep, iso, utc_now
from ledger.errors import LedgerError
from ledger.inputs import BUS_NUMBER, ROUTE, Body
from validator.model import Medium

router = APIRouter(tags=["tickets"])

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SMS_HELP = "Send ROUTE BUS, for example: 12 B123"


class SmsIn(Body):
    phone: str = Field(pattern=r"^\+?[0-9]{7,15}$", examples=["+77011234567"])
    short_number: str = Field(pattern=r"^[0-9]{3,8}$", examples=["7575"])
    text: str = Field(max_length=160, examples=["12 B123"])


class MessengerIn(Body):
    messenger: Literal["telegram", "whatsapp"]
    user: str = Field(pattern=r"^[A-Za-z0-9@+._-]{1,64}$")
    route: str = Field(pattern=ROUTE)
    bus_number: str = Field(pattern=BUS_NUMBER)


@router.post("/v1/gateway/sms", status_code=201, dependencies=[AdminDep])
def sms(request: SmsIn, ledger: LedgerDep) -> dict[str, Any]:
    """An SMS arrived at a short number: sell a ticket for the bus it names."""
    if request.short_number not in ledger.settings.short_numbers:
        raise _refuse("unknown_short_number", f"{request.short_number} is not our short number")
    words = request.text.split()
    if len(words) < 2:
        raise _refuse("bad_sms", f"cannot read {request.text!r}. {SMS_HELP}")
    return sell(ledger, "sms", request.phone, words[0], "".join(words[1:]))


@router.post("/v1/gateway/messenger", status_code=201, dependencies=[AdminDep])
def messenger(request: MessengerIn, ledger: LedgerDep) -> dict[str, Any]:
    """A messenger bot sold a ticket for a bus."""
    contact = f"{request.messenger}:{request.user}"
    return sell(ledger, request.messenger, contact, request.route, request.bus_number)


def _refuse(code: str, message: str) -> LedgerError:
    return LedgerError(422, code, message, reply=message)


def sell(ledger: Ledger, channel: str, contact: str, route: str, bus: str) -> dict[str, Any]:
    now = utc_now()
    with ledger.db.write() as conn:
        bus = _bus_in_service(conn, route, bus)
        fare = _ticket_fare(conn, ledger, route, now)
        valid_until = now + ledger.settings.ticket_validity
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        ticket_id = conn.execute(
            "INSERT INTO tickets(code, channel, contact, bus_number, route, fare, sold_at,"
            " valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (code, channel, contact, bus, route, fare, iso(now), iso(valid_until)),
        ).fetchone()[0]
    reply = f"Ticket {code}: route {route}, bus {bus}, {fare} KZT, valid until {iso(valid_until)}"
    ticket = {"id": ticket_id, "code": code, "channel": channel, "route": route, "bus_number": bus}
    return {"ticket": {**ticket, "fare": fare, "valid_until": iso(valid_until)}, "reply": reply}


def _bus_in_service(conn: sqlite3.Connection, route: str, bus: str) -> str:
    """The bus number as enrolled ("SIM 001" matches "sim001"), or a refusal."""
    if route not in known_routes(conn):
        raise _refuse("unknown_route", f"there is no route {route}. {SMS_HELP}")
    row = conn.execute(
        "SELECT bus_number FROM devices WHERE UPPER(REPLACE(bus_number, ' ', '')) = ?"
        " AND status = 'active' LIMIT 1",
        (bus.replace(" ", "").upper(),),
    ).fetchone()
    if row is None:
        raise _refuse("unknown_bus", f"there is no bus {bus} in service. {SMS_HELP}")
    return str(row[0])


def _ticket_fare(conn: sqlite3.Connection, ledger: Ledger, route: str, now: datetime) -> int:
    local = now.astimezone(ZoneInfo(ledger.settings.timezone)).time()
    fare = current_fare_rules(conn).fare_for(route, Medium.TICKET, local)
    if fare is None:
        raise _refuse("no_fare", f"tickets are not sold for route {route}")
    return int(fare)


@router.get("/v1/tickets")
def tickets_for_bus(
    device: DeviceDep,
    ledger: LedgerDep,
    after: Annotated[int, Query(ge=0, le=2**53, description="the last ticket id already held")] = 0,
) -> dict[str, Any]:
    """Tickets bought for the calling device's bus, still valid, newer than ``after``; signed."""
    with ledger.db.read() as conn:
        rows = conn.execute(
            "SELECT id, code, channel, contact, route, fare, sold_at, valid_until FROM tickets"
            " WHERE bus_number = ? AND id > ? AND valid_until >= ? ORDER BY id",
            (device.bus_number, after, iso(utc_now())),
        ).fetchall()
    tickets = [_ticket_view(row) for row in rows]
    last = tickets[-1]["id"] if tickets else after
    return {"bus_number": device.bus_number, "tickets": tickets, "next_after": last}


def _ticket_view(row: tuple[Any, ...]) -> dict[str, Any]:
    names = ("id", "code", "channel", "contact", "route", "fare", "sold_at", "valid_until")
    ticket = dict(zip(names, row, strict=True))
    ticket["contact"] = _mask(str(ticket["contact"]))
    return ticket


def _mask(contact: str) -> str:
    """Passengers' phone numbers are not shown in full on the bus."""
    if len(contact) <= 6:
        return "***"
    return contact[:4] + "***" + contact[-3:]
