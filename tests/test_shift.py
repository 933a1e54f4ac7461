"""The shift as pure steps: sign-in by PIN or driver card, lockout after wrong
PINs, route and trips, closing, the off-shift tap policy, and replay."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests import shift_samples as day
from validator.crew import CrewList
from validator.model import Decision, Outcome, Reason, TripContext
from validator.shift import (
    CardSignIn,
    Phase,
    PinSignIn,
    RefusalReason,
    ShiftEventKind,
    ShiftPolicy,
    ShiftState,
    ShiftStep,
    choose_route,
    close_shift,
    end_trip,
    open_shift,
    replay,
    start_trip,
    tap_gate,
)

CREW: CrewList = day.crew()
POLICY = ShiftPolicy(lockout=day.LOCKOUT)
CONFIGURED = TripContext("1")
CLOSED = ShiftState()


def _open(state: ShiftState = CLOSED, pin: str = day.DRIVER_PIN, minute: int = 0) -> ShiftStep:
    return open_shift(state, PinSignIn("1017", pin), CREW, POLICY, day.at(6, minute))


def _on_trip() -> ShiftState:
    state = _open().state
    state = choose_route(state, "12", "forward", day.at(6, 1)).state
    return start_trip(state, day.at(6, 2)).state


def test_the_right_pin_opens_the_shift_for_that_driver() -> None:
    step = _open()
    assert step.ok and step.state.phase is Phase.OPEN
    assert (step.state.crew_id, step.state.crew_name) == ("1017", "Aidos Seitkali")
    assert [e.kind for e in step.events] == [ShiftEventKind.OPENED]
    assert step.events[0].detail == "pin"


def test_a_wrong_pin_is_refused_with_the_tries_left_and_journaled_without_the_pin() -> None:
    step = _open(pin="1111")
    assert step.refusal is not None and step.refusal.reason is RefusalReason.WRONG_PIN
    assert step.refusal.line("en") == "Wrong number or PIN: 2 tries left"
    assert step.state.phase is Phase.CLOSED and step.state.wrong_pins == 1
    assert "1111" not in repr(step.events)


def test_three_wrong_pins_lock_the_keypad_even_for_the_right_pin() -> None:
    state = ShiftState()
    for minute, pin in enumerate(["1111", "2222", "3333"]):
        step = _open(state, pin, minute)
        state = step.state
    assert [e.kind for e in step.events] == [
        ShiftEventKind.SIGN_IN_REFUSED,
        ShiftEventKind.KEYPAD_LOCKED,
    ]
    assert state.locked_until == day.at(6, 7)
    locked = _open(state, day.DRIVER_PIN, 5)
    assert locked.refusal is not None and locked.refusal.reason is RefusalReason.LOCKED
    assert locked.refusal.line("ru") == "Слишком много неверных PIN-кодов: повторите в 06:07"
    assert locked.events == () and locked.state == state


def test_after_the_lockout_the_right_pin_opens_and_the_count_starts_again() -> None:
    state = replace(ShiftState(), wrong_pins=3, locked_until=day.at(6, 7))
    assert _open(state, day.DRIVER_PIN, 7).ok
    again = _open(state, "1111", 8)
    assert again.state.wrong_pins == 1 and again.state.locked_until is None


def test_an_unknown_crew_number_counts_as_a_wrong_pin_and_does_not_say_it_is_unknown() -> None:
    step = open_shift(ShiftState(), PinSignIn("9999", "4321"), CREW, POLICY, day.at(6, 0))
    assert step.refusal is not None and step.refusal.reason is RefusalReason.WRONG_PIN


def test_the_driver_card_alone_opens_the_shift_unless_the_policy_asks_for_the_pin() -> None:
    card = CardSignIn(day.DRIVER_CARD)
    assert open_shift(ShiftState(), card, CREW, POLICY, day.at(6, 0)).state.crew_id == "1017"
    strict = replace(POLICY, card_needs_pin=True)
    assert not open_shift(ShiftState(), card, CREW, strict, day.at(6, 0)).ok
    with_pin = CardSignIn(day.DRIVER_CARD, day.DRIVER_PIN)
    assert open_shift(ShiftState(), with_pin, CREW, strict, day.at(6, 0)).ok


def test_a_card_not_on_the_crew_list_is_refused() -> None:
    step = open_shift(ShiftState(), CardSignIn("9398000000000999"), CREW, POLICY, day.at(6, 0))
    assert step.refusal is not None and step.refusal.reason is RefusalReason.UNKNOWN_CARD


def test_a_second_sign_in_while_open_is_refused() -> None:
    step = _open(_open().state)
    assert step.refusal is not None and step.refusal.reason is RefusalReason.ALREADY_OPEN


def test_route_then_trips_in_order_with_an_event_each() -> None:
    state = _on_trip()
    assert state.phase is Phase.ON_TRIP and state.trip_number == 1
    assert state.trip == TripContext("12", "forward")
    ended = end_trip(state, day.at(7, 0))
    assert ended.state.phase is Phase.ROUTE_SET
    assert ended.events[0].kind is ShiftEventKind.TRIP_ENDED and ended.events[0].trip == 1
    back = choose_route(ended.state, "12", "backward", day.at(7, 5)).state
    assert start_trip(back, day.at(7, 6)).state.trip_number == 2


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        (lambda s: start_trip(s, day.at(6, 5)), RefusalReason.NO_ROUTE),
        (lambda s: end_trip(s, day.at(6, 5)), RefusalReason.NO_ROUTE),
        (lambda s: choose_route(s, "", "forward", day.at(6, 5)), RefusalReason.BAD_ROUTE),
        (lambda s: choose_route(s, "12", "sideways", day.at(6, 5)), RefusalReason.BAD_ROUTE),
    ],
)
def test_steps_out_of_order_are_refused_and_change_nothing(
    action: object, reason: RefusalReason
) -> None:
    opened = _open().state
    assert callable(action)
    step = action(opened)
    assert step.refusal is not None and step.refusal.reason is reason
    assert step.state == opened and step.events == ()


def test_the_route_cannot_change_during_a_trip() -> None:
    step = choose_route(_on_trip(), "92", "forward", day.at(6, 30))
    assert step.refusal is not None and step.refusal.reason is RefusalReason.TRIP_RUNNING


def test_closing_during_a_trip_ends_the_trip_first() -> None:
    step = close_shift(_on_trip(), day.at(7, 10))
    assert [e.kind for e in step.events] == [ShiftEventKind.TRIP_ENDED, ShiftEventKind.CLOSED]
    assert step.state.phase is Phase.CLOSED and step.state.crew_id is None
    assert step.state.last_trip == TripContext("12", "forward")
    assert close_shift(step.state, day.at(7, 11)).refusal is not None


def test_taps_in_an_open_shift_ride_on_the_chosen_route() -> None:
    assert tap_gate(_on_trip(), POLICY, CONFIGURED) == TripContext("12", "forward")


def test_taps_outside_a_shift_are_declined_under_the_decline_policy() -> None:
    closed = close_shift(_on_trip(), day.at(7, 10)).state
    for state in (ShiftState(), _open().state, closed):
        assert tap_gate(state, POLICY, CONFIGURED) == Decision(Outcome.DECLINED, Reason.NO_SHIFT)


def test_taps_outside_a_shift_ride_on_the_last_route_under_the_accept_policy() -> None:
    accept = replace(POLICY, off_shift="accept")
    closed = close_shift(_on_trip(), day.at(7, 10)).state
    assert tap_gate(closed, accept, CONFIGURED) == TripContext("12", "forward")
    assert tap_gate(ShiftState(), accept, CONFIGURED) == CONFIGURED


def test_replaying_the_journaled_events_rebuilds_the_state_after_a_restart() -> None:
    steps = [_open()]
    steps.append(choose_route(steps[-1].state, "12", "forward", day.at(6, 1)))
    steps.append(start_trip(steps[-1].state, day.at(6, 2)))
    events = [e for step in steps for e in step.events]
    assert replay(events, POLICY) == steps[-1].state


def test_replay_keeps_a_lockout_across_a_restart() -> None:
    state, events = ShiftState(), []
    for minute, pin in enumerate(["1111", "2222", "3333"]):
        step = _open(state, pin, minute)
        state, events = step.state, [*events, *step.events]
    rebuilt = replay(events, POLICY)
    assert rebuilt.locked_until == day.at(6, 7)
    assert not _open(rebuilt, day.DRIVER_PIN, 4).ok


def test_a_naive_time_is_refused_loudly() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        start_trip(ShiftState(), day.at(6, 0).replace(tzinfo=None))


def test_refusal_lines_exist_in_every_language() -> None:
    step = _open(pin="1111")
    assert step.refusal is not None
    assert step.refusal.line("kk") == "Нөмір немесе PIN-код қате: 2 әрекет қалды"
    assert step.refusal.line("xx") == step.refusal.line("en")
    assert timedelta(minutes=5) == POLICY.lockout
