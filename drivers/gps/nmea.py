"""NMEA 0183 from a GPS receiver, through pynmea2: bytes in, fixes out.

``NmeaDecoder`` frames the bytes into lines (CR LF), parses each one with
pynmea2 and keeps the newest position from RMC (time, position, speed) and
GGA (position, satellites in use). A receiver that says it has no fix (RMC
status V, GGA quality 0 or estimated) gives a ``NoFix``, a state the
validator shows and records. Sentences without a checksum or with a wrong
one, truncated lines, binary noise and impossible positions are ignored and
counted; nothing here raises for any input, and nothing does I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pynmea2  # type: ignore[import-untyped]

from drivers.qr.framing import LineFramer, LineRejection, Terminator
from validator.stops import Position

__all__ = ["Fix", "GpsState", "NmeaCounters", "NmeaDecoder", "NoFix"]

MAX_SENTENCE = 200  # NMEA says 82 characters; some receivers send longer GSV lines
KNOTS_TO_KMH = 1.852
_SHAPE = re.compile(r"\$[^$*]*\*[0-9A-Fa-f]{2}")
_FIX_QUALITIES = range(1, 6)  # GGA: GPS, DGPS, PPS, RTK, float RTK
_PARSE_ERRORS = (pynmea2.ParseError, ValueError, TypeError, AttributeError, IndexError)


@dataclass(frozen=True, slots=True)
class Fix:
    """Where the bus is, as the receiver last said with a valid fix."""

    time: datetime | None  # UTC from the receiver; None until a date was seen
    lat: float  # degrees north
    lon: float  # degrees east
    speed_kmh: float | None  # None when the receiver has not sent it
    satellites: int | None = None  # in use, from GGA

    @property
    def position(self) -> Position:
        return Position(self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class NoFix:
    """No usable position: the receiver is searching, silent or unplugged."""

    time: datetime | None
    reason: str  # for the display and the log


GpsState = Fix | NoFix


@dataclass(frozen=True, slots=True)
class NmeaCounters:
    lines: int = 0  # every line seen, good or bad
    fixes: int = 0  # sentences that gave a position
    no_fix: int = 0  # sentences in which the receiver says it has no fix
    ignored: int = 0  # good sentences this validator does not use (GSV, GSA, VTG, …)
    bad_checksum: int = 0  # checksum present but wrong
    garbage: int = 0  # no checksum, truncated, binary, overlong, unparsable, impossible


class NmeaDecoder:
    """Stateful but pure: feed bytes, get the fixes and no-fixes they carry."""

    def __init__(self) -> None:
        self.counters = NmeaCounters()
        self._framer = LineFramer(Terminator.LF, MAX_SENTENCE)
        self._date: date | None = None  # from the last RMC: GGA carries only the time
        self._last_rmc: datetime | None = None
        self._speed: float | None = None
        self._satellites: int | None = None

    def feed(self, data: bytes) -> list[GpsState]:
        return self._lines(self._framer.feed(data))

    def flush(self) -> list[GpsState]:
        """The receiver went away: an unfinished line is counted as garbage."""
        return self._lines(self._framer.flush())

    def parse_line(self, line: str) -> GpsState | None:
        """One line without its CR LF; ``None`` when it carries no position state."""
        self._count(lines=1)
        if not _SHAPE.fullmatch(line.strip()):
            return self._garbage()
        try:
            sentence = pynmea2.parse(line.strip(), check=True)
            return self._sentence(sentence)
        except pynmea2.ChecksumError:
            self._count(bad_checksum=1)
        except pynmea2.SentenceTypeError:
            self._count(ignored=1)
        except _PARSE_ERRORS:
            self._count(garbage=1)
        return None

    def _lines(self, framed: list[Any]) -> list[GpsState]:
        states: list[GpsState] = []
        for item in framed:
            if isinstance(item, LineRejection):
                self._count(lines=1, garbage=1)
            elif (state := self.parse_line(item.text)) is not None:
                states.append(state)
        return states

    def _sentence(self, sentence: Any) -> GpsState | None:
        if isinstance(sentence, pynmea2.RMC):
            return self._rmc(sentence)
        if isinstance(sentence, pynmea2.GGA):
            return self._gga(sentence)
        self._count(ignored=1)
        return None

    def _rmc(self, rmc: Any) -> GpsState | None:
        day, clock = _typed(rmc.datestamp, date), _typed(rmc.timestamp, time)
        moment = _combine(day, clock)
        self._date, self._last_rmc = day or self._date, moment or self._last_rmc
        if not rmc.is_valid:
            return self._no_fix(moment, "the GPS receiver has no fix")
        position = _position(rmc)
        if position is None or not _speed_ok(rmc.spd_over_grnd):
            return self._garbage()
        speed = self._speed = _speed_kmh(rmc.spd_over_grnd)
        self._count(fixes=1)
        return Fix(moment, *position, speed_kmh=speed, satellites=self._satellites)

    def _gga(self, gga: Any) -> GpsState | None:
        quality, clock = gga.gps_qual, _typed(gga.timestamp, time)
        self._satellites = _satellites(gga.num_sats)
        moment = self._gga_time(clock)
        if type(quality) is not int:
            return self._garbage()
        if quality not in _FIX_QUALITIES:
            return self._no_fix(moment, "the GPS receiver has no fix")
        position = _position(gga)
        if position is None:
            return self._garbage()
        self._count(fixes=1)
        return Fix(moment, *position, speed_kmh=self._speed, satellites=self._satellites)

    def _gga_time(self, clock: time | None) -> datetime | None:
        """GGA has no date: the last RMC's, moved on a day just after midnight UTC."""
        moment = _combine(self._date, clock)
        if moment and self._last_rmc and moment < self._last_rmc - timedelta(hours=12):
            moment += timedelta(days=1)
        return moment

    def _no_fix(self, moment: datetime | None, reason: str) -> NoFix:
        self._count(no_fix=1)
        self._speed = None
        return NoFix(moment, reason)

    def _garbage(self) -> GpsState | None:
        self._count(garbage=1)
        return None

    def _count(self, **increments: int) -> None:
        counters = self.counters
        changes = {name: getattr(counters, name) + step for name, step in increments.items()}
        self.counters = replace(counters, **changes)


