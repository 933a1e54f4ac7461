"""Decision + durable commit of one tap with 1 000 000 cards in the list,
beside bare SQLite doing the same lookup + insert + commit in the same run.

    .venv/bin/python bench/tap.py [--cards 1000000] [--taps 3000]

Prints p50/p99 for both and the ratio (target: p99 ratio <= 1.3), then peak
resident memory of a validator process with the full list beside a bare
SQLite process on the same list (target: < 60 MB), and the time until the
validator is ready to take taps (target: < 1 s).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from offline_store import CardRow, OfflineStore, TapRecord  # noqa: E402
from validator.app import load_fare_rules  # noqa: E402
from validator.config import load_config, shipped_config  # noqa: E402
from validator.decide import decide  # noqa: E402
from validator.model import (  # noqa: E402
    CardStatus,
    Category,
    Medium,
    Presentation,
    Tenge,
    TripContext,
)

ZONE = ZoneInfo("Asia/Almaty")


def card_number(i: int) -> str:
    return f"9643{i:015d}"


def build_lists(ours: Path, bare: Path, cards: int) -> None:
    started = time.perf_counter()
    store = OfflineStore.open(ours, "BENCH-1")
    rows = [
        CardRow(
            card_number=card_number(i),
            uid=None,
            balance=Tenge(5000),
            category=Category.STANDARD,
            status=CardStatus.ACTIVE,
        )
        for i in range(cards)
    ]
    store.import_cards(rows, list_version=1)
    store.close()
    _build_bare(bare / "bare.db", cards)
    print(f"built two lists of {cards:,} cards in {time.perf_counter() - started:.1f} s")


def _open_bare(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def _build_bare(path: Path, cards: int) -> None:
    conn = _open_bare(path)
    conn.execute("CREATE TABLE cards (card_number TEXT PRIMARY KEY, balance INT)")
    conn.execute("CREATE TABLE taps (seq INTEGER PRIMARY KEY, card_number TEXT, fare INT, t TEXT)")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO cards VALUES (?, 5000)", ((card_number(i),) for i in range(cards))
    )
    conn.execute("COMMIT")
    conn.close()


def ours_tap(store: OfflineStore, rules: object, trip: TripContext) -> Callable[[str], None]:
    def tap(number: str) -> None:
        now = datetime.now(ZONE)
        presentation = Presentation(Medium.DESFIRE, card_number=number)
        account = store.account(number, now)
        decision = decide(presentation, account, rules, trip, now)  # type: ignore[arg-type]
        store.record(
            TapRecord(
                time=now,
                mono_ns=time.monotonic_ns(),
                medium=presentation.medium,
                card_number=number,
                uid=None,
                route=trip.route,
                direction=trip.direction,
                fare=decision.fare,
                riders=decision.riders,
                balance_after=decision.balance_after,
                result=decision.outcome,
                reason=decision.reason,
            )
        )

    return tap


def bare_tap(conn: sqlite3.Connection) -> Callable[[str], None]:
    def tap(number: str) -> None:
        conn.execute("BEGIN IMMEDIATE")
        (balance,) = conn.execute(
            "SELECT balance FROM cards WHERE card_number = ?", (number,)
        ).fetchone()
        conn.execute(
            "INSERT INTO taps (card_number, fare, t) VALUES (?, ?, ?)",
            (number, 80 if balance > 80 else 0, datetime.now(ZONE).isoformat()),
        )
        conn.execute("COMMIT")

    return tap


def timed(tap: Callable[[str], None], numbers: list[str]) -> list[float]:
    out = []
    for number in numbers:
        started = time.perf_counter_ns()
        tap(number)
        out.append((time.perf_counter_ns() - started) / 1e6)
    return out


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1]


def latency(ours_dir: Path, bare_dir: Path, cards: int, taps: int) -> None:
    config = load_config(shipped_config("sim.toml"))
    rules, _ = load_fare_rules(config)
    trip = TripContext("12")
    store = OfflineStore.open(ours_dir, "BENCH-1")
    conn = _open_bare(bare_dir / "bare.db")
    ours_fn, bare_fn = ours_tap(store, rules, trip), bare_tap(conn)
    rng = random.Random(7)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(taps // 100):  # interleave blocks so both see the same disk
        ours += timed(ours_fn, [card_number(rng.randrange(cards)) for _ in range(100)])
        bare += timed(bare_fn, [card_number(rng.randrange(cards)) for _ in range(100)])
    store.close()
    conn.close()
    _print_latency(ours, bare)


def _print_latency(ours: list[float], bare: list[float]) -> None:
    o50, o99 = percentile(ours, 0.5), percentile(ours, 0.99)
    b50, b99 = percentile(bare, 0.5), percentile(bare, 0.99)
    print(f"taps measured: {len(ours)} ours, {len(bare)} bare (interleaved)")
    print(f"bare SQLite  lookup+insert+commit  p50 {b50:7.3f} ms  p99 {b99:7.3f} ms")
    print(f"validator    decide+durable commit p50 {o50:7.3f} ms  p99 {o99:7.3f} ms")
    print(f"ratio p50 {o50 / b50:.2f}   ratio p99 {o99 / b99:.2f}   (target p99 <= 1.3)")


PROBE_OURS = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from validator.app import build_app
from validator.config import load_config, shipped_config
from dataclasses import replace
import io
c = load_config(shipped_config("sim.toml"))
c = replace(c, nfc=replace(c.nfc, backend="none"), store=replace(c.store, data_dir=sys.argv[1]),
            device=replace(c.device, id="BENCH-1"))
app = build_app(c, stream=io.StringIO())
ready = time.perf_counter() - t0
from validator.model import Medium, Presentation
from datetime import datetime
from zoneinfo import ZoneInfo
import random
rng = random.Random(1)
for _ in range(2000):
    n = f"9643{rng.randrange(int(sys.argv[2])):015d}"
    app.store.account(n, datetime.now(ZoneInfo("Asia/Almaty")))
app.close()
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(ready, int(hwm) / 1024)
"""

