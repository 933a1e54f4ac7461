"""Route data from the ledger: every route with its stops, a signed document
(kind ``routes``) verified with the pinned ledger key like the fare table.

It is stored only when it verifies, is newer than the stored version and
every route and stop in it is well formed (one bad stop refuses the whole
document: a bus never keeps half a route).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from offline_store import OfflineStore
from sync.client import LedgerClient
from sync.errors import DocumentRefused
from sync.signed_stream import scan, verify
from validator.stops import Position, Stop

__all__ = ["fetch_routes", "parse_routes"]

log = logging.getLogger("sync")


def fetch_routes(client: LedgerClient, store: OfflineStore, key: Ed25519PublicKey) -> int | None:
    """Store the ledger's route data when it is newer; its version, or None."""
    header = verify(scan(client.routes(), gzipped=False), key, "routes")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DocumentRefused("route data refused: no version in it")
    if store.routes.version() >= version:
        return None
    routes = parse_routes(header.get("routes"))
    count = store.routes.replace_all(version, routes)
    log.info(
        "Route data version %d from the ledger: %d routes, %d stops", version, len(routes), count
    )
    return version


def parse_routes(value: object) -> dict[str, tuple[Stop, ...]]:
    """Route number → its stops in order; DocumentRefused naming what is wrong."""
    if not isinstance(value, list):
        raise DocumentRefused("route data refused: no list of routes in it")
    routes: dict[str, tuple[Stop, ...]] = {}
    for entry in value:
        route = entry.get("route") if isinstance(entry, dict) else None
        stops = entry.get("stops") if isinstance(entry, dict) else None
        if not isinstance(route, str) or not route or not isinstance(stops, list):
            raise DocumentRefused("route data refused: a route without a number or stops")
        routes[route] = tuple(_stop(route, stop) for stop in stops)
    return routes


def _stop(route: str, raw: Any) -> Stop:
    if isinstance(raw, dict):
        code, name = raw.get("id"), raw.get("name")
        lat, lon = _degrees(raw.get("lat"), 90), _degrees(raw.get("lon"), 180)
        named = isinstance(code, str) and code and isinstance(name, str)
        if named and lat is not None and lon is not None:
            return Stop(str(code), str(name), Position(lat, lon))
    raise DocumentRefused(f"route data refused: a stop of route {route} is malformed")


def _degrees(value: object, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    degrees = float(value)
    return degrees if math.isfinite(degrees) and abs(degrees) <= limit else None
