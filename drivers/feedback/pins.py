"""The pin-factory contract (gpiozero style) and its two backends.

``RecordingPins`` is a stateful fake: it keeps each pin's level and a timeline
of changes on a virtual clock that only its own ``sleep`` advances, so a
pattern plays instantly in tests and in the demo. ``RpiGpioPins`` drives the
real header through RPi.GPIO (or rpi-lgpio on a Raspberry Pi 5), imported only
when one is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from drivers.errors import DeviceUnavailable

__all__ = ["PinChange", "PinFactory", "RecordingPins", "RpiGpioPins"]

_INSTALL_HINT = (
    "On a Raspberry Pi 4 or older install RPi.GPIO (pip install 'bus-validator[pi]'); "
    "on a Raspberry Pi 5 install rpi-lgpio instead (pip install 'bus-validator[pi5]'). "
    'On a computer without GPIO set [feedback] backend = "recording".'
)


class PinFactory(Protocol):
    """Output pins by BCM number. A pin starts low once set up."""

    def setup_output(self, pin: int) -> None: ...

    def write(self, pin: int, high: bool) -> None: ...

    def state(self, pin: int) -> bool:
        """The level the pin is driven to now (True = high)."""
        ...

    def close(self) -> None:
        """Drive every pin low and release it."""
        ...


@dataclass(frozen=True, slots=True)
class PinChange:
    t_ms: int
    pin: int
    level: bool


class RecordingPins:
    """A fake pin factory that records every level change on a virtual clock."""

    def __init__(self) -> None:
        self.now_ms = 0
        self.timeline: list[PinChange] = []
        self._levels: dict[int, bool] = {}
        self.closed = False

    def setup_output(self, pin: int) -> None:
        self._levels[pin] = False

    def write(self, pin: int, high: bool) -> None:
        if pin not in self._levels:
            raise ValueError(f"pin {pin} was not set up as an output")
        if self._levels[pin] != high:
            self._levels[pin] = high
            self.timeline.append(PinChange(self.now_ms, pin, high))

    def state(self, pin: int) -> bool:
        return self._levels[pin]

    def sleep(self, seconds: float) -> None:
        """Advance the virtual clock; nothing really waits."""
        self.now_ms += round(seconds * 1000)

    def close(self) -> None:
        for pin in list(self._levels):
            self.write(pin, False)
        self.closed = True


class RpiGpioPins:
    """The Raspberry Pi header through RPi.GPIO, BCM numbering."""

    def __init__(self) -> None:
        self._gpio = _import_gpio()
        self._pins: list[int] = []
        self._gpio.setwarnings(False)
        self._gpio.setmode(self._gpio.BCM)

    def setup_output(self, pin: int) -> None:
        try:
            self._gpio.setup(pin, self._gpio.OUT, initial=self._gpio.LOW)
        except RuntimeError as error:
            raise DeviceUnavailable(
                f"GPIO pin {pin} could not be set up for the buzzer/lights ({error}). "
                + _INSTALL_HINT
            ) from error
        self._pins.append(pin)

    def write(self, pin: int, high: bool) -> None:
        try:
            self._gpio.output(pin, self._gpio.HIGH if high else self._gpio.LOW)
        except RuntimeError as error:
            raise DeviceUnavailable(f"GPIO pin {pin} could not be driven ({error})") from error

    def state(self, pin: int) -> bool:
        return bool(self._gpio.input(pin))

    def close(self) -> None:
        if self._pins:
            self._gpio.output(self._pins, self._gpio.LOW)
            self._gpio.cleanup(self._pins)
            self._pins = []


def _import_gpio() -> Any:
    try:
        import RPi.GPIO as gpio
    except (ImportError, RuntimeError) as error:
        raise DeviceUnavailable(
            f"The buzzer and lights need the Raspberry Pi GPIO, which could not be loaded "
            f"({type(error).__name__}: {error}). " + _INSTALL_HINT
        ) from error
    return gpio
