"""Cash sales: the price from the fare table, the ticket number, the signed
ticket an inspector can check, and the rule for the cash total."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import shift_samples as day
from validator.cash import (
    CashBook,
    CashSettings,
    SaleEvent,
    SaleEventKind,
    SalePoint,
    SaleProblem,
    SaleRefusal,
    SaleStatus,
    cash_book,
    next_counter,
    parse_ticket_subject,
    record_print,
    sell,
    ticket_qr_text,
    void_sale,
)
from validator.model import Category, Tenge, TripContext
from validator.printing import PrintFault, PrintResult
from validator.shift import Phase, ShiftState
from validator.tokens import TokenKind, qr_text_to_token, verify_token

RULES = day.rules()
POINT = SalePoint(day.DEVICE, day.BUS)
ON_ROUTE_12 = ShiftState(phase=Phase.ON_TRIP, crew_id="1017", trip=TripContext("12"), trip_number=1)
NO_PAPER = PrintResult(PrintFault.NO_PAPER, detail="DLE EOT 4 answered 72")


def test_a_full_fare_cash_ticket_on_route_12_costs_the_cash_fare() -> None:
    sale = sell(RULES, ON_ROUTE_12, POINT, Category.STANDARD, 1, 1, day.at(6, 20))
    assert sale == day.FIRST_SALE


def test_two_students_pay_half_the_cash_fare_each() -> None:
    sale = sell(RULES, ON_ROUTE_12, POINT, Category.STUDENT, 2, 2, day.at(6, 25))
    assert sale == day.STUDENTS_SALE
    assert not isinstance(sale, SaleRefusal) and sale.amount == 150


def test_the_night_band_prices_a_cash_ticket_sold_at_night() -> None:
    sale = sell(RULES, ON_ROUTE_12, POINT, Category.STANDARD, 1, 9, day.at(23, 5))
    assert not isinstance(sale, SaleRefusal) and sale.amount == 200


def test_the_ticket_number_is_the_device_id_and_a_six_digit_counter() -> None:
    sale = sell(RULES, ON_ROUTE_12, POINT, Category.STANDARD, 1, 42, day.at(6, 20))
    assert not isinstance(sale, SaleRefusal) and sale.ticket_number == "VAL-0042-000042"


def test_the_next_counter_follows_every_sale_in_the_journal() -> None:
    events = [e for e in day.journal() if isinstance(e, SaleEvent)]
    assert next_counter(events) == 5 and next_counter([]) == 1


def test_a_sale_outside_an_open_shift_with_a_route_is_refused() -> None:
    opened_no_route = ShiftState(phase=Phase.OPEN, crew_id="1017")
    for state in (ShiftState(), opened_no_route):
        refused = sell(RULES, state, POINT, Category.STANDARD, 1, 1, day.at(6, 20))
        assert refused == SaleRefusal(SaleProblem.NO_SHIFT)


@pytest.mark.parametrize("riders", [0, -1, 11])
def test_a_passenger_count_out_of_range_is_refused_with_the_limit(riders: int) -> None:
    refused = sell(RULES, ON_ROUTE_12, POINT, Category.STANDARD, riders, 1, day.at(6, 20))
    assert isinstance(refused, SaleRefusal)
    assert refused.line("en") == "Number of passengers must be 1 to 10"


def test_a_fare_table_without_a_cash_fare_refuses_the_sale() -> None:
    no_cash = replace(RULES, fares={}, routes={})
    refused = sell(no_cash, ON_ROUTE_12, POINT, Category.STANDARD, 1, 1, day.at(6, 20))
    assert refused == SaleRefusal(SaleProblem.NO_FARE)


def test_the_ticket_qr_verifies_with_the_device_key_and_carries_the_sale() -> None:
    token = qr_text_to_token(ticket_qr_text(day.STUDENTS_SALE, day.DEVICE_KEY))
    assert isinstance(token, bytes)
    keys = {b"VAL-0042": day.DEVICE_KEY.public_key()}
    claims = verify_token(token, keys, day.at(6, 40), 60, kinds=(TokenKind.TICKET,))
    assert not isinstance(claims, Exception) and claims.ticket is not None
    assert (claims.issuer, claims.ticket.route, claims.ticket.bus) == ("VAL-0042", "12", "B123")
    assert claims.ticket.valid_until == day.at(7, 55)
    assert parse_ticket_subject(claims.subject) == ("VAL-0042-000002", 2, Category.STUDENT)


def test_a_reprint_carries_exactly_the_same_qr() -> None:
    first = ticket_qr_text(day.STUDENTS_SALE, day.DEVICE_KEY)
    assert ticket_qr_text(day.STUDENTS_SALE, day.DEVICE_KEY) == first


@given(st.text(max_size=40))
def test_a_ticket_subject_that_is_not_ours_is_never_misread(subject: str) -> None:
    parsed = parse_ticket_subject(subject)
    assert parsed is None or (1 <= parsed[1] <= 99 and ";".join(map(str, parsed)) == subject)


# --- the cash total ------------------------------------------------------------------


def _book(*events: SaleEvent) -> CashBook:
    sold = [SaleEvent(SaleEventKind.SOLD, s.sold_at, s.ticket_number, s) for s in _SALES]
    return cash_book([*sold, *events])


_SALES = (day.FIRST_SALE, day.STUDENTS_SALE)
FIRST, SECOND = day.FIRST_SALE.ticket_number, day.STUDENTS_SALE.ticket_number


def test_a_sale_is_counted_in_the_cash_total_before_anything_is_printed() -> None:
    book = _book()
    assert book.total == Tenge(300)
    assert [e.status for e in book.entries.values()] == [SaleStatus.PENDING] * 2


def test_a_sale_that_failed_to_print_still_counts_in_the_cash_total() -> None:
    failed = record_print(_book(), SECOND, NO_PAPER, day.at(6, 25))
    assert failed == SaleEvent(
        SaleEventKind.PRINT_FAILED, day.at(6, 25), SECOND, fault=PrintFault.NO_PAPER
    )
    book = _book(failed)
    assert book.total == Tenge(300) and book.entries[SECOND].status is SaleStatus.NOT_PRINTED
    assert [e.sale.ticket_number for e in book.unprinted] == [FIRST, SECOND]


def test_voiding_an_unprinted_sale_takes_it_out_of_the_cash_total() -> None:
    failed = record_print(_book(), SECOND, NO_PAPER, day.at(6, 25))
    assert isinstance(failed, SaleEvent)
    voided = void_sale(_book(failed), SECOND, day.at(6, 26))
    assert isinstance(voided, SaleEvent) and voided.kind is SaleEventKind.VOIDED
    assert _book(failed, voided).total == Tenge(150)


def test_a_printed_ticket_cannot_be_voided_or_printed_again() -> None:
    printed = record_print(_book(), FIRST, PrintResult(), day.at(6, 20))
    assert isinstance(printed, SaleEvent)
    book = _book(printed)
    refused = void_sale(book, FIRST, day.at(6, 21))
    assert refused == SaleRefusal(SaleProblem.PRINTED_NO_VOID)
    assert refused.line("en") == "A printed ticket cannot be voided: the passenger holds it"
    assert record_print(book, FIRST, PrintResult(), day.at(6, 21)) == SaleRefusal(
        SaleProblem.ALREADY_PRINTED
    )


def test_a_voided_sale_is_not_printed_and_an_unknown_ticket_is_refused() -> None:
    voided = void_sale(_book(), SECOND, day.at(6, 26))
    assert isinstance(voided, SaleEvent)
    refused = record_print(_book(voided), SECOND, PrintResult(), day.at(6, 27))
    assert refused == SaleRefusal(SaleProblem.VOIDED)
    assert void_sale(_book(), "VAL-0042-999999", day.at(6, 27)) == SaleRefusal(
        SaleProblem.UNKNOWN_TICKET
    )


def test_events_after_a_final_state_change_nothing() -> None:
    printed = SaleEvent(SaleEventKind.PRINTED, day.at(6, 20), FIRST)
    late_void = SaleEvent(SaleEventKind.VOIDED, day.at(6, 21), FIRST)
    book = _book(printed, late_void)
    assert book.entries[FIRST].status is SaleStatus.PRINTED and book.total == Tenge(300)


@given(st.lists(st.sampled_from(["print_ok", "print_fail", "void"]), max_size=8))
def test_the_cash_total_is_the_sum_of_the_sales_not_voided(actions: list[str]) -> None:
    events: list[SaleEvent] = []
    for action in actions:
        book = _book(*events)
        result = {"print_ok": PrintResult(), "print_fail": NO_PAPER}.get(action)
        made = (
            void_sale(book, SECOND, day.at(6, 30))
            if result is None
            else record_print(book, SECOND, result, day.at(6, 30))
        )
        if isinstance(made, SaleEvent):
            events.append(made)
    book = _book(*events)
    voided = book.entries[SECOND].status is SaleStatus.VOIDED
    assert book.total == (150 if voided else 300)
    assert not (voided and "print_ok" in actions[: actions.index("void")])


def test_cash_settings_bound_the_riders_per_sale() -> None:
    point = SalePoint(day.DEVICE, day.BUS, CashSettings(max_riders=2))
    refused = sell(RULES, ON_ROUTE_12, point, Category.STANDARD, 3, 1, day.at(6, 20))
    assert isinstance(refused, SaleRefusal) and refused.line("ru") == "Число пассажиров: от 1 до 2"
