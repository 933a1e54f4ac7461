"""Fare rules: what a ride costs, as data.

A fare table is a plain mapping (TOML parsed by the caller with ``tomllib``,
or JSON from the ledger). ``parse_fare_table`` checks every key and turns it
into frozen ``FareRules``; a bad table raises ``FareTableError`` naming the
key and a fix. The schema is documented in ``config/fares.toml``.

Nothing here does I/O or reads the clock: local times are passed in.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from types import MappingProxyType
from typing import Any, TypeVar

from validator.model import Category, Medium, Tenge

__all__ = [
    "BalanceRules",
    "FareRules",
    "FareTableError",
    "PassbackRules",
    "RouteFares",
    "TimeBand",
    "TransferRules",
    "parse_fare_table",
]

FULL_FARE_PERCENT = 100
_NO_TENGE = Tenge(0)


class FareTableError(ValueError):
    """A fare table that cannot be used. ``key_path`` names the bad key."""

    def __init__(self, key_path: str, message: str, source: str = "fares.toml") -> None:
        super().__init__(f"{source}: {key_path} {message}")
        self.key_path = key_path
        self.message = message
        self.source = source


@dataclass(frozen=True, slots=True)
class TimeBand:
    """Fares for part of the day, e.g. a night fare from 22:00 to 06:00.

    ``start`` is included, ``end`` is not; a band whose end is before its start
    runs past midnight. It overrides only the media it lists.
    """

    name: str
    start: time
    end: time
    fares: Mapping[Medium, Tenge] = field(default_factory=lambda: MappingProxyType({}))

    def covers(self, local_time: time) -> bool:
        moment = local_time.replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, slots=True)
class RouteFares:
    """One route's overrides of the default fares, and its time bands."""

    fares: Mapping[Medium, Tenge] = field(default_factory=lambda: MappingProxyType({}))
    bands: tuple[TimeBand, ...] = ()

    def fare_for(self, medium: Medium, local_time: time) -> Tenge | None:
        for band in self.bands:
            if band.covers(local_time):
                if medium in band.fares:
                    return band.fares[medium]
                break
        return self.fares.get(medium)


@dataclass(frozen=True, slots=True)
class TransferRules:
    """A boarding on another route within ``window`` of a paid boarding pays
    ``percent`` of its fare (0 = free). No window means no transfers."""

    window: timedelta = timedelta(0)
    percent: int = FULL_FARE_PERCENT


@dataclass(frozen=True, slots=True)
class PassbackRules:
    """The same card again within ``window`` does not pay again; with the +1
    key it pays for a companion, at most ``max_companions`` of them."""

    window: timedelta = timedelta(seconds=15)
    max_companions: int = 0


@dataclass(frozen=True, slots=True)
class BalanceRules:
    """The balance may go down to ``floor`` (0 or below); an accepted tap that
    leaves less than ``low_warning`` warns the passenger to top up."""

    floor: Tenge = _NO_TENGE
    low_warning: Tenge = _NO_TENGE


@dataclass(frozen=True, slots=True)
class FareRules:
    """One version of the fare table."""

    version: int
    fares: Mapping[Medium, Tenge]
    routes: Mapping[str, RouteFares] = field(default_factory=lambda: MappingProxyType({}))
    concessions: Mapping[Category, int] = field(default_factory=lambda: MappingProxyType({}))
    transfer: TransferRules = TransferRules()
    passback: PassbackRules = PassbackRules()
    balance: BalanceRules = BalanceRules()
    daily_cap: Tenge = _NO_TENGE  # 0 = no cap

    def fare_for(self, route: str, medium: Medium, local_time: time) -> Tenge | None:
        """The full fare on ``route`` by ``medium`` at this local wall-clock
        time; None when the table has no fare for them."""
        route_fares = self.routes.get(route)
        fare = None if route_fares is None else route_fares.fare_for(medium, local_time)
        return self.fares.get(medium) if fare is None else fare

    def concession_percent(self, category: Category) -> int:
        """The percent of the fare this category pays (100 without a concession)."""
        return self.concessions.get(category, FULL_FARE_PERCENT)


# --- parsing -----------------------------------------------------------------

_TOP_KEYS = ("version", "fares", "routes", "concessions", "transfer", "passback", "balance", "cap")
_E = TypeVar("_E", Medium, Category)
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")


