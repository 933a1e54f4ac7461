"""Which phone to serve: the nearest one at the door, not one further back.

Pure. Advertisements heard during one scan window are grouped by session
(one press of "pay"; a phone's address may change, its session does not).
A phone is eligible when it was heard at least ``min_samples`` times in the
window and the lower median of its RSSI samples is at or above the
threshold: one lucky reading from the back of the bus does not count, and a
phone hovering around the threshold is served only once most of its
readings are above it. Among eligible phones the strongest wins; phones
within ``tie_margin_db`` of it cannot be told apart by RSSI, so the one heard
first (the first to press "pay") is served first and the other on the next
window.
"""

from __future__ import annotations

import statistics
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from drivers.ble.protocol import PayAdvert

__all__ = ["SelectionRules", "SessionMemory", "Sighting", "Window"]

_D = TypeVar("_D")
# Readings a phone can really give. Stacks say "unknown" with 127 (HCI, macOS),
# -127 (BlueZ) or 0; no phone reads 0 dBm or more at a validator.
_RSSI_MIN, _RSSI_MAX = -126, -1


@dataclass(frozen=True, slots=True)
class SelectionRules:
    rssi_threshold: int = -65  # dBm; calibrate per bus (docs/bluetooth.md)
    tie_margin_db: int = 3
    min_samples: int = 2


@dataclass(slots=True)
class Sighting(Generic[_D]):
    """One phone during one window; ``device`` is what the radio connects to."""

    advert: PayAdvert
    device: _D
    order: int  # 0 for the first phone heard in the window
    samples: list[int] = field(default_factory=list)

    @property
    def rssi(self) -> int:
        return int(statistics.median_low(self.samples))


class Window(Generic[_D]):
    """The advertisements of one scan window."""

    def __init__(self) -> None:
        self._sightings: dict[bytes, Sighting[_D]] = {}

    def hear(self, advert: PayAdvert, device: _D, rssi: object) -> None:
        if type(rssi) is not int or not _RSSI_MIN <= rssi <= _RSSI_MAX:
            return
        sighting = self._sightings.get(advert.session)
        if sighting is None:
            sighting = Sighting(advert, device, len(self._sightings))
            self._sightings[advert.session] = sighting
        sighting.device, sighting.advert = device, advert  # the latest address wins
        sighting.samples.append(rssi)

    def clear(self) -> None:
        self._sightings.clear()

    def choose(self, rules: SelectionRules, skip: Container[bytes]) -> Sighting[_D] | None:
        """The phone to serve now, or None; ``skip`` holds sessions not to serve."""
        eligible = [
            s
            for s in self._sightings.values()
            if len(s.samples) >= rules.min_samples
            and s.rssi >= rules.rssi_threshold
            and s.advert.session not in skip
        ]
        if not eligible:
            return None
        best = max(s.rssi for s in eligible)
        contenders = [s for s in eligible if s.rssi >= best - rules.tie_margin_db]
        return min(contenders, key=lambda s: s.order)


class SessionMemory:
    """Sessions already handled, so one press of "pay" is served once."""

    def __init__(self) -> None:
        self._until: dict[bytes, float] = {}

    def remember(self, session: bytes, now: float, seconds: float) -> None:
        self._until = {s: t for s, t in self._until.items() if t > now}
        self._until[session] = max(self._until.get(session, now), now + seconds)

    def blocked(self, now: float) -> frozenset[bytes]:
        """The sessions not to serve at ``now``."""
        return frozenset(s for s, until in self._until.items() if until > now)
