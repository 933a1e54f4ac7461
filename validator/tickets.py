"""The decision for a prepaid ticket: SMS, messenger, or cash printed on a bus.

A ticket was paid for when it was sold, so an accepted one charges nothing on
this device (``fare`` 0) and counts its riders on the trip. It is valid on
the bus and route it names, inside its time window, once on this bus.

Pure: the ticket, the trip, this bus, whether this bus has seen the ticket
before, and the time are all values passed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from validator.model import Decision, Outcome, Reason, Tenge, TripContext, is_aware
from validator.tokens import TicketFields

__all__ = ["decide_ticket", "same_bus"]


def decide_ticket(
    ticket: TicketFields,
    trip: TripContext,
    bus_number: str,
    *,
    already_used: bool,
    now: datetime,
    riders: int = 1,
    leeway_s: int = 0,
) -> Decision:
    """Accept the ticket (``Reason.TICKET``) or say why not.

    In this order: another bus or route (``WRONG_BUS``), already used on this
    bus (``TICKET_USED``), not yet valid (``WRONG_BUS``: a ticket for another
    time), past its window (``EXPIRED``). ``leeway_s`` widens the window at
    both ends for clock differences between the ledger and the bus.
    """
    if not all(is_aware(moment) for moment in (now, ticket.valid_from, ticket.valid_until)):
        raise ValueError("decide_ticket needs timezone-aware datetimes")
    if riders < 1:
        raise ValueError("a ticket carries at least one rider")
    leeway = timedelta(seconds=leeway_s)
    if not same_bus(ticket.bus, bus_number) or ticket.route.strip() != trip.route.strip():
        return _declined(Reason.WRONG_BUS)
    if already_used:
        return _declined(Reason.TICKET_USED)
    if now + leeway < ticket.valid_from:
        return _declined(Reason.WRONG_BUS)
    if now - leeway >= ticket.valid_until:
        return _declined(Reason.EXPIRED)
    return Decision(Outcome.ACCEPTED, Reason.TICKET, fare=Tenge(0), riders=riders)


def same_bus(named: str, this_bus: str) -> bool:
    """Bus numbers as the ledger compares them: "SIM 001" is "sim001"."""
    return _bus_key(named) == _bus_key(this_bus) != ""


def _bus_key(bus: str) -> str:
    return "".join(bus.split()).upper()


def _declined(reason: Reason) -> Decision:
    return Decision(Outcome.DECLINED, reason)
