"""Beeps, lights and the display the passenger sees and hears."""

from __future__ import annotations

import io
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from drivers.errors import DeviceUnavailable
from drivers.feedback import (
    BuzzerAndLights,
    PanelFeedback,
    PinFactory,
    RecordingDisplay,
    RecordingPins,
    RpiGpioPins,
    TerminalDisplay,
    build_feedback,
)
from validator.config import FeedbackConfig, load_config
from validator.model import Signal
from validator.ports import Feedback

BUZZER, GREEN, RED = 18, 23, 24


def feedback_section(**changes: object) -> FeedbackConfig:
    return replace(load_config(None).feedback, **changes)  # type: ignore[arg-type]


# --- the pin-factory contract, run against every backend that loads here ------


def recording_pins() -> PinFactory:
    return RecordingPins()


def rpi_gpio_pins() -> PinFactory:
    try:
        return RpiGpioPins()
    except DeviceUnavailable as error:
        pytest.skip(f"RPi.GPIO cannot load on this machine: {error}")


@pytest.fixture(params=[recording_pins, rpi_gpio_pins], ids=["recording", "rpi_gpio"])
def pins(request: pytest.FixtureRequest) -> Iterator[PinFactory]:
    factory = request.param()
    yield factory
    factory.close()


def test_a_pin_set_up_as_an_output_starts_low(pins: PinFactory) -> None:
    pins.setup_output(BUZZER)
    assert pins.state(BUZZER) is False


def test_a_written_level_is_the_pins_state(pins: PinFactory) -> None:
    pins.setup_output(GREEN)
    pins.write(GREEN, True)
    assert pins.state(GREEN) is True
    pins.write(GREEN, False)
    assert pins.state(GREEN) is False


def test_pins_are_independent(pins: PinFactory) -> None:
    pins.setup_output(GREEN)
    pins.setup_output(RED)
    pins.write(RED, True)
    assert (pins.state(GREEN), pins.state(RED)) == (False, True)


# --- what each signal sounds and looks like -----------------------------------


def play(*signals: Signal) -> RecordingPins:
    pins = RecordingPins()
    lights = BuzzerAndLights(pins, BUZZER, GREEN, RED, sleep=pins.sleep)
    for signal in signals:
        lights.play(signal)
    return pins


def beep_lengths(pins: RecordingPins) -> list[int]:
    edges = [change.t_ms for change in pins.timeline if change.pin == BUZZER]
    return [off - on for on, off in zip(edges[::2], edges[1::2], strict=True)]


def lit(pins: RecordingPins, pin: int) -> bool:
    return any(change.pin == pin and change.level for change in pins.timeline)


def test_an_accepted_tap_beeps_once_briefly_and_lights_green() -> None:
    pins = play(Signal.ACCEPTED)
    assert beep_lengths(pins) == [120]
    assert lit(pins, GREEN) and not lit(pins, RED)


def test_a_low_balance_beeps_twice_and_lights_green() -> None:
    pins = play(Signal.ACCEPTED_LOW_BALANCE)
    assert beep_lengths(pins) == [120, 120]
    assert lit(pins, GREEN) and not lit(pins, RED)


def test_a_declined_tap_beeps_long_and_lights_red() -> None:
    pins = play(Signal.DECLINED)
    assert beep_lengths(pins) == [500]
    assert lit(pins, RED) and not lit(pins, GREEN)


def test_present_again_beeps_three_times_quickly_with_red() -> None:
    pins = play(Signal.PRESENT_AGAIN)
    assert len(beep_lengths(pins)) == 3
    assert max(beep_lengths(pins)) < 120
    assert lit(pins, RED)


def test_after_a_pattern_the_buzzer_and_lights_are_off() -> None:
    for signal in (Signal.ACCEPTED, Signal.DECLINED, Signal.PRESENT_AGAIN):
        pins = play(signal)
        assert [pins.state(pin) for pin in (BUZZER, GREEN, RED)] == [False, False, False]


def test_out_of_service_beeps_long_short_long_and_leaves_red_on() -> None:
    pins = play(Signal.OUT_OF_SERVICE)
    assert beep_lengths(pins) == [500, 120, 500]
    assert pins.state(RED) is True
    assert pins.state(BUZZER) is False


