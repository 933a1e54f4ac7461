"""Feedback drivers: buzzer and LEDs over a pin factory, and displays."""

from drivers.feedback.display import (
    Display,
    NoDisplay,
    RecordingDisplay,
    TerminalDisplay,
    picture,
)
from drivers.feedback.lights import BuzzerAndLights
from drivers.feedback.panel import PanelFeedback, build_feedback
from drivers.feedback.patterns import PATTERNS, Pattern, Step
from drivers.feedback.pins import PinChange, PinFactory, RecordingPins, RpiGpioPins

__all__ = [
    "PATTERNS",
    "BuzzerAndLights",
    "Display",
    "NoDisplay",
    "PanelFeedback",
    "Pattern",
    "PinChange",
    "PinFactory",
    "RecordingDisplay",
    "RecordingPins",
    "RpiGpioPins",
    "Step",
    "TerminalDisplay",
    "build_feedback",
    "picture",
]
