"""``store.positions``: where the bus was, sampled every ``gps.position_interval``
seconds, kept until the ledger acknowledges them (then deleted).

Times are UTC text as the journal writes them, one position per time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from offline_store.db import Connection
from offline_store.journal import format_utc

__all__ = ["PositionQueue", "QueuedPosition"]


@dataclass(frozen=True, slots=True)
class QueuedPosition:
    time: str  # UTC, as format_utc writes it
    route: str
    lat: float
    lon: float
    stop_id: str | None = None


class PositionQueue:
    """The position queue; get it as ``store.positions``."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def add(self, time: datetime, route: str, lat: float, lon: float, stop_id: str | None) -> None:
        """Queue one position (a second one at the same time is ignored)."""
        with self._db.writing() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO positions (time, route, lat, lon, stop_id) "
                "VALUES (?, ?, ?, ?, ?)",
                (format_utc(time), route, lat, lon, stop_id),
            )

    def oldest(self, limit: int) -> list[QueuedPosition]:
        """Up to ``limit`` queued positions, oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT time, route, lat, lon, stop_id FROM positions ORDER BY time LIMIT ?",
                (limit,),
            ).fetchall()
        return [QueuedPosition(str(t), str(r), float(a), float(o), s) for t, r, a, o, s in rows]

    def remove(self, times: list[str]) -> None:
        """Forget positions the ledger acknowledged."""
        with self._db.writing() as conn:
            conn.executemany("DELETE FROM positions WHERE time = ?", [(t,) for t in times])

    def count(self) -> int:
        with self._db.reading() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM positions").fetchone()[0])
