"""A card's trip history (the passenger's cabinet) and daily statistics by
medium and social category (the operator's report). Both read the uploaded
journal rows; ``balance_after`` is the ledger's balance after the trip.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ledger.cards import CardNumber, card_view
from ledger.context import AdminDep, LedgerDep

router = APIRouter(tags=["history"], dependencies=[AdminDep])

_TRIP_COLUMNS = (
    "time",
    "route",
    "bus_number",
    "device_id",
    "medium",
    "fare",
    "riders",
    "balance_after",
    "device_balance_after",
    "reason",
)


@router.get("/v1/admin/cards/{card_number}/trips")
def trips(
    card_number: CardNumber,
    ledger: LedgerDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """The card's paid boardings, newest first: when, route, bus, fare, balance after."""
    card = card_view(ledger, card_number)  # 404 for an unknown card
    with ledger.db.read() as conn:
        rows = conn.execute(
            "SELECT time, route, bus_number, device_id, medium, fare, riders, ledger_balance,"
            " balance_after, reason FROM taps WHERE card_number = ? AND result = 'accepted'"
            " ORDER BY time DESC LIMIT ?",
            (card_number, limit),
        ).fetchall()
    trips = [dict(zip(_TRIP_COLUMNS, row, strict=True)) for row in rows]
    return {"card_number": card_number, "balance": card["balance"], "trips": trips}


@router.get("/v1/admin/stats/daily")
def daily_stats(
    ledger: LedgerDep,
    since: Annotated[date | None, Query(description="first local day, YYYY-MM-DD")] = None,
    until: Annotated[date | None, Query(description="last local day, YYYY-MM-DD")] = None,
) -> dict[str, Any]:
    """Per local day, medium and social category: boardings, riders, revenue, declines."""
    first = (since or date.min).isoformat()
    last = (until or date.max).isoformat()
    with ledger.db.read() as conn:
        rows = conn.execute(
            "SELECT t.local_day, t.medium, COALESCE(c.category, 'none'),"
            " SUM(t.result = 'accepted'), SUM(CASE WHEN t.result = 'accepted' THEN t.riders END),"
            " SUM(t.fare), SUM(t.result = 'declined')"
            " FROM taps t LEFT JOIN cards c ON c.card_number = t.card_number"
            " WHERE t.local_day BETWEEN ? AND ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            (first, last),
        ).fetchall()
    names = ("day", "medium", "category", "boardings", "riders", "revenue", "declined")
    days = [dict(zip(names, row, strict=True)) for row in rows]
    for day in days:
        day["riders"] = day["riders"] or 0
    return {"timezone": ledger.settings.timezone, "days": days}