def test_a_good_tap_after_out_of_service_turns_red_off() -> None:
    pins = play(Signal.OUT_OF_SERVICE, Signal.ACCEPTED)
    assert (pins.state(RED), pins.state(GREEN)) == (False, False)
    assert lit(pins, GREEN)


def test_closing_the_panel_leaves_every_pin_low() -> None:
    pins = RecordingPins()
    lights = BuzzerAndLights(pins, BUZZER, GREEN, RED, sleep=pins.sleep)
    panel = PanelFeedback(lights, RecordingDisplay())
    panel.signal(Signal.OUT_OF_SERVICE)
    panel.close()
    assert [pins.state(pin) for pin in (BUZZER, GREEN, RED)] == [False, False, False]


# --- displays -----------------------------------------------------------------


def test_the_terminal_shows_the_beeps_the_light_and_the_line() -> None:
    stream = io.StringIO()
    feedback: Feedback = build_feedback(feedback_section(backend="recording"), stream)
    feedback.signal(Signal.ACCEPTED)
    feedback.display("Paid 80 ₸ · balance 1 240 ₸")
    feedback.signal(Signal.ACCEPTED_LOW_BALANCE)
    feedback.signal(Signal.OUT_OF_SERVICE)
    assert stream.getvalue() == (
        "[♪ ● GREEN]\n  Paid 80 ₸ · balance 1 240 ₸\n[♪♪ ● GREEN]\n[♪~♪♪~ ● RED (stays on)]\n"
    )


def test_a_declined_tap_shows_red_on_the_terminal() -> None:
    stream = io.StringIO()
    TerminalDisplay(stream).show_signal(Signal.DECLINED)
    assert stream.getvalue() == "[♪~ ● RED]\n"


def test_the_recording_display_keeps_what_the_passenger_saw() -> None:
    display = RecordingDisplay()
    pins = RecordingPins()
    panel = PanelFeedback(BuzzerAndLights(pins, 1, 2, 3, sleep=pins.sleep), display)
    panel.signal(Signal.DECLINED)
    panel.display("Card blocked")
    assert (display.signals, display.lines) == ([Signal.DECLINED], ["Card blocked"])


def test_with_no_display_nothing_is_printed() -> None:
    stream = io.StringIO()
    feedback = build_feedback(feedback_section(backend="recording", display="none"), stream)
    feedback.signal(Signal.ACCEPTED)
    feedback.display("Paid 80 ₸")
    assert stream.getvalue() == ""


# --- the gpio backend off a Raspberry Pi --------------------------------------


@pytest.fixture
def fake_rpi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path where a test writes its own RPi/GPIO.py."""
    (tmp_path / "RPi").mkdir()
    (tmp_path / "RPi" / "__init__.py").write_text("")
    for name in ("RPi", "RPi.GPIO"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path / "RPi" / "GPIO.py"
    for name in ("RPi", "RPi.GPIO"):
        sys.modules.pop(name, None)


def gpio_error() -> str:
    with pytest.raises(DeviceUnavailable) as caught:
        build_feedback(feedback_section(backend="gpio"), io.StringIO())
    return str(caught.value)


def test_gpio_without_rpi_gpio_installed_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "RPi", None)
    message = gpio_error()
    assert "The buzzer and lights need the Raspberry Pi GPIO" in message
    assert "rpi-lgpio" in message and 'backend = "recording"' in message


def test_gpio_on_a_computer_that_is_not_a_pi_is_unavailable(fake_rpi: Path) -> None:
    fake_rpi.write_text('raise RuntimeError("This module can only be run on a Raspberry Pi!")\n')
    message = gpio_error()
    assert "This module can only be run on a Raspberry Pi!" in message
    assert "Raspberry Pi 5 install rpi-lgpio" in message


def test_gpio_on_a_pi_5_with_the_old_rpi_gpio_points_to_rpi_lgpio(fake_rpi: Path) -> None:
    fake_rpi.write_text(
        textwrap.dedent(
            """
            BCM, OUT, LOW, HIGH = 11, 0, 0, 1
            def setwarnings(flag): pass
            def setmode(mode): pass
            def setup(pin, mode, initial=0):
                raise RuntimeError("Cannot determine SOC peripheral base address")
            """
        )
    )
    message = gpio_error()
    assert "GPIO pin 18 could not be set up" in message
    assert "Cannot determine SOC peripheral base address" in message
    assert "rpi-lgpio" in message
