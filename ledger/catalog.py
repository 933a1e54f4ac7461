"""Fare tables and route data: versioned, published as signed documents.

``GET /v1/fares`` and ``GET /v1/routes`` are public (the content is not
secret; the signature, not the caller, makes it trustworthy). A fare table is
checked with the validator's own ``parse_fare_table`` before it is published,
so a bus never receives one it would refuse.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import Field

from ledger.context import AdminDep, Ledger, LedgerDep, iso, utc_now
from ledger.db import meta_bump, meta_get
from ledger.envelope import signed_document
from ledger.errors import LedgerError
from ledger.inputs import ROUTE, Body
from ledger.seed import DEFAULT_ROUTES, default_fare_table
from validator.fares import FareRules, FareTableError, parse_fare_table

router = APIRouter(tags=["fares and routes"])

SIGNED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/x-ndjson": {}}, "description": "signed document"}
}


class FareTableIn(Body):
    table: dict[str, Any] = Field(description="the fare table, keys as in config/fares.toml")


class Stop(Body):
    id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,32}$")
    name: str = Field(min_length=1, max_length=80)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class RouteIn(Body):
    name: str = Field(min_length=1, max_length=80)
    stops: list[Stop] = Field(min_length=2, max_length=200)


def seed_catalog(ledger: Ledger) -> None:
    """Give a new ledger the shipped fare table and the two seed routes."""
    with ledger.db.write() as conn:
        if conn.execute("SELECT COUNT(*) FROM fare_tables").fetchone()[0] == 0:
            _store_fares(conn, default_fare_table(), 1)
        if conn.execute("SELECT COUNT(*) FROM routes").fetchone()[0] == 0:
            for route, data in DEFAULT_ROUTES.items():
                _store_route(conn, route, data["name"], data["stops"])


def _store_fares(conn: sqlite3.Connection, table: dict[str, Any], version: int) -> None:
    body = json.dumps({**table, "version": version}, sort_keys=True, ensure_ascii=False)
    conn.execute(
        "INSERT INTO fare_tables(version, body, published_at) VALUES (?, ?, ?)",
        (version, body, iso(utc_now())),
    )


def _store_route(conn: sqlite3.Connection, route: str, name: str, stops: list[Any]) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO routes(route, name, stops) VALUES (?, ?, ?)",
        (route, name, json.dumps(stops, ensure_ascii=False)),
    )
    meta_bump(conn, "routes_version")


def current_fare_table(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute("SELECT body FROM fare_tables ORDER BY version DESC LIMIT 1").fetchone()
    table: dict[str, Any] = json.loads(row[0])
    return table


def current_fare_rules(conn: sqlite3.Connection) -> FareRules:
    return parse_fare_table(current_fare_table(conn), source="ledger")


@router.get("/v1/fares", response_class=Response, responses=SIGNED)
def get_fares(ledger: LedgerDep) -> Response:
    """The newest fare table, signed (kind ``fare_table``)."""
    with ledger.db.read() as conn:
        table = current_fare_table(conn)
    header = {
        "kind": "fare_table",
        "version": table["version"],
        "issued_at": iso(utc_now()),
        "table": table,
    }
    return Response(signed_document(ledger.key, header), media_type="application/x-ndjson")


@router.put("/v1/admin/fares", dependencies=[AdminDep])
def put_fares(request: FareTableIn, ledger: LedgerDep) -> dict[str, Any]:
    """Publish a new fare table; its version is set to the next one."""
    with ledger.db.write() as conn:
        version = int(conn.execute("SELECT MAX(version) FROM fare_tables").fetchone()[0]) + 1
        table = {**request.table, "version": version}
        try:
            parse_fare_table(table, source="fare table")
        except FareTableError as error:
            raise LedgerError(422, "bad_fare_table", str(error), key=error.key_path) from None
        _store_fares(conn, table, version)
    return {"version": version}


@router.get("/v1/routes", response_class=Response, responses=SIGNED)
def get_routes(ledger: LedgerDep) -> Response:
    """Every route with its stops (lat/lon), signed (kind ``routes``)."""
    with ledger.db.read() as conn:
        rows = conn.execute("SELECT route, name, stops FROM routes ORDER BY route").fetchall()
        version = meta_get(conn, "routes_version")
    routes = [{"route": r, "name": n, "stops": json.loads(s)} for r, n, s in rows]
    header = {"kind": "routes", "version": version, "issued_at": iso(utc_now()), "routes": routes}
    return Response(signed_document(ledger.key, header), media_type="application/x-ndjson")


@router.put("/v1/admin/routes/{route}", dependencies=[AdminDep])
def put_route(
    route: Annotated[str, Path(pattern=ROUTE)], request: RouteIn, ledger: LedgerDep
) -> dict[str, Any]:
    """Add or replace a route and its stops."""
    stops = [stop.model_dump() for stop in request.stops]
    with ledger.db.write() as conn:
        _store_route(conn, route, request.name, stops)
        version = meta_get(conn, "routes_version")
    return {"route": route, "version": version}


def known_routes(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT route FROM routes")}
