"""Positions for the arrival board: every ``gps.position_interval`` seconds the
GPS state is sampled and, when there is a fix, queued in the store (sync
uploads the queue). Without a fix nothing is queued; the taps say so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from offline_store import OfflineStore
from validator.stops import Position, Stop, nearest_stop

if TYPE_CHECKING:
    from drivers.gps import GpsState

__all__ = ["PositionSampler", "sample_position"]

log = logging.getLogger("validator.gps")


def sample_position(
    state: GpsState,
    store: OfflineStore,
    route: str,
    stops: Sequence[Stop],
    radius_m: float,
    now: datetime,
) -> bool:
    """Queue where the bus is, when the GPS has a fix; whether one was queued."""
    lat, lon = getattr(state, "lat", None), getattr(state, "lon", None)
    if not isinstance(lat, float) or not isinstance(lon, float):
        return False
    near = nearest_stop(Position(lat, lon), stops, radius_m)
    stop = None if near is None else near.stop.code
    store.positions.add(now, route, round(lat, 6), round(lon, 6), stop)
    return True


class PositionSampler:
    """A thread that calls ``sample`` every ``interval`` seconds until stopped."""

    def __init__(self, sample: Callable[[], object], interval: float) -> None:
        self._sample, self._interval = sample, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gps-positions", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._sample()
            except Exception:  # a full disk must not end the sampling
                log.exception("a GPS position could not be queued for the arrival board")
