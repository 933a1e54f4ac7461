"""Buzzer and two LEDs on a pin factory, playing the patterns of patterns.py."""

from __future__ import annotations

from collections.abc import Callable

from drivers.feedback.patterns import PATTERNS, Pattern, Step
from drivers.feedback.pins import PinFactory
from validator.model import Signal

__all__ = ["BuzzerAndLights"]


class BuzzerAndLights:
    """Plays a signal's pattern; ``sleep`` takes seconds (``time.sleep`` on a Pi)."""

    def __init__(
        self,
        pins: PinFactory,
        buzzer_pin: int,
        green_pin: int,
        red_pin: int,
        sleep: Callable[[float], None],
    ) -> None:
        self.pins = pins
        self._buzzer, self._green, self._red = buzzer_pin, green_pin, red_pin
        self._sleep = sleep
        for pin in (buzzer_pin, green_pin, red_pin):
            pins.setup_output(pin)

    def play(self, signal: Signal) -> None:
        pattern = PATTERNS[signal]
        if pattern.buzzer_only:
            self._chirp(pattern)
            return
        for step in pattern.steps:
            self._show(step)
            self._sleep(step.ms / 1000)
        self._show(Step(0, red=pattern.red_after))

    def _chirp(self, pattern: Pattern) -> None:
        """Beep without touching the lights: an out-of-service red stays on."""
        for step in pattern.steps:
            self.pins.write(self._buzzer, step.buzzer)
            self._sleep(step.ms / 1000)
        self.pins.write(self._buzzer, False)

    def close(self) -> None:
        self._show(Step(0))
        self.pins.close()

    def _show(self, step: Step) -> None:
        self.pins.write(self._buzzer, step.buzzer)
        self.pins.write(self._green, step.green)
        self.pins.write(self._red, step.red)
