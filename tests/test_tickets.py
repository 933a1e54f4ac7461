"""A prepaid ticket (SMS, messenger, cash printed on another bus) on this bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validator.model import Outcome, Reason, Tenge, TripContext
from validator.tickets import decide_ticket, same_bus
from validator.tokens import TicketFields

ATYRAU = timezone(timedelta(hours=5), "Atyrau")
SOLD = datetime(2025, 3, 14, 8, 0, tzinfo=ATYRAU)
TICKET = TicketFields("12", "B123", SOLD, SOLD + timedelta(minutes=90))
TRIP = TripContext("12")


def reason(
    ticket: TicketFields = TICKET,
    *,
    trip: TripContext = TRIP,
    bus: str = "B123",
    used: bool = False,
    at: datetime = SOLD + timedelta(minutes=10),
    leeway_s: int = 0,
) -> Reason:
    decision = decide_ticket(ticket, trip, bus, already_used=used, now=at, leeway_s=leeway_s)
    return decision.reason


def test_a_ticket_for_this_bus_and_route_inside_its_window_rides_free_on_the_device() -> None:
    decision = decide_ticket(TICKET, TRIP, "B123", already_used=False, now=SOLD, riders=2)
    assert decision.outcome is Outcome.ACCEPTED
    assert decision.reason is Reason.TICKET
    assert decision.fare == Tenge(0)  # it was paid when it was sold
    assert decision.riders == 2
    assert decision.balance_after is None


def test_the_same_ticket_again_on_this_bus_is_already_used() -> None:
    assert reason(used=True) is Reason.TICKET_USED


@pytest.mark.parametrize(
    ("trip", "bus"),
    [(TripContext("12"), "B124"), (TripContext("5"), "B123"), (TripContext("5"), "B999")],
    ids=["other bus", "other route", "both"],
)
def test_a_ticket_for_another_bus_or_route_is_not_valid_here(trip: TripContext, bus: str) -> None:
    assert reason(trip=trip, bus=bus) is Reason.WRONG_BUS


def test_a_ticket_for_another_bus_says_so_even_when_it_was_used_there() -> None:
    assert reason(bus="B124", used=True) is Reason.WRONG_BUS


def test_a_ticket_for_a_later_time_is_not_valid_yet() -> None:
    assert reason(at=SOLD - timedelta(minutes=1)) is Reason.WRONG_BUS


def test_a_ticket_past_its_window_is_expired() -> None:
    assert reason(at=TICKET.valid_until) is Reason.EXPIRED
    assert reason(at=TICKET.valid_until - timedelta(seconds=1)) is Reason.TICKET


def test_the_leeway_absorbs_a_bus_clock_a_little_behind_the_ledger() -> None:
    early = SOLD - timedelta(seconds=20)
    assert reason(at=early) is Reason.WRONG_BUS
    assert reason(at=early, leeway_s=30) is Reason.TICKET


def test_windows_in_utc_and_local_time_compare_as_the_same_moments() -> None:
    utc_ticket = TicketFields(
        "12", "B123", SOLD.astimezone(UTC), TICKET.valid_until.astimezone(UTC)
    )
    assert reason(utc_ticket) is Reason.TICKET


@pytest.mark.parametrize(("named", "ours"), [("SIM 001", "sim001"), (" b123", "B123 ")])
def test_bus_numbers_match_as_the_ledger_matches_them(named: str, ours: str) -> None:
    assert same_bus(named, ours)


def test_an_empty_bus_number_matches_nothing() -> None:
    assert not same_bus("", "")
    assert reason(TicketFields("12", "", SOLD, TICKET.valid_until), bus="") is Reason.WRONG_BUS


def test_naive_times_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide_ticket(TICKET, TRIP, "B123", already_used=False, now=datetime(2025, 3, 14, 8, 0))


@given(
    route=st.text(max_size=5),
    bus=st.text(max_size=6),
    used=st.booleans(),
    offset_s=st.integers(min_value=-(10**6), max_value=10**6),
)
def test_any_ticket_gets_a_decision_and_only_a_matching_unused_one_in_its_window_is_taken(
    route: str, bus: str, used: bool, offset_s: int
) -> None:
    ticket = TicketFields(route, bus, SOLD, SOLD + timedelta(minutes=90))
    at = SOLD + timedelta(seconds=offset_s)
    decision = decide_ticket(ticket, TRIP, "B123", already_used=used, now=at)
    inside = 0 <= offset_s < 90 * 60
    matching = same_bus(bus, "B123") and route.strip() == "12"
    assert decision.accepted == (inside and matching and not used)