class _Reader:
    """Checks values and raises ``FareTableError`` with the key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> FareTableError:
        return FareTableError(path, message, self.source)

    def table(self, value: Any, path: str, allowed: Iterable[str] | None) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path or "fare table", f"must be a table, got {_show(value)}")
        if allowed is not None:
            self.known_keys(value, path, tuple(allowed))
        return value

    def known_keys(self, table: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                hint = _did_you_mean(str(key), allowed)
                raise self.fail(_join(path, str(key)), f"is not a known key; {hint}")

    def required(self, table: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in table:
            raise self.fail(_join(path, key), "is missing; add it")
        return table[key]

    def whole(self, value: Any, path: str, low: int | None = None, high: int | None = None) -> int:
        in_range = isinstance(value, int) and not isinstance(value, bool)
        if in_range and (low is None or value >= low) and (high is None or value <= high):
            return int(value)
        raise self.fail(path, f"must be {_whole_range(low, high)}, got {_show(value)}")

    def clock_time(self, value: Any, path: str) -> time:
        if isinstance(value, time) and value.tzinfo is None:
            return value
        if isinstance(value, str) and _TIME.fullmatch(value):
            return time.fromisoformat(value)
        raise self.fail(path, f'must be a local time like "22:00", got {_show(value)}')

    def text(self, value: Any, path: str) -> str:
        if isinstance(value, str) and value.strip():
            return value
        raise self.fail(path, f"must be a non-empty string, got {_show(value)}")


def parse_fare_table(data: Mapping[str, Any], *, source: str = "fares.toml") -> FareRules:
    """Check a parsed fare table and build ``FareRules``.

    Raises ``FareTableError`` naming the first bad key and how to fix it.
    ``source`` names the table in the message (a file name or "ledger").
    """
    read = _Reader(source)
    top = read.table(data, "", _TOP_KEYS)
    if "version" not in top:
        raise read.fail("version", "is missing; add `version = 1` at the top of the table")
    return FareRules(
        version=read.whole(top["version"], "version", low=1),
        fares=_media_fares(read, read.required(top, "fares", ""), "fares"),
        routes=_routes(read, top.get("routes", {})),
        concessions=_concessions(read, top.get("concessions", {})),
        transfer=_transfer(read, top.get("transfer")),
        passback=_passback(read, top.get("passback")),
        balance=_balance(read, top.get("balance")),
        daily_cap=Tenge(_daily_cap(read, top.get("cap"))),
    )


def _media_fares(read: _Reader, value: Any, path: str) -> Mapping[Medium, Tenge]:
    table = read.table(value, path, allowed=None)
    fares: dict[Medium, Tenge] = {}
    for key, amount in table.items():
        medium = _enum_key(read, Medium, str(key), path, "medium")
        fares[medium] = Tenge(read.whole(amount, _join(path, str(key)), low=0))
    return MappingProxyType(fares)


def _routes(read: _Reader, value: Any) -> Mapping[str, RouteFares]:
    table = read.table(value, "routes", allowed=None)
    return MappingProxyType(
        {str(k): _route(read, v, _join("routes", str(k))) for k, v in table.items()}
    )


def _route(read: _Reader, value: Any, path: str) -> RouteFares:
    table = read.table(value, path, ("fares", "bands"))
    bands = table.get("bands", [])
    if not isinstance(bands, list):
        raise read.fail(
            _join(path, "bands"), f"must be a list of bands ([[{path}.bands]]), got {_show(bands)}"
        )
    return RouteFares(
        fares=_media_fares(read, table.get("fares", {}), _join(path, "fares")),
        bands=tuple(_band(read, band, f"{path}.bands[{i}]") for i, band in enumerate(bands)),
    )


def _band(read: _Reader, value: Any, path: str) -> TimeBand:
    table = read.table(value, path, ("name", "start", "end", "fares"))
    start = read.clock_time(read.required(table, "start", path), _join(path, "start"))
    end = read.clock_time(read.required(table, "end", path), _join(path, "end"))
    if start == end:
        raise read.fail(_join(path, "end"), "must differ from start (a band cannot be empty)")
    return TimeBand(
        name=read.text(read.required(table, "name", path), _join(path, "name")),
        start=start,
        end=end,
        fares=_media_fares(read, read.required(table, "fares", path), _join(path, "fares")),
    )


def _concessions(read: _Reader, value: Any) -> Mapping[Category, int]:
    table = read.table(value, "concessions", allowed=None)
    percents: dict[Category, int] = {}
    for key, entry in table.items():
        category = _enum_key(read, Category, str(key), "concessions", "category")
        path = _join("concessions", str(key))
        percent = read.required(read.table(entry, path, ("percent",)), "percent", path)
        percents[category] = read.whole(percent, _join(path, "percent"), 0, FULL_FARE_PERCENT)
    return MappingProxyType(percents)


def _transfer(read: _Reader, value: Any) -> TransferRules:
    if value is None:
        return TransferRules()
    table = read.table(value, "transfer", ("window_minutes", "percent"))
    minutes = read.whole(
        read.required(table, "window_minutes", "transfer"), "transfer.window_minutes", low=0
    )
    percent = read.whole(
        read.required(table, "percent", "transfer"), "transfer.percent", 0, FULL_FARE_PERCENT
    )
    return TransferRules(window=timedelta(minutes=minutes), percent=percent)


def _passback(read: _Reader, value: Any) -> PassbackRules:
    if value is None:
        return PassbackRules()
    table = read.table(value, "passback", ("seconds", "max_companions"))
    seconds = read.whole(read.required(table, "seconds", "passback"), "passback.seconds", low=0)
    companions = read.required(table, "max_companions", "passback")
    return PassbackRules(
        window=timedelta(seconds=seconds),
        max_companions=read.whole(companions, "passback.max_companions", low=0),
    )


def _balance(read: _Reader, value: Any) -> BalanceRules:
    if value is None:
        return BalanceRules()
    table = read.table(value, "balance", ("floor", "low_warning"))
    floor = read.whole(read.required(table, "floor", "balance"), "balance.floor", high=0)
    low = read.whole(read.required(table, "low_warning", "balance"), "balance.low_warning")
    return BalanceRules(floor=Tenge(floor), low_warning=Tenge(low))


def _daily_cap(read: _Reader, value: Any) -> int:
    if value is None:
        return 0
    table = read.table(value, "cap", ("daily",))
    return read.whole(read.required(table, "daily", "cap"), "cap.daily", low=0)


def _enum_key(read: _Reader, kind: type[_E], key: str, path: str, noun: str) -> _E:
    try:
        return kind(key)
    except ValueError:
        hint = _did_you_mean(key, tuple(member.value for member in kind))
        raise read.fail(_join(path, key), f"is not a known {noun}; {hint}") from None


def _did_you_mean(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    prefix = f"did you mean {close[0]}? " if close else ""
    return f"{prefix}known: {', '.join(known)}"


def _whole_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"a whole number from {low} to {high}"
    if low is not None:
        return f"a whole number of at least {low}"
    if high is not None:
        return f"a whole number of at most {high}"
    return "a whole number"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