PROBE_BARE = """
import sqlite3, sys, time, random
t0 = time.perf_counter()
conn = sqlite3.connect(sys.argv[1] + "/bare.db")
conn.execute("SELECT count(*) FROM cards").fetchone()
ready = time.perf_counter() - t0
rng = random.Random(1)
for _ in range(2000):
    conn.execute("SELECT balance FROM cards WHERE card_number = ?",
                 (f"9643{rng.randrange(int(sys.argv[2])):015d}",)).fetchone()
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(ready, int(hwm) / 1024)
"""


def probe(script: str, data: Path, cards: int) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", script, str(data), str(cards)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    return float(out[-2]), float(out[-1])


def memory_and_start(ours_dir: Path, bare_dir: Path, cards: int) -> None:
    ready, rss = probe(PROBE_OURS, ours_dir, cards)
    bare_ready, bare_rss = probe(PROBE_BARE, bare_dir, cards)
    print(
        f"peak RSS: validator {rss:.1f} MB, bare sqlite3 process {bare_rss:.1f} MB, "
        f"ratio {rss / bare_rss:.2f}   (target < 60 MB)"
    )
    print(
        f"ready: validator {ready * 1000:.0f} ms (imports, config, fare table, store open), "
        f"bare sqlite3 open {bare_ready * 1000:.0f} ms   (target < 1000 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--taps", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-tap-", dir=ROOT) as tmp:
        ours, bare = Path(tmp) / "ours", Path(tmp) / "bare"
        bare.mkdir()
        build_lists(ours, bare, args.cards)
        latency(ours, bare, args.cards, args.taps)
        memory_and_start(ours, bare, args.cards)


if __name__ == "__main__":
    main()
