"""What each signal sounds and looks like: a pure table, no I/O.

A pattern is a list of steps (which of buzzer, green and red are on, for how
long), then the light left on once it ends: only out of service leaves red on,
so the unit shows it is out of order until a good tap or recovery plays
another pattern.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from validator.model import Signal

__all__ = ["LONG_BEEP_MS", "PATTERNS", "Pattern", "Step", "beeps"]

SHORT_MS = 120
QUICK_MS = 60
LONG_MS = 500
LONG_BEEP_MS = 300  # a beep this long or longer reads as "long"


@dataclass(frozen=True, slots=True)
class Step:
    ms: int
    buzzer: bool = False
    green: bool = False
    red: bool = False


@dataclass(frozen=True, slots=True)
class Pattern:
    steps: tuple[Step, ...]
    red_after: bool = False  # red stays on once the pattern ends
    buzzer_only: bool = False  # leaves the lights as they are (a chirp for the driver)


def _green(*beeps_and_gaps: int, hold: int) -> Pattern:
    return Pattern(_alternate(beeps_and_gaps, hold, green=True))


def _red(*beeps_and_gaps: int, hold: int, stays_on: bool = False) -> Pattern:
    return Pattern(_alternate(beeps_and_gaps, hold, red=True), red_after=stays_on)


def _alternate(durations: tuple[int, ...], hold: int, **light: bool) -> tuple[Step, ...]:
    """Beep, gap, beep, …, then the light alone for ``hold`` ms."""
    steps = [Step(ms, buzzer=index % 2 == 0, **light) for index, ms in enumerate(durations)]
    return (*steps, Step(hold, **light))


PATTERNS: Mapping[Signal, Pattern] = {
    Signal.ACCEPTED: _green(SHORT_MS, hold=680),
    Signal.ACCEPTED_LOW_BALANCE: _green(SHORT_MS, 100, SHORT_MS, hold=460),
    Signal.DECLINED: _red(LONG_MS, hold=500),
    Signal.PRESENT_AGAIN: _red(QUICK_MS, QUICK_MS, QUICK_MS, QUICK_MS, QUICK_MS, hold=700),
    Signal.OUT_OF_SERVICE: _red(LONG_MS, 150, SHORT_MS, 150, LONG_MS, hold=0, stays_on=True),
    Signal.TICKET_ARRIVED: Pattern((Step(QUICK_MS, buzzer=True),), buzzer_only=True),
}


def beeps(pattern: Pattern) -> list[int]:
    """The length in ms of each beep, in order."""
    return [step.ms for step in pattern.steps if step.buzzer]
