"""Retry pacing and the "say it once" log of the ledger's availability.

:class:`Backoff` doubles the wait after each failure up to a cap, with jitter
(a random half to whole of the step), so a fleet of buses coming back after
an outage does not hit the ledger in step. :class:`Availability` logs once
when the ledger becomes unreachable and once when it is back (the Home
Assistant coordinator's rule), never on every retry; the same for a refusal
or any other problem: logged when it first appears or changes.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Availability", "Backoff"]

log = logging.getLogger("sync")


@dataclass
class Backoff:
    cap: float
    base: float = 1.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        """The wait before the next try; call once per failure."""
        step = min(self.cap, self.base * 2.0 ** min(self.failures, 30))
        self.failures += 1
        return step * self.rng.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


class Availability:
    """Reachable or not, as last seen; logs only the changes."""

    def __init__(self, url: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.online: bool | None = None  # None: not tried yet
        self.problem: str | None = None
        self._clock = clock
        self._down_since: float | None = None

    def unreachable(self, why: str, backlog: int) -> None:
        if self.online is not False:
            log.warning(
                "The ledger at %s is unreachable (%s). Taps go on offline; %d tap(s) wait "
                "for upload. Retrying in the background.",
                self.url,
                why,
                backlog,
            )
            self._down_since = self._clock()
        self.online = False

    def reachable(self, backlog: int) -> None:
        if self.online is False:
            offline = self._clock() - (self._down_since or self._clock())
            log.info(
                "The ledger at %s is reachable again after %s offline; %d tap(s) to upload.",
                self.url,
                _span(offline),
                backlog,
            )
        self.online = True

    def trouble(self, text: str, level: int = logging.ERROR) -> None:
        """A refusal or other problem: logged when it is new, not on every retry."""
        if text != self.problem:
            log.log(level, "%s", text)
        self.problem = text

    def clear(self) -> None:
        if self.problem is not None:
            log.info("Sync with the ledger at %s works again", self.url)
        self.problem = None


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
