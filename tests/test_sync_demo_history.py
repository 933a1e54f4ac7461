"""The trip history the demo prints, as the passenger's cabinet shows it:
when (local time), route, bus, fare, balance after, in the display language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from validator.demo_ledger import history_lines
from validator.demo_script import TIMUR
from validator.messages import Language

ALMATY = ZoneInfo("Asia/Almaty")
TRIPS = [
    {"time": "2026-11-22T02:45:20.123Z", "route": "12", "bus_number": "SIM 001", "fare": 80,
     "balance_after": 1840},
    {"time": "2026-11-22T02:45:10.500Z", "route": "92", "bus_number": "SIM 002", "fare": 100,
     "balance_after": None},
]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Balance after"), ("ru", "Остаток"), ("kk", "Қалдық")],
)
def test_the_cabinet_shows_each_trip_in_local_time_and_the_display_language(
    language: Language, heading: str
) -> None:
    lines = history_lines(TIMUR, TRIPS, language, ALMATY)
    assert "9643 1080 0000 0000 087" in lines[0] and heading in lines[1]
    assert lines[2].split() == ["22.11.2026", "07:45:20", "12", "SIM", "001", "80", "₸", "1", "840",
                                "₸"]  # fmt: skip
    assert lines[3].split()[-1] == "—"  # the ledger does not know that card's balance


def test_a_card_without_trips_says_so() -> None:
    assert history_lines(TIMUR, [], "en", ALMATY)[-1].strip() == "no trips yet"
