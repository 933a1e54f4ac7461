"""Passenger displays: the terminal (demo, bench), a recording one, none."""

from __future__ import annotations

from typing import Protocol, TextIO

from drivers.feedback.patterns import LONG_BEEP_MS, PATTERNS, beeps
from validator.model import Signal

__all__ = ["Display", "NoDisplay", "RecordingDisplay", "TerminalDisplay", "picture"]


class Display(Protocol):
    def show_signal(self, signal: Signal) -> None: ...

    def show_line(self, line: str) -> None: ...

    def close(self) -> None: ...


def picture(signal: Signal) -> str:
    """What a signal sounds and looks like, in text: ``"♪♪ ● GREEN"``."""
    pattern = PATTERNS[signal]
    sound = "".join("♪~" if ms >= LONG_BEEP_MS else "♪" for ms in beeps(pattern))
    green = any(step.green for step in pattern.steps)
    red = any(step.red for step in pattern.steps)
    light = "● GREEN" if green else "● RED" if red else "no light"
    return f"{sound} {light}" + (" (stays on)" if pattern.red_after else "")


class TerminalDisplay:
    """Prints each passenger line, and a picture of each beep-and-light."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def show_signal(self, signal: Signal) -> None:
        self._print(f"[{picture(signal)}]")

    def show_line(self, line: str) -> None:
        self._print(f"  {line}")

    def close(self) -> None:
        self._stream.flush()

    def _print(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()


class RecordingDisplay:
    """Keeps what was shown, for tests and checks."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.signals: list[Signal] = []

    def show_signal(self, signal: Signal) -> None:
        self.signals.append(signal)

    def show_line(self, line: str) -> None:
        self.lines.append(line)

    def close(self) -> None:
        pass


class NoDisplay:
    """No display fitted (``display = "none"``)."""

    def show_signal(self, signal: Signal) -> None:
        pass

    def show_line(self, line: str) -> None:
        pass

    def close(self) -> None:
        pass
