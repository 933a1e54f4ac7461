"""One serial device kept open by URL, for the QR scanner and the GPS receiver.

The port is opened with ``serial.serial_for_url``, so ``/dev/ttyACM0``, a
pty, ``loop://`` and ``socket://HOST:PORT`` all work. ``read()`` returns
what arrived (``b""`` after the read timeout). When the device goes away
(USB cable pulled, pty closed) the link logs that ONCE, closes the port and
reopens it with backoff; when it is back it logs that once. pyserial's
exceptions never leave this module: failing to open at start is a
``DeviceUnavailable`` in words for the depot.
"""

from __future__ import annotations

import errno
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Protocol, cast

import serial

from drivers.errors import DeviceUnavailable

__all__ = ["Backoff", "SerialLink", "describe_open_error"]

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 2.0  # seconds: a port nobody drains must not hang an emulator
_GONE = (errno.ENOENT, errno.ENODEV, errno.ENXIO)
_DENIED = (errno.EACCES, errno.EPERM)


class _Port(Protocol):
    """What this module uses of a pyserial port (every URL handler has it)."""

    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds between reopen attempts: ``first``, times ``factor``, at most ``longest``."""

    first: float = 0.2
    factor: float = 2.0
    longest: float = 5.0

    def after(self, delay: float | None) -> float:
        """The delay that follows ``delay`` (``None``: the first one)."""
        return self.first if delay is None else min(delay * self.factor, self.longest)


class SerialLink:
    """A serial port by URL that survives unplugging.

    ``what`` names the device in messages ("QR scanner"); ``hint`` tells a
    technician what to check when it cannot be opened.
    """

    def __init__(
        self,
        url: str,
        what: str,
        hint: str,
        *,
        baudrate: int = 9600,
        read_timeout: float = 0.1,
        backoff: Backoff = Backoff(),
    ) -> None:
        self.url, self.what, self.hint = url, what, hint
        self.baudrate, self.read_timeout, self.backoff = baudrate, read_timeout, backoff
        self.failed_reopens = 0  # attempts since the device went away
        self._port: _Port | None = None
        self._delay: float | None = None
        self._stop = threading.Event()

    @property
    def up(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        """Open the port now; raises ``DeviceUnavailable`` if it cannot be."""
        try:
            self._port = self._connect()
        except (serial.SerialException, OSError, ValueError) as error:
            problem = describe_open_error(error)
            raise DeviceUnavailable(
                f"{self.what} cannot be opened at {self.url}: {problem}. {self.hint}"
            ) from None

    def read(self) -> bytes | None:
        """Bytes that arrived within the read timeout; ``None`` while the device
        is away (each call then waits one backoff step and tries to reopen)."""
        port = self._port
        if port is None:
            self._reopen()
            return None
        try:
            data = port.read(1)
            if data:
                data += port.read(port.in_waiting)
        except (serial.SerialException, OSError) as error:
            self._lost(error)
            return None
        return data

    def write(self, data: bytes) -> None:
        """Write to the device (emulators and benches); ``DeviceUnavailable`` on failure."""
        if self._port is None:
            raise DeviceUnavailable(f"{self.what} at {self.url} is not connected")
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError, queue.Full) as error:  # loop:// leaks Full
            problem = str(error) or "the port stopped taking bytes"
            raise DeviceUnavailable(f"writing to {self.url} failed: {problem}") from None

    def stop(self) -> None:
        """Wake a ``read()`` waiting out a backoff step; used before ``close()``."""
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        self._close_port()

    def _connect(self) -> _Port:
        port = serial.serial_for_url(
            self.url,
            baudrate=self.baudrate,
            timeout=self.read_timeout,
            write_timeout=WRITE_TIMEOUT,
            exclusive=True,
        )
        return cast(_Port, port)

    def _lost(self, error: BaseException) -> None:
        self._close_port()
        self._delay, self.failed_reopens = None, 0
        log.warning("%s unplugged at %s; retrying", self.what, self.url)
        log.debug("%s failed with %r", self.what, error)

    def _reopen(self) -> None:
        self._delay = self.backoff.after(self._delay)
        if self._stop.wait(self._delay):
            return
        try:
            self._port = self._connect()
        except (serial.SerialException, OSError, ValueError) as error:
            self.failed_reopens += 1
            log.debug("%s still away at %s: %s", self.what, self.url, error)
            return
        self._delay = None
        log.info("%s back at %s", self.what, self.url)

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is None:
            return
        try:
            port.close()
        except (serial.SerialException, OSError):
            log.debug("closing %s at %s failed; it is gone anyway", self.what, self.url)


def describe_open_error(error: BaseException) -> str:
    """Why a port did not open, in words for a depot technician."""
    code = getattr(error, "errno", None)
    if isinstance(error, ValueError):
        return "not a serial port path or URL (use /dev/ttyACM0, loop:// or socket://HOST:PORT)"
    if code in _GONE:
        return "nothing is plugged in there"
    if code in _DENIED:
        return "permission denied (the validator's user must be in the dialout group)"
    if code == errno.EBUSY or "exclusively lock" in str(error):
        return "another program holds the port"
    return str(error)
