"""NMEA 0183 from a receiver's log: fixes, no-fix periods, and bad lines counted.

tests/fixtures/nmea/receiver.log is 110 seconds of a bus on a street in
Atyrau at 1 Hz (RMC, VTG, GGA, GSA, 3×GSV, GLL each second): a cold start
without fix (6 s), a stop at a bus stop (12 s standing), a period without
fix (9 s) and the drive on. Mixed in: 3 sentences with a wrong checksum, 3
truncated lines, one sentence cut by the next on the same line, 2 lines of
binary noise and one overlong line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.gps import Fix, NmeaCounters, NmeaDecoder, NoFix

LOG = Path(__file__).parent / "fixtures" / "nmea" / "receiver.log"


def decoded(data: bytes) -> tuple[list[Fix | NoFix], NmeaCounters]:
    decoder = NmeaDecoder()
    states = decoder.feed(data) + decoder.flush()
    return states, decoder.counters


def nmea(body: str) -> str:
    checksum = 0
    for char in body:
        checksum ^= ord(char)
    return f"${body}*{checksum:02X}"


def one(line: str) -> Fix | NoFix | None:
    return NmeaDecoder().parse_line(line)


def test_the_receiver_log_gives_every_good_fix_and_counts_every_bad_line() -> None:
    states, counters = decoded(LOG.read_bytes())
    assert counters == NmeaCounters(
        lines=882, fixes=185, no_fix=30, ignored=657, bad_checksum=3, garbage=7
    )
    assert len(states) == 185 + 30


def test_the_log_starts_without_fix_and_ends_with_the_bus_standing_at_a_fix() -> None:
    states, _ = decoded(LOG.read_bytes())
    assert isinstance(states[0], NoFix)
    assert states[0].time == datetime(2025, 3, 14, 3, 0, 0, tzinfo=UTC)
    last = states[-1]
    assert isinstance(last, Fix)
    assert last.time == datetime(2025, 3, 14, 3, 1, 49, tzinfo=UTC)
    assert last.speed_kmh == 0.0 and last.satellites == 9
    assert (round(last.lat, 4), round(last.lon, 4)) == (47.1053, 51.8828)


def test_the_fix_is_lost_for_nine_seconds_and_comes_back() -> None:
    states, _ = decoded(LOG.read_bytes())
    lost = sorted({s.time for s in states if isinstance(s, NoFix) and s.time and s.time.minute})
    assert [t.second for t in lost] == list(range(10, 19))  # 03:01:10 to 03:01:18
    assert all(s.reason == "the GPS receiver has no fix" for s in states if isinstance(s, NoFix))


def test_speed_is_in_kilometres_an_hour() -> None:
    states, _ = decoded(LOG.read_bytes())
    speeds = {s.speed_kmh for s in states if isinstance(s, Fix)}
    assert max(s for s in speeds if s is not None) == 38.0


def test_a_fix_the_log_feeds_byte_by_byte_is_the_same_as_all_at_once() -> None:
    data = LOG.read_bytes()[:4000]
    decoder = NmeaDecoder()
    one_by_one = [state for byte in data for state in decoder.feed(bytes([byte]))]
    assert one_by_one == decoded(data)[0][: len(one_by_one)]


def test_an_rmc_with_a_fix_gives_time_position_and_speed() -> None:
    state = one("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A")
    assert state == Fix(
        datetime(1994, 3, 23, 12, 35, 19, tzinfo=UTC), 48.1173, 11.516666666666667, 41.5
    )


def test_a_gga_takes_its_date_from_the_last_rmc_also_across_midnight() -> None:
    decoder = NmeaDecoder()
    decoder.parse_line(nmea("GPRMC,235959.00,A,4706.2,N,05152.4,E,10.0,78.0,140325,,,A"))
    state = decoder.parse_line(nmea("GPGGA,000000.00,4706.2,N,05152.4,E,1,07,1.0,-21.3,M,,,,"))
    assert isinstance(state, Fix)
    assert state.time == datetime(2025, 3, 15, 0, 0, tzinfo=UTC)
    assert state.satellites == 7 and state.speed_kmh == 18.5


def test_a_gga_before_any_rmc_has_a_position_but_no_time() -> None:
    state = one(nmea("GNGGA,030000.00,4306.2,N,07652.4,E,2,11,0.8,780.0,M,,,,"))
    assert isinstance(state, Fix) and state.time is None and state.lat > 43


@pytest.mark.parametrize(
    "body",
    [
        "GPRMC,030000.00,V,,,,,,,140325,,,N",
        "GPGGA,030000.00,,,,,0,00,99.99,,,,,,",
        "GPGGA,030000.00,4706.2,N,05152.4,E,6,04,5.0,,,,,,",  # dead reckoning only
        "GPRMC,030000.00,A,4706.2,N,05152.4,E,0.0,,140325,,,N",  # mode: not valid
    ],
)
def test_a_receiver_that_says_it_has_no_fix_gives_no_fix(body: str) -> None:
    assert isinstance(one(nmea(body)), NoFix)


@pytest.mark.parametrize(
    "body",
    [
        "GPRMC,030000.00,A,,,,,0.0,,140325,,,A",  # valid flag but no position
        "GPRMC,030000.00,A,9106.2,N,05152.4,E,0.0,,140325,,,A",  # latitude 91
        "GPRMC,030000.00,A,4766.2,N,05152.4,E,0.0,,140325,,,A",  # 66 minutes
        "GPRMC,030000.00,A,4706.2,X,05152.4,E,0.0,,140325,,,A",
        "GPRMC,030000.00,A,4706.2,N,05152.4,E,-3.0,,140325,,,A",  # negative speed
        "GPRMC,030000.00,A,4706.2,N,05152.4,E,inf,,140325,,,A",
        "GPGGA,030000.00,4706.2,N,05152.4,E,X,07,1.0,,,,,,",
        "GPGGA,030000.00,47O6.2,N,05152.4,E,1,07,1.0,,,,,,",
    ],
)
def test_a_sentence_with_an_impossible_field_is_garbage(body: str) -> None:
    decoder = NmeaDecoder()
    assert decoder.parse_line(nmea(body)) is None
    assert decoder.counters.garbage == 1


@pytest.mark.parametrize(
    ("line", "counter"),
    [
        ("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6B", "bad_checksum"),
        ("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W", "garbage"),
        ("$GPRMC,123519,A,4807.0", "garbage"),
        ("hello", "garbage"),
        ("", "garbage"),
        (nmea("GPGSV,3,1,12,02,61,053,38"), "ignored"),
        (nmea("GPXYZ,1,2,3"), "ignored"),  # a sentence pynmea2 does not know
        (nmea("PUBX,00,030000.00"), "ignored"),  # proprietary
    ],
)
def test_lines_without_a_position_are_counted_by_kind(line: str, counter: str) -> None:
    decoder = NmeaDecoder()
    assert decoder.parse_line(line) is None
    assert getattr(decoder.counters, counter) == 1
    assert decoder.counters.lines == 1


@given(st.text(max_size=120))
def test_no_line_however_malformed_raises(line: str) -> None:
    NmeaDecoder().parse_line(line)


_FIELD = st.text(alphabet="0123456789.-+NSEWAVinf ", max_size=12)


@given(st.sampled_from(["GPRMC", "GPGGA", "GNRMC", "GNGGA"]), st.lists(_FIELD, max_size=15))
def test_no_well_checksummed_sentence_with_any_fields_raises_or_gives_an_impossible_fix(
    kind: str, fields: list[str]
) -> None:
    state = one(nmea(",".join([kind, *fields])))
    if isinstance(state, Fix):
        assert -90 <= state.lat <= 90 and -180 <= state.lon <= 180
        assert state.speed_kmh is None or state.speed_kmh >= 0


@given(st.lists(st.binary(max_size=200), max_size=10))
def test_no_bytes_however_malformed_raise_out_of_the_decoder(chunks: list[bytes]) -> None:
    decoder = NmeaDecoder()
    for chunk in chunks:
        decoder.feed(chunk)
    decoder.flush()
    counters = decoder.counters
    assert counters.lines == sum(
        (counters.fixes, counters.no_fix, counters.ignored, counters.bad_checksum, counters.garbage)
    )
