"""On a Pi the beep plays on its own thread: the tap loop never waits for it."""

from __future__ import annotations

import threading

from drivers.feedback import BuzzerAndLights, RecordingPins
from drivers.feedback.player import BackgroundPlayer
from validator.model import Signal


def test_a_signal_returns_at_once_while_the_pattern_plays_on() -> None:
    interrupt, started, played = threading.Event(), threading.Event(), []

    def slow_pattern(signal: Signal) -> None:
        played.append(signal)
        started.set()
        interrupt.wait(30)  # a pattern far longer than any test

    player = BackgroundPlayer(slow_pattern, interrupt)
    player.play(Signal.ACCEPTED)
    assert started.wait(5), "the pattern never started on the worker thread"
    assert played == [Signal.ACCEPTED]  # play() came back while the pattern still runs
    player.play(Signal.DECLINED)  # a new answer cuts the old pattern short
    player.close()
    assert played == [Signal.ACCEPTED, Signal.DECLINED]


def test_the_newest_signal_leaves_the_lights_as_its_pattern_ends() -> None:
    pins, interrupt = RecordingPins(), threading.Event()
    lights = BuzzerAndLights(pins, 18, 23, 24, sleep=lambda s: interrupt.wait(s))
    player = BackgroundPlayer(lights.play, interrupt)
    player.play(Signal.ACCEPTED)
    player.play(Signal.OUT_OF_SERVICE)
    player.close()
    assert pins.state(24) is True  # out of service keeps the red light on
    assert pins.state(23) is False


def test_a_ticket_chirp_leaves_the_out_of_service_light_on() -> None:
    pins = RecordingPins()
    lights = BuzzerAndLights(pins, 18, 23, 24, sleep=pins.sleep)
    lights.play(Signal.OUT_OF_SERVICE)
    lights.play(Signal.TICKET_ARRIVED)
    assert pins.state(24) is True  # still out of service
    assert pins.state(18) is False  # the chirp is over
    assert any(change.pin == 18 and change.level for change in pins.timeline[-3:])
