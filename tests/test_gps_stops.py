"""Each tap names the nearest stop of the current route, from the bus's position."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.gps import Fix, NmeaDecoder
from validator.stops import Position, Stop, distance_m, nearest_stop

# Stops of a route along the street of tests/fixtures/nmea/receiver.log (Atyrau).
DEPOT = Stop("101", "Depot", Position(47.10420, 51.87430))
MARKET = Stop("102", "Market", Position(47.10462, 51.87770))
PARK = Stop("103", "Park", Position(47.10534, 51.88275))
ROUTE = (DEPOT, MARKET, PARK)
LOG = Path(__file__).parent / "fixtures" / "nmea" / "receiver.log"


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert distance_m(Position(47.0, 51.9), Position(48.0, 51.9)) == pytest.approx(
        111_195, rel=1e-3
    )


def test_almaty_to_atyrau_is_about_2000_km() -> None:
    almaty, atyrau = Position(43.2389, 76.8897), Position(47.1167, 51.8833)
    assert 1_900_000 < distance_m(almaty, atyrau) < 2_100_000


def test_the_bus_standing_at_the_market_is_at_the_market_stop() -> None:
    decoder = NmeaDecoder()
    fixes = [s for s in decoder.feed(LOG.read_bytes()) if isinstance(s, Fix)]
    standing = [f for f in fixes if f.speed_kmh == 0.0 and f.time and 46 <= f.time.second <= 58]
    near = nearest_stop(standing[0].position, ROUTE, max_distance_m=50)
    assert near is not None and near.stop is MARKET
    assert near.distance_m < 10


def test_between_stops_there_is_no_stop_within_the_limit() -> None:
    halfway = Position((MARKET.position.lat + PARK.position.lat) / 2, 51.8802)
    assert nearest_stop(halfway, ROUTE, max_distance_m=100) is None
    near = nearest_stop(halfway, ROUTE, max_distance_m=1000)
    assert near is not None and near.stop in (MARKET, PARK)


def test_a_route_without_stops_has_no_nearest_stop() -> None:
    assert nearest_stop(PARK.position, (), max_distance_m=1000) is None


@pytest.mark.parametrize("lat", [math.nan, 91.0, math.inf])
def test_an_impossible_position_names_no_stop(lat: float) -> None:
    assert nearest_stop(Position(lat, 51.9), ROUTE, max_distance_m=1e9) is None


@given(
    st.floats(min_value=-90, max_value=90),
    st.floats(min_value=-180, max_value=180),
    st.floats(min_value=0, max_value=1e7),
)
def test_the_nearest_stop_is_never_further_than_the_limit_nor_than_another_stop(
    lat: float, lon: float, limit: float
) -> None:
    here = Position(lat, lon)
    near = nearest_stop(here, ROUTE, limit)
    if near is not None:
        assert near.distance_m <= limit
        assert all(near.distance_m <= distance_m(here, stop.position) for stop in ROUTE)
