"""``BlePaymentReader``: Bluetooth payments for the (synchronous) daemon.

bleak is asyncio; the reader runs its own event loop in a thread and offers
``start(on_token)`` / ``stop()`` to the daemon and ``scan_and_pay_once`` to
tests and benches. Nothing raises out of it: every attempt is a
``BleOutcome``, reported to ``on_outcome`` (no-phone rounds excepted).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

from drivers.ble.payment import BleOutcome, BleSettings, BleStatus, pay_once
from drivers.ble.radio import Radio
from drivers.ble.results import DecisionCallback
from drivers.ble.selection import SessionMemory

__all__ = ["BlePaymentReader"]

log = logging.getLogger("drivers.ble")

RADIO_RETRY_S = 5.0  # the adapter is unavailable: try again after this
_T = TypeVar("_T")


class _LoopThread:
    """An asyncio event loop running in a daemon thread of its own."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ble", daemon=True)
        self._thread.start()

    def submit(self, coroutine: Coroutine[Any, Any, _T]) -> concurrent.futures.Future[_T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def close(self, timeout: float) -> None:
        try:
            self.submit(_cancel_other_tasks()).result(timeout)
        except (concurrent.futures.TimeoutError, RuntimeError):
            log.warning("Bluetooth: tasks still running at shutdown")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()


async def _cancel_other_tasks() -> None:
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


class BlePaymentReader:
    def __init__(
        self,
        radio: Radio,
        settings: BleSettings | None = None,
        on_outcome: Callable[[BleOutcome], None] | None = None,
    ) -> None:
        self.radio, self.settings = radio, settings or BleSettings()
        self._on_outcome = on_outcome
        self._memory = SessionMemory()
        self._stopping = threading.Event()
        self._loop: _LoopThread | None = None
        self._serving: concurrent.futures.Future[None] | None = None

    def start(self, on_token: DecisionCallback) -> None:
        """Serve phones in the background until ``stop()``."""
        if self._serving is not None and not self._serving.done():
            raise RuntimeError("the Bluetooth reader is already started")
        self._stopping.clear()
        self._serving = self._thread().submit(self._serve_forever(on_token))

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the payment in progress, if any, and stop scanning."""
        self._stopping.set()
        if self._serving is not None:
            done, _ = concurrent.futures.wait([self._serving], timeout)
            if not done:
                self._serving.cancel()
            self._serving = None
        if self._loop is not None:
            self._loop.close(timeout)
            self._loop = None

    def scan_and_pay_once(self, timeout: float, on_token: DecisionCallback) -> BleOutcome:
        """Scan up to ``timeout`` seconds, serve the nearest phone, and say how it went."""
        if self._serving is not None and not self._serving.done():
            raise RuntimeError("the Bluetooth reader is serving in the background")
        self._stopping.clear()
        return self._thread().submit(self._attempt(on_token, timeout)).result()

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> BlePaymentReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _thread(self) -> _LoopThread:
        if self._loop is None:
            self._loop = _LoopThread()
        return self._loop

    async def _attempt(self, on_token: DecisionCallback, timeout: float) -> BleOutcome:
        try:
            return await pay_once(
                self.radio, self.settings, self._memory, on_token, timeout, self._stopping.is_set
            )
        except Exception as exc:  # a bug here must not take the daemon down
            log.exception("Bluetooth payments: driver fault")
            return BleOutcome(BleStatus.RADIO_UNAVAILABLE, f"Bluetooth driver fault: {exc!r}")

    async def _serve_forever(self, on_token: DecisionCallback) -> None:
        radio_down = False
        while not self._stopping.is_set():
            outcome = await self._attempt(on_token, math.inf)
            unavailable = outcome.status is BleStatus.RADIO_UNAVAILABLE
            if unavailable != radio_down:  # once when it goes, once when it is back
                _log_radio(outcome, unavailable)
                radio_down = unavailable
                if unavailable:
                    self._notify(outcome)
            if outcome.status not in (BleStatus.NO_PHONE, BleStatus.RADIO_UNAVAILABLE):
                log.info("Bluetooth payment %s: %s", outcome.status.value, outcome.detail)
                self._notify(outcome)
            if unavailable:
                await self._pause(RADIO_RETRY_S)

    async def _pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while not self._stopping.is_set() and loop.time() < until:
            await asyncio.sleep(min(0.1, until - loop.time()))

    def _notify(self, outcome: BleOutcome) -> None:
        if self._on_outcome is None:
            return
        try:
            self._on_outcome(outcome)
        except Exception:
            log.exception("Bluetooth payments: the outcome handler failed")


def _log_radio(outcome: BleOutcome, unavailable: bool) -> None:
    if unavailable:
        log.error("Bluetooth payments unavailable: %s", outcome.detail)
    else:
        log.warning("Bluetooth payments available again")
