"""When has a card left the field, and is a card we see again really a new tap?

A card held on the reader must be one presentation however long it stays:
after an answer the pipeline waits here until the same UID is no longer
answering. A reader can also lose a card for a moment and find it again (nfcpy
does this with MIFARE Classic); a UID seen again within the echo window after
it left is the same presentation, not a second tap.
"""

from __future__ import annotations

import time

from validator.clock import Clock
from validator.ports import CardReader

NS = 1_000_000_000


class PresenceTracker:
    def __init__(
        self, reader: CardReader, clock: Clock, removal_timeout: float, interval: float = 0.05
    ) -> None:
        self._reader = reader
        self._interval = interval
        self._clock = clock
        self._removal_timeout_ns = int(removal_timeout * NS)
        self._last_uid: str | None = None
        self._last_seen_ns = 0

    def wait_until_gone(self, uid: str | None) -> None:
        """Block until the card has left the field (or the removal timeout passed)."""
        if uid is None:
            return
        self._last_uid = uid
        self._last_seen_ns = self._clock.monotonic_ns()
        deadline = self._last_seen_ns + self._removal_timeout_ns
        while self._clock.monotonic_ns() < deadline and self._reader.still_present(uid):
            self._last_seen_ns = self._clock.monotonic_ns()
            time.sleep(self._interval)

    def is_echo(self, uid: str | None, window: float) -> bool:
        """True when ``uid`` is the card that just left, seen again within ``window``
        seconds of the last moment it was seen: the reader lost it for an instant."""
        if uid is None or uid != self._last_uid:
            return False
        return self._clock.monotonic_ns() - self._last_seen_ns < int(window * NS)
