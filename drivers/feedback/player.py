"""Play beep-and-light patterns on a worker thread, so the tap loop never
waits for a pattern to finish. A new signal cuts the one playing short."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from validator.model import Signal

__all__ = ["BackgroundPlayer"]


class BackgroundPlayer:
    def __init__(self, play: Callable[[Signal], None], interrupt: threading.Event) -> None:
        self._play = play
        self._interrupt = interrupt
        self._queue: queue.Queue[Signal | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="feedback", daemon=True)
        self._thread.start()

    def play(self, signal: Signal) -> None:
        self._interrupt.set()  # the pattern playing now finishes at once
        self._queue.put(signal)

    def close(self) -> None:
        self._interrupt.set()
        self._queue.put(None)
        self._thread.join(timeout=2.0)

    def _run(self) -> None:
        while (signal := self._queue.get()) is not None:
            self._interrupt.clear()
            self._play(signal)
