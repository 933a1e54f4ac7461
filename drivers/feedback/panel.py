"""The passenger panel: buzzer, lights and display behind the Feedback port."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TextIO

from drivers.feedback.display import Display, NoDisplay, TerminalDisplay
from drivers.feedback.lights import BuzzerAndLights
from drivers.feedback.pins import RecordingPins, RpiGpioPins
from drivers.feedback.player import BackgroundPlayer
from validator.config import FeedbackConfig
from validator.model import Signal

__all__ = ["PanelFeedback", "build_feedback"]


class PanelFeedback:
    """Implements ``validator.ports.Feedback``."""

    def __init__(
        self,
        lights: BuzzerAndLights,
        display: Display,
        player: BackgroundPlayer | None = None,
    ) -> None:
        self.lights = lights
        self.display_unit = display
        self._player = player  # None: play in the caller's thread (recorded, virtual time)

    def signal(self, signal: Signal) -> None:
        self.display_unit.show_signal(signal)
        if self._player is not None:
            self._player.play(signal)
        else:
            self.lights.play(signal)

    def display(self, line: str) -> None:
        self.display_unit.show_line(line)

    def close(self) -> None:
        if self._player is not None:
            self._player.close()
        try:
            self.lights.close()
        finally:
            self.display_unit.close()


def build_feedback(section: FeedbackConfig, stream: TextIO) -> PanelFeedback:
    """The backend named in the config, never another: ``gpio`` off a Pi raises
    ``DeviceUnavailable``."""
    display: Display = TerminalDisplay(stream) if section.display == "terminal" else NoDisplay()
    pins = section.buzzer_pin, section.green_pin, section.red_pin
    if section.backend == "gpio":
        interrupt = threading.Event()
        lights = BuzzerAndLights(RpiGpioPins(), *pins, sleep=_sleeper(interrupt))
        return PanelFeedback(lights, display, BackgroundPlayer(lights.play, interrupt))
    if section.backend == "recording":
        recording = RecordingPins()
        return PanelFeedback(BuzzerAndLights(recording, *pins, sleep=recording.sleep), display)
    raise ValueError(f"unknown feedback backend {section.backend!r}")


def _sleeper(interrupt: threading.Event) -> Callable[[float], None]:
    """Real time that a newer signal can cut short."""

    def sleep(seconds: float) -> None:
        interrupt.wait(seconds)

    return sleep
