"""The arrival board: buses send where they are; anyone asks "next arrivals at
stop X".

``POST /v1/positions`` (device-signed) keeps each position once per
(device, time), so a batch sent again changes nothing. ``GET
/v1/stops/{stop_id}/arrivals`` estimates, for every bus whose latest position
is recent and on a route through X, how far it is from X and when it arrives:
the bus is taken to be at the stop of its route nearest to its position; the
distance is the sum of straight lines between consecutive stops from there to
X; the time is that distance at ``Settings.average_speed_kmh``. A bus already
past X is not listed. This is a rough estimate (no road geometry, no traffic,
no dwell time), documented as such in docs/ledger-api.md.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import AwareDatetime, Field

from ledger.auth import DeviceDep
from ledger.context import LedgerDep, iso, utc_now
from ledger.errors import LedgerError
from ledger.inputs import ROUTE, Body
from validator.stops import Position, Stop, distance_m

router = APIRouter(tags=["arrival board"])


class PositionIn(Body):
    time: AwareDatetime
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class PositionsIn(Body):
    route: str = Field(pattern=ROUTE)
    positions: list[PositionIn] = Field(min_length=1, max_length=1000)


@router.post("/v1/positions")
def post_positions(request: PositionsIn, device: DeviceDep, ledger: LedgerDep) -> dict[str, Any]:
    """Keep a bus's positions (once per time); how many were new and how many received."""
    rows = [(device.device_id, iso(p.time), request.route, p.lat, p.lon) for p in request.positions]
    with ledger.db.write() as conn:
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO positions(device_id, time, route, lat, lon)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        new = conn.total_changes - before
    return {"received": len(rows), "new": new}


@router.get("/v1/stops/{stop_id}/arrivals")
def arrivals(
    stop_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,32}$")], ledger: LedgerDep
) -> dict[str, Any]:
    """The buses heading for ``stop_id``, soonest first, with estimated minutes (public)."""
    now = utc_now()
    since = iso(now - ledger.settings.position_max_age)
    with ledger.db.read() as conn:
        routes = _routes_through(conn, stop_id)
        if not routes:
            raise LedgerError(404, "unknown_stop", f"no route stops at {stop_id}")
        latest = _latest_positions(conn, list(routes), since)
    speed = ledger.settings.average_speed_kmh * 1000 / 60  # metres per minute
    board = [
        entry
        for bus, route, time, here in latest
        if (entry := _arrival(bus, route, time, here, routes[route], stop_id, speed)) is not None
    ]
    board.sort(key=lambda entry: float(entry["eta_minutes"]))
    return {"stop_id": stop_id, "issued_at": iso(now), "arrivals": board}


def _routes_through(conn: sqlite3.Connection, stop_id: str) -> dict[str, list[Stop]]:
    found: dict[str, list[Stop]] = {}
    for route, stops_json in conn.execute("SELECT route, stops FROM routes"):
        stops = [
            Stop(s["id"], s["name"], Position(s["lat"], s["lon"])) for s in json.loads(stops_json)
        ]
        if any(stop.code == stop_id for stop in stops):
            found[str(route)] = stops
    return found


def _latest_positions(
    conn: sqlite3.Connection, routes: list[str], since: str
) -> list[tuple[str, str, datetime, Position]]:
    marks = ",".join("?" * len(routes))
    rows = conn.execute(
        "SELECT d.bus_number, p.route, p.time, p.lat, p.lon FROM positions p"
        " JOIN devices d ON d.device_id = p.device_id"
        " WHERE p.time = (SELECT MAX(time) FROM positions q WHERE q.device_id = p.device_id)"
        f" AND p.route IN ({marks}) AND p.time >= ?",
        (*routes, since),
    ).fetchall()
    return [(str(b), str(r), datetime.fromisoformat(t), Position(a, o)) for b, r, t, a, o in rows]


def _arrival(
    bus: str,
    route: str,
    time: datetime,
    here: Position,
    stops: list[Stop],
    target: str,
    speed: float,
) -> dict[str, Any] | None:
    """One bus on the board, or None when it is already past the stop."""
    at = min(range(len(stops)), key=lambda i: distance_m(here, stops[i].position))
    goal = next(i for i, stop in enumerate(stops) if stop.code == target)
    if at > goal:
        return None
    legs = range(at, goal)
    metres = sum(distance_m(stops[i].position, stops[i + 1].position) for i in legs)
    return {
        "bus_number": bus,
        "route": route,
        "at_stop": stops[at].code,
        "stops_away": goal - at,
        "distance_m": round(metres),
        "eta_minutes": round(metres / speed, 1),
        "position_time": iso(time),
    }
