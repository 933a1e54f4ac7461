"""A reader for a validator without NFC (``backend = "none"``): no card ever."""

from __future__ import annotations

import time

from validator.ports import CardRead, ReadFailure


class NoReader:
    """Implements ``CardReader``; ``poll`` waits its timeout and finds nothing."""

    def poll(self, timeout: float) -> CardRead | ReadFailure | None:
        time.sleep(max(0.0, timeout))
        return None

    def still_present(self, uid: str) -> bool:
        return False

    def close(self) -> None:
        pass
