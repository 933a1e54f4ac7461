"""``store.routes``: the stops of every route, as the ledger's signed route
data gave them, so a tap can name the nearest stop of the current route.

The whole set is replaced at once (one transaction) when a newer version
comes; ``meta.routes_version`` says which version is stored (0: none yet).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from offline_store.db import Connection, get_meta, set_meta
from validator.stops import Position, Stop

__all__ = ["RouteStops"]


class RouteStops:
    """The stored route data; get it as ``store.routes``."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def version(self) -> int:
        """The version of the route data stored (0 before the first sync)."""
        with self._db.reading() as conn:
            return int(get_meta(conn, "routes_version") or 0)

    def replace_all(self, version: int, routes: Mapping[str, Sequence[Stop]]) -> int:
        """Store ``routes`` (route number → its stops in order) instead of what
        was there; the number of stops stored."""
        rows = [
            (route, seq, stop.code, stop.name, stop.position.lat, stop.position.lon)
            for route, stops in routes.items()
            for seq, stop in enumerate(stops)
        ]
        with self._db.writing() as conn:
            conn.execute("DELETE FROM route_stops")
            conn.executemany(
                "INSERT INTO route_stops (route, seq, stop_id, name, lat, lon) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            set_meta(conn, "routes_version", str(version))
        return len(rows)

    def stops(self, route: str) -> tuple[Stop, ...]:
        """The stops of ``route`` in order along it; empty when it is unknown."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT stop_id, name, lat, lon FROM route_stops WHERE route = ? ORDER BY seq",
                (route,),
            ).fetchall()
        return tuple(Stop(str(i), str(n), Position(float(a), float(o))) for i, n, a, o in rows)
