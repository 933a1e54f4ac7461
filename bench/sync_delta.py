"""Part (c) of bench/sync.py: tap latency while a delta is applied.

Taps (account lookup + ``decide`` + durable journal row, as bench/tap.py) run
on the main thread while a background thread does what the sync loop does
for a list: download, verify (no lock), apply (in slices,
offline_store/list_apply.py). The idle figure is the same taps for as long
again right after, so both see the same journal size and checkpoints.
Measured three times on the same 100 000-card delta:

1. the ledger *remote* (the delta's bytes, recorded from the ledger
   beforehand, served by a small HTTP server in another process, so this
   machine's CPUs do only the device's work, as on a bus), taps back to back;
2. the same with a tap every 2 ms (500 a second, far above a door's rate);
3. the ledger *on this machine*, generating the delta while it is downloaded
   (it then competes with the tap thread for this VM's two vCPUs).
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ledger.cards import card_number_for
from offline_store import OfflineStore, TapRecord
from sync import LedgerClient
from sync.keys import DEVICE_KEY_FILE, load_key
from sync.lists import prepare_update
from validator.app import load_fare_rules
from validator.config import load_config, shipped_config
from validator.decide import decide
from validator.fares import FareRules
from validator.model import Medium, Presentation, TripContext

ZONE = ZoneInfo("Asia/Almaty")
APPLY = "apply (in slices, taps between them)"
PACED_GAP = 0.002  # 500 taps a second: far above one door's rate, below back to back

REPLAY = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
body = open(sys.argv[1], "rb").read()
class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def tapper(store: OfflineStore, rules: FareRules, cards: int) -> Callable[[], float]:
    trip, rng = TripContext("12"), random.Random(11)

    def tap() -> float:
        number = card_number_for(rng.randrange(1, cards + 1))
        started = time.perf_counter_ns()
        with store.tap_in_progress():  # as Pipeline.present
            now = datetime.now(ZONE)
            presentation = Presentation(Medium.DESFIRE, card_number=number)
            decision = decide(presentation, store.account(number, now), rules, trip, now)
            store.record(_recorded(number, decision))
        return (time.perf_counter_ns() - started) / 1e6

    return tap


def _recorded(number: str, decision: Any) -> TapRecord:
    return TapRecord(
        time=datetime.now(ZONE), mono_ns=time.monotonic_ns(), medium=Medium.DESFIRE,
        card_number=number, uid=None, route="12", direction="forward", fare=decision.fare,
        riders=decision.riders, balance_after=decision.balance_after, result=decision.outcome,
        reason=decision.reason,
    )  # fmt: skip


@dataclass
class Background:
    phases: dict[str, tuple[float, float]]  # name: (start, end), perf_counter seconds
    cards: int = 0

    def timed(self, name: str, step: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = step()
        self.phases[name] = (started, time.perf_counter())
        return result


def apply_delta(
    store: OfflineStore, client: LedgerClient, done: Background, held: int | None = None
) -> None:
    """What the sync loop does for a list, phase by phase (as ``sync.lists.fetch_list``)."""
    held = store.list_version if held is None else held
    key, device, now = _ledger_key(store), store.device_id, datetime.now(UTC)
    download = done.timed("download", lambda: client.lists(since=held))
    update = done.timed(
        "verify (no lock)", lambda: prepare_update(download, key, device, held, now)
    )
    done.cards = done.timed(APPLY, lambda: store.ledger.apply_list(update, now)).cards


def _ledger_key(store: OfflineStore) -> Any:
    from sync.keys import load_enrollment

    return load_enrollment(store.path.parent).ledger_key


def bench_delta_taps(store: OfflineStore, client: LedgerClient, cards: int, warm_taps: int) -> None:
    rules, _ = load_fare_rules(load_config(shipped_config("sim.toml")))
    tap = tapper(store, rules, cards)
    for _ in range(warm_taps):
        tap()  # warm the cache
    held = store.list_version
    recorded = client.lists(since=held)
    key = load_key(store.path.parent / DEVICE_KEY_FILE)
    with tempfile.NamedTemporaryFile(suffix=".gz") as body, _replay(body, recorded.data) as url:
        remote = LedgerClient(url, client.timeout, key, store.device_id)
        for title, gap in (("back to back", 0.0), (f"every {PACED_GAP * 1000:.0f} ms", PACED_GAP)):
            where = f"the ledger remote (its bytes replayed from another process), taps {title}"
            _round(where, paced(tap, gap), lambda done: apply_delta(store, remote, done, held))
    _round("the ledger on this VM, generating the delta meanwhile, taps back to back", tap,
           lambda done: apply_delta(store, client, done, held))  # fmt: skip


def paced(tap: Callable[[], float], gap: float) -> Callable[[], float]:
    """``tap``, then a sleep so that taps begin every ``gap`` seconds."""
    if not gap:
        return tap

    def one() -> float:
        started = time.perf_counter()
        ms = tap()
        time.sleep(max(0.0, gap - (time.perf_counter() - started)))
        return ms

    return one


class _replay:
    """A light HTTP server in another process that answers every GET with ``data``."""

    def __init__(self, file: Any, data: bytes) -> None:
        file.write(data)
        file.flush()
        self.process = subprocess.Popen(
            [sys.executable, "-c", REPLAY, file.name], stdout=subprocess.PIPE, text=True
        )

    def __enter__(self) -> str:
        assert self.process.stdout is not None
        return f"http://127.0.0.1:{self.process.stdout.readline().strip()}"

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _round(title: str, tap: Callable[[], float], work: Callable[[Background], None]) -> None:
    """Taps while ``work`` runs on a thread, then as long again without it (idle)."""
    done = Background({})
    worker = threading.Thread(target=work, args=(done,))
    busy: list[tuple[float, float]] = []  # (start, ms)
    started = time.perf_counter()
    worker.start()
    while worker.is_alive():
        busy.append((time.perf_counter(), tap()))
    worker.join()
    took, idle = time.perf_counter() - started, []
    started = time.perf_counter()
    while time.perf_counter() - started < took:
        idle.append(tap())
    _print_delta(title, idle, busy, done)


def _print_delta(
    title: str, idle: list[float], busy: list[tuple[float, float]], done: Background
) -> None:
    during = [ms for _, ms in busy]
    i99, b99 = _p(idle, 0.99), _p(during, 0.99)
    print(f"\n(c) taps while a delta of {done.cards:,} cards is applied in the background: {title}")
    for phase, (start, end) in done.phases.items():
        slow = sum(1 for at, ms in busy if start <= at < end and ms > 2 * i99)
        taps = sum(1 for at, _ in busy if start <= at < end)
        print(f"    background {phase}: {end - start:.2f} s; {taps} taps began, {slow} of them "
              f"slower than 2x idle p99")  # fmt: skip
    for name, values in (("during", during), ("idle", idle)):
        print(f"    {name:6} {len(values):6} taps  p50 {_p(values, 0.5):.3f} ms  "
              f"p99 {_p(values, 0.99):.3f} ms  max {max(values):.2f} ms")  # fmt: skip
    print(f"    ratio p99 {b99 / i99:.2f}x (target <= 1.5); idle: the same taps for as long "
          f"again right after, without the list")  # fmt: skip


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1]