def _typed(value: object, kind: type[Any]) -> Any:
    """pynmea2 hands back the raw text when a field does not convert."""
    return value if isinstance(value, kind) else None


def _combine(day: date | None, clock: time | None) -> datetime | None:
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock.replace(tzinfo=None), tzinfo=UTC)


def _position(sentence: Any) -> tuple[float, float] | None:
    """Latitude and longitude, or None when empty, malformed or impossible
    (pynmea2 turns an empty field into 0.0, which is not a place a bus goes)."""
    if not (sentence.lat and sentence.lon) or sentence.lat_dir not in ("N", "S"):
        return None
    if sentence.lon_dir not in ("E", "W"):
        return None
    lat, lon = sentence.latitude, sentence.longitude
    if not all(isinstance(v, float) and math.isfinite(v) for v in (lat, lon)):
        return None
    if abs(lat) > 90 or abs(lon) > 180 or _minutes(sentence.lat) >= 60:
        return None
    return (lat, lon) if _minutes(sentence.lon) < 60 else None


def _minutes(field: str) -> float:
    head, _, tail = field.partition(".")
    return float(head[-2:] + "." + tail)


def _speed_ok(knots: object) -> bool:
    """An empty speed field is fine; text, infinities and negatives are not."""
    return knots is None or (isinstance(knots, float) and math.isfinite(knots) and knots >= 0)


def _speed_kmh(knots: float | None) -> float | None:
    return None if knots is None else round(knots * KNOTS_TO_KMH, 1)


def _satellites(field: object) -> int | None:
    if isinstance(field, str) and field.isascii() and field.isdigit() and len(field) <= 3:
        return int(field)
    return None
