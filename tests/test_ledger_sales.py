"""Trip history, statistics, SMS and messenger tickets, card numbers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.admin_client import AdminClient, LedgerRefused
from ledger.cards import card_number_for, luhn_valid
from tests.test_ledger_fixtures import Bus, admin, bus, card, ledger

__all__ = ["admin", "bus", "ledger"]  # fixtures


def sms(admin: AdminClient, text: str, short_number: str = "7575") -> dict[str, Any]:
    body = {"phone": "+77011234567", "short_number": short_number, "text": text}
    result: dict[str, Any] = admin.call("POST", "/v1/gateway/sms", body)
    return result


def test_trip_history_shows_when_route_bus_fare_and_balance_after(
    bus: Bus, admin: AdminClient
) -> None:
    number = card(admin, balance=1000)
    row = bus.tap(number, fare=80, route="92")
    bus.upload([row])
    [trip] = admin.trips(number)
    assert trip["time"] == row["time"] and trip["route"] == "92"
    assert (trip["bus_number"], trip["fare"], trip["balance_after"]) == (bus.bus_number, 80, 920)


def test_statistics_count_boardings_and_revenue_per_day_medium_and_category(
    bus: Bus, admin: AdminClient
) -> None:
    before = {(d["medium"], d["category"]): d for d in admin.daily_stats()}
    pensioner = card(admin, category="pensioner")
    bus.upload([bus.tap(pensioner, fare=0, reason="concession"), bus.tap(pensioner, fare=0)])
    after = {(d["medium"], d["category"]): d for d in admin.daily_stats()}
    old = before.get(("desfire", "pensioner"), {"boardings": 0, "revenue": 0})
    new = after[("desfire", "pensioner")]
    assert new["day"] == "2025-05-01"  # 03:00Z is 08:00 in Almaty
    assert (new["boardings"] - old["boardings"], new["revenue"] - old["revenue"]) == (2, 0)


def test_an_sms_ticket_is_sold_and_listed_for_its_bus_only(bus: Bus, admin: AdminClient) -> None:
    other = Bus.enroll(bus.url, admin)
    sold = sms(admin, f"12 {bus.bus_number.lower()}")
    assert sold["ticket"]["fare"] == 150 and sold["ticket"]["code"] in sold["reply"]
    mine = bus.get("/v1/tickets").json()
    assert [ticket["code"] for ticket in mine["tickets"]] == [sold["ticket"]["code"]]
    assert mine["tickets"][0]["contact"] == "+770***567"
    assert other.get("/v1/tickets").json()["tickets"] == []
    assert bus.get("/v1/tickets", after=mine["next_after"]).json()["tickets"] == []


def test_a_messenger_ticket_is_listed_for_its_bus(bus: Bus, admin: AdminClient) -> None:
    body = {
        "messenger": "telegram",
        "user": "@aigerim",
        "route": "92",
        "bus_number": bus.bus_number,
    }
    sold = admin.call("POST", "/v1/gateway/messenger", body)
    assert sold["ticket"]["fare"] == 200
    assert sold["ticket"]["id"] in [t["id"] for t in bus.get("/v1/tickets").json()["tickets"]]


@pytest.mark.parametrize(
    ("text", "short_number", "code"),
    [("hello", "7575", "bad_sms"), ("77 B001", "7575", "unknown_route"),
     ("12 NOBUS", "7575", "unknown_bus"), ("12 B001", "1234", "unknown_short_number")],
)  # fmt: skip
def test_an_sms_that_cannot_be_sold_is_answered_with_help(
    admin: AdminClient, text: str, short_number: str, code: str
) -> None:
    with pytest.raises(LedgerRefused) as refused:
        sms(admin, text, short_number)
    assert refused.value.status == 422 and refused.value.code == code
    assert refused.value.body["reply"]


def test_a_top_up_with_the_same_reference_is_added_once(admin: AdminClient) -> None:
    number = card(admin, balance=0)
    admin.top_up(number, 500, reference="kiosk-17-0001")
    assert admin.top_up(number, 500, reference="kiosk-17-0001") == 500


def test_an_unknown_card_is_a_404(admin: AdminClient) -> None:
    with pytest.raises(LedgerRefused) as refused:
        admin.card("9643999999999999999")
    assert refused.value.status == 404


def test_issued_card_numbers_are_19_digits_with_a_luhn_check_digit(admin: AdminClient) -> None:
    number = card(admin)
    assert len(number) == 19 and number.startswith("9643") and luhn_valid(number)


@given(st.integers(min_value=1, max_value=10**14 - 1), st.integers(min_value=0, max_value=18))
def test_changing_any_one_digit_breaks_the_luhn_check(serial: int, position: int) -> None:
    number = card_number_for(serial)
    changed = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
    assert luhn_valid(number) and not luhn_valid(changed)
