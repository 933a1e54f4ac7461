"""The clock, read once per tap at the edge and passed inward."""

from __future__ import annotations

import time
from datetime import datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """Local, timezone-aware wall time."""
        ...

    def monotonic_ns(self) -> int: ...


class SystemClock:
    """Wall time in the bus's timezone, monotonic time from the kernel."""

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone

    @classmethod
    def named(cls, zone_name: str) -> SystemClock:
        return cls(ZoneInfo(zone_name))

    def now(self) -> datetime:
        return datetime.now(self._zone)

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()
