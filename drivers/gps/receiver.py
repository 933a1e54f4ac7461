"""The GPS receiver on a serial port: a reader thread keeping the latest fix.

``GpsReceiver`` reads NMEA 0183 from a pyserial URL (``/dev/ttyAMA0``,
``/dev/ttyUSB0``, a pty, ``loop://``, ``socket://HOST:PORT``) through an
``NmeaDecoder`` and keeps the newest ``Fix`` or ``NoFix`` and the line
counters, for the tap path to read without waiting. A receiver that goes
quiet for ``stale_after`` seconds, or is unplugged, reads as ``NoFix``; an
unplugged one is reopened with backoff, logged once each way.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

from drivers.gps.nmea import GpsState, NmeaCounters, NmeaDecoder, NoFix
from drivers.serial_link import Backoff, SerialLink

__all__ = ["GpsReceiver", "GpsSettings", "current_state"]

HINT = (
    "Check the GPS receiver's cable and the gps.port and gps.baudrate settings, "
    "and that no other program holds the port."
)


@dataclass(frozen=True, slots=True)
class GpsSettings:
    """The ``[gps]`` config keys that shape reading."""

    baudrate: int = 9600
    stale_after: float = 5.0  # seconds without a position sentence: no fix
    backoff: Backoff = field(default_factory=Backoff)


class GpsReceiver:
    """Reads NMEA on its own thread; ``state()`` and ``counters()`` never block on I/O."""

    def __init__(self, url: str, settings: GpsSettings = GpsSettings()) -> None:
        self.settings = settings
        self.link = SerialLink(
            url, "GPS receiver", HINT, baudrate=settings.baudrate, backoff=settings.backoff
        )
        self._decoder = NmeaDecoder()
        self._lock = threading.Lock()
        self._latest: GpsState | None = None
        self._updated = time.monotonic()
        self._running = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def open(cls, url: str, settings: GpsSettings = GpsSettings()) -> GpsReceiver:
        """Open the port and start reading; raises ``DeviceUnavailable``."""
        receiver = cls(url, settings)
        receiver.start()
        return receiver

    def start(self) -> None:
        self.link.open()
        self._running.set()
        self._thread = threading.Thread(target=self._run, name="gps-receiver", daemon=True)
        self._thread.start()

    def state(self) -> GpsState:
        """The newest fix, or why there is none."""
        with self._lock:
            latest, age = self._latest, time.monotonic() - self._updated
        return current_state(latest, age, self.link.up, self.settings.stale_after)

    def counters(self) -> NmeaCounters:
        with self._lock:
            return self._decoder.counters

    def close(self) -> None:
        self._running.clear()
        self.link.stop()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self.link.close()

    def __enter__(self) -> GpsReceiver:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self) -> None:
        while self._running.is_set():
            data = self.link.read()
            if data != b"":
                self._take(data)

    def _take(self, data: bytes | None) -> None:
        with self._lock:
            states = self._decoder.flush() if data is None else self._decoder.feed(data)
            if states:
                self._latest, self._updated = states[-1], time.monotonic()


def current_state(
    latest: GpsState | None, age_s: float, connected: bool, stale_after: float
) -> GpsState:
    """What the validator shows and records, from the receiver's last word."""
    if not connected:
        return NoFix(None, "the GPS receiver is unplugged")
    if latest is None:
        return NoFix(None, "no position from the GPS receiver yet")
    if age_s > stale_after:
        return NoFix(latest.time, f"the GPS receiver has been silent for {age_s:.0f} s")
    return latest
