"""Replay a receiver's NMEA log to a serial port, one epoch at a time.

A receiver sends a burst of sentences once per second (RMC, GGA, GSA, GSV,
…). An epoch here starts at each RMC, the one sentence every receiver sends
once per fix; lines before the first RMC form their own epoch. Bad lines in
the log are replayed as they are: that is what a bench wants to see.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from drivers.serial_bench import FarEnd

__all__ = ["nmea_epochs", "replay_epochs"]


def nmea_epochs(log: bytes) -> list[bytes]:
    """The log cut into epochs, each the exact bytes of its lines."""
    epochs: list[bytes] = []
    current = b""
    for line in log.splitlines(keepends=True):
        if _is_rmc(line) and current:
            epochs.append(current)
            current = b""
        current += line
    return [*epochs, current] if current else epochs


def replay_epochs(
    far_end: FarEnd, epochs: Iterable[bytes], rate_hz: float, stop: threading.Event
) -> int:
    """Write one epoch every ``1 / rate_hz`` seconds until done or ``stop``;
    returns how many epochs were written."""
    sent = 0
    for epoch in epochs:
        if stop.is_set():
            break
        far_end.write(epoch)
        sent += 1
        if stop.wait(1.0 / rate_hz):
            break
    return sent


def _is_rmc(line: bytes) -> bool:
    return line.startswith(b"$") and line[3:7] == b"RMC,"
