"""The nearest stop of the current route to where the bus is.

Stops come with the route data as values; positions are WGS 84 degrees. The
distance is the haversine great-circle distance on a sphere of the Earth's
mean radius: within a city, metres off at most, which is plenty to name a stop.
Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["EARTH_RADIUS_M", "NearStop", "Position", "Stop", "distance_m", "nearest_stop"]

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius


@dataclass(frozen=True, slots=True)
class Position:
    lat: float  # degrees north, -90..90
    lon: float  # degrees east, -180..180


@dataclass(frozen=True, slots=True)
class Stop:
    code: str  # the stop's id in the route data
    name: str
    position: Position


@dataclass(frozen=True, slots=True)
class NearStop:
    stop: Stop
    distance_m: float


def distance_m(a: Position, b: Position) -> float:
    """Great-circle distance in metres (haversine); infinite when either
    position is no place on Earth (NaN, latitude beyond ±90)."""
    if not (_on_earth(a) and _on_earth(b)):
        return math.inf
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def _on_earth(p: Position) -> bool:
    return abs(p.lat) <= 90 and math.isfinite(p.lon)


def nearest_stop(
    position: Position, stops: Iterable[Stop], max_distance_m: float
) -> NearStop | None:
    """The closest stop within ``max_distance_m``, or None (between stops,
    off the route, or no stops known). Ties go to the stop listed first."""
    best: NearStop | None = None
    for stop in stops:
        distance = distance_m(position, stop.position)
        if distance <= max_distance_m and (best is None or distance < best.distance_m):
            best = NearStop(stop, distance)
    return best
