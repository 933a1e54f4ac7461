"""The passenger panel: buzzer, lights and display behind the Feedback port."""

from __future__ import annotations

import time
from typing import TextIO

from drivers.feedback.display import Display, NoDisplay, TerminalDisplay
from drivers.feedback.lights import BuzzerAndLights
from drivers.feedback.pins import RecordingPins, RpiGpioPins
from validator.config import FeedbackConfig
from validator.model import Signal

__all__ = ["PanelFeedback", "build_feedback"]


class PanelFeedback:
    """Implements ``validator.ports.Feedback``."""

    def __init__(self, lights: BuzzerAndLights, display: Display) -> None:
        self.lights = lights
        self.display_unit = display

    def signal(self, signal: Signal) -> None:
        self.display_unit.show_signal(signal)
        self.lights.play(signal)

    def display(self, line: str) -> None:
        self.display_unit.show_line(line)

    def close(self) -> None:
        try:
            self.lights.close()
        finally:
            self.display_unit.close()


def build_feedback(section: FeedbackConfig, stream: TextIO) -> PanelFeedback:
    """The backend named in the config, never another: ``gpio`` off a Pi raises
    ``DeviceUnavailable``."""
    display: Display = TerminalDisplay(stream) if section.display == "terminal" else NoDisplay()
    return PanelFeedback(_lights(section), display)


def _lights(section: FeedbackConfig) -> BuzzerAndLights:
    pins = section.buzzer_pin, section.green_pin, section.red_pin
    if section.backend == "gpio":
        return BuzzerAndLights(RpiGpioPins(), *pins, sleep=time.sleep)
    if section.backend == "recording":
        recording = RecordingPins()
        return BuzzerAndLights(recording, *pins, sleep=recording.sleep)
    raise ValueError(f"unknown feedback backend {section.backend!r}")
