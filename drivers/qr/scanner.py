"""The QR scanner on a serial port: a reader thread delivering ``ScanEvent``s.

``QrScanner`` reads the port named by a pyserial URL (``/dev/ttyACM0``, a
pty, ``loop://``, ``socket://HOST:PORT``), cuts the bytes into lines with a
``LineFramer`` and hands each line to a callback as a ``TextLine`` (a
scanned code) or a ``LineRejection`` (too long, not text, cut off). A line
that stops for ``half_line_timeout`` seconds without its terminator, or that
is cut by unplugging, is a half line. An unplugged scanner is reopened with
backoff, logged once when it goes and once when it is back.

What the text means is decided in ``validator.qr``; this module only reads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

from drivers.qr.framing import LineFramer, LineRejection, Terminator, TextLine
from drivers.serial_link import Backoff, SerialLink

__all__ = ["QrScanner", "ScanEvent", "ScannerSettings"]

log = logging.getLogger(__name__)

ScanEvent = TextLine | LineRejection
HINT = (
    "Check the scanner's USB cable and the qr.port setting, "
    "and that no other program holds the port."
)


@dataclass(frozen=True, slots=True)
class ScannerSettings:
    """The ``[qr]`` config keys that shape reading."""

    baudrate: int = 9600
    terminator: Terminator = Terminator.CR
    max_length: int = 4096  # bytes in one line; longer ones are declined
    half_line_timeout: float = 0.5  # seconds of silence that end an unfinished line
    backoff: Backoff = field(default_factory=Backoff)


class QrScanner:
    """A serial 2D scanner; ``on_event`` runs on the reader thread."""

    def __init__(
        self,
        url: str,
        on_event: Callable[[ScanEvent], None],
        settings: ScannerSettings = ScannerSettings(),
    ) -> None:
        self.link = SerialLink(
            url, "QR scanner", HINT, baudrate=settings.baudrate, backoff=settings.backoff
        )
        self.framer = LineFramer(settings.terminator, settings.max_length)
        self.half_line_timeout = settings.half_line_timeout
        self._on_event = on_event
        self._thread: threading.Thread | None = None
        self._running = threading.Event()
        self._last_byte = time.monotonic()

    @classmethod
    def open(
        cls,
        url: str,
        on_event: Callable[[ScanEvent], None],
        settings: ScannerSettings = ScannerSettings(),
    ) -> QrScanner:
        """Open the port and start reading; raises ``DeviceUnavailable``."""
        scanner = cls(url, on_event, settings)
        scanner.start()
        return scanner

    @property
    def connected(self) -> bool:
        return self.link.up

    def start(self) -> None:
        """Open the port (``DeviceUnavailable`` if it cannot be) and start the thread."""
        self.link.open()
        self._running.set()
        self._thread = threading.Thread(target=self._run, name="qr-scanner", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._running.clear()
        self.link.stop()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self.link.close()

    def __enter__(self) -> QrScanner:
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
            self._step(self.link.read())
        self._deliver(self.framer.flush())

    def _step(self, data: bytes | None) -> None:
        now = time.monotonic()
        if data:
            self._last_byte = now
            self._deliver(self.framer.feed(data))
        elif data is None or now - self._last_byte > self.half_line_timeout:
            self._deliver(self.framer.flush())

    def _deliver(self, events: list[ScanEvent]) -> None:
        for event in events:
            try:
                self._on_event(event)
            except Exception:
                log.exception("the QR scan handler failed on %r; the scanner goes on", event)
