"""Sync with the reference ledger on loopback, each figure beside a floor
measured in the same run:

(a) a backlog of 100 000 taps uploaded by the real sync client (journal read,
    columnar gzip batches, signed POSTs, acknowledgements recorded) beside raw
    signed POSTs of the same kind of pre-encoded bodies: taps/s (target
    >= 20 000) and bytes per tap on the wire (target <= 60);
(b) a 1 000 000-card snapshot verified and applied to the store beside a bare
    ``executemany`` of the same rows into a table of the same definition
    (target <= 2x);
(c) tap p99 (decision + durable commit) while a 100 000-entry delta is
    downloaded, verified and applied on a background thread, beside idle tap
    p99 on the same store (target <= 1.5x).

    .venv/bin/python bench/sync.py [--cards 1000000] [--taps 100000]

The ledger runs in its own process (``python -m ledger serve``), so its work
does not compete with the device's threads for the GIL, as on a real bus.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync_delta import Background, apply_delta, bench_delta_taps  # noqa: E402

from ledger.admin_client import AdminClient  # noqa: E402
from ledger.cards import card_number_for  # noqa: E402
from ledger.device_auth import DeviceAuth  # noqa: E402
from ledger.signing import admin_token  # noqa: E402
from ledger.wire import encode_batch  # noqa: E402
from offline_store import OfflineStore, TapRecord  # noqa: E402
from offline_store.hashing import GENESIS_HASH  # noqa: E402
from offline_store.journal import build_row  # noqa: E402
from sync import LedgerClient, enroll  # noqa: E402
from sync.keys import load_enrollment, load_key  # noqa: E402
from sync.lists import prepare_update  # noqa: E402
from sync.upload import upload_backlog  # noqa: E402
from validator.config import load_config  # noqa: E402
from validator.model import Medium, Outcome, Reason  # noqa: E402

ZONE = ZoneInfo("Asia/Almaty")
BATCH = load_config(None).sync.batch_size
TIMEOUT = 600.0


# --- the ledger and the devices ---------------------------------------------


class Ledger:
    """``python -m ledger serve`` in its own process on a free port."""

    def __init__(self, data: Path) -> None:
        self.data, self.port = data, _free_port()
        command = [sys.executable, "-m", "ledger", "--data", str(data), "serve", "--port",
                   str(self.port)]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{self.port}"
        _wait_for(f"{self.url}/v1/time")
        self.admin = AdminClient(self.url, admin_token(data), timeout=TIMEOUT)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@dataclass
class Device:
    device_id: str
    data: Path
    store: OfflineStore
    client: LedgerClient


def enrolled(ledger: Ledger, folder: Path, device_id: str) -> Device:
    data = folder / device_id
    code = ledger.admin.enrollment_code(device_id[:16])
    key_file = data / "device-ed25519.pem"
    enroll(ledger.url, code, data_dir=data, device_id=device_id, key_path=key_file, timeout=30)
    client = LedgerClient(ledger.url, TIMEOUT, load_key(key_file), device_id)
    return Device(device_id, data, OfflineStore.open(data, device_id), client)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# --- taps ---------------------------------------------------------------------


def tap_record(card: str, seq: int) -> TapRecord:
    return TapRecord(
        time=datetime.now(UTC),
        mono_ns=time.monotonic_ns(),
        medium=Medium.DESFIRE,
        card_number=card,
        uid=None,
        route="12",
        direction="forward",
        fare=80,
        riders=1,
        balance_after=5000 - 80 - seq % 7 * 80,
        result=Outcome.ACCEPTED,
        reason=Reason.PAID,
    )


def fill_journal(store: OfflineStore, cards: list[str]) -> None:
    for seq, card in enumerate(cards, start=1):
        store.record(tap_record(card, seq))


def encoded_bodies(device_id: str, cards: list[str], batch: int) -> list[bytes]:
    rows, prev = [], GENESIS_HASH
    for seq, card in enumerate(cards, start=1):
        row = build_row(tap_record(card, seq), device_id, seq, prev)
        rows.append(row.as_dict())
        prev = row.hash
    return [encode_batch(rows[i : i + batch]) for i in range(0, len(rows), batch)]


# --- (a) upload -----------------------------------------------------------------


def header_counter(session: requests.Session) -> list[int]:
    """Bytes of request lines and headers sent through ``session``."""
    sizes: list[int] = []

    def count(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        head = f"{request.method} {request.path_url} HTTP/1.1\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in request.headers.items()) + "\r\n"
        sizes.append(len(head.encode("latin-1")))

    session.hooks["response"].append(count)
    return sizes


def floor_upload(ledger: Ledger, device: Device, bodies: list[bytes]) -> tuple[float, int, int]:
    key = load_key(device.data / "device-ed25519.pem")
    session = requests.Session()
    heads = header_counter(session)
    auth = DeviceAuth(key, device.device_id)
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    started = time.perf_counter()
    for body in bodies:
        answer = session.post(
            f"{ledger.url}/v1/taps", data=body, headers=headers, auth=auth, timeout=TIMEOUT
        )
        answer.raise_for_status()
    return time.perf_counter() - started, sum(map(len, bodies)), sum(heads)


def our_upload(device: Device) -> tuple[float, int, int, int]:
    heads = header_counter(device.client.session)
    started = time.perf_counter()
    report = upload_backlog(device.store, device.client, BATCH)
    elapsed = time.perf_counter() - started
    assert report.backlog == 0, report
    return elapsed, device.client.bytes_sent, sum(heads), report.accepted


def bench_upload(ledger: Ledger, folder: Path, taps: int, between: Callable[[], None]) -> None:
    print(f"\n(a) upload of a {taps:,}-tap backlog, batches of {BATCH}")
    ours_dev, floor_dev = enrolled(ledger, folder, "BENCH-UP"), enrolled(ledger, folder, "BENCH-FL")
    started = time.perf_counter()
    fill_journal(ours_dev.store, [card_number_for(serial) for serial in range(1, taps + 1)])
    floor_cards = [card_number_for(serial) for serial in range(taps + 1, 2 * taps + 1)]
    bodies = encoded_bodies(floor_dev.device_id, floor_cards, BATCH)
    print(f"    journal of {taps:,} taps and the floor's bodies built in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    f_time, f_body, f_head = floor_upload(ledger, floor_dev, bodies)
    between()
    o_time, o_body, o_head, accepted = our_upload(ours_dev)
    assert accepted == taps
    _print_upload(taps, (f_time, f_body, f_head), (o_time, o_body, o_head))
    ours_dev.store.close()
    floor_dev.store.close()


def catch_up(device: Device) -> Callable[[], None]:
    """Apply the list changes so far, so the next delta holds only what follows."""

    def apply() -> None:
        apply_delta(device.store, device.client, Background({}))

    return apply


def _print_upload(taps: int, floor: tuple[float, int, int], ours: tuple[float, int, int]) -> None:
    for name, (elapsed, body, head) in (("floor: raw signed POSTs", floor), ("sync client", ours)):
        per_tap, with_heads = body / taps, (body + head) / taps
        print(f"    {name:24} {taps / elapsed:9,.0f} taps/s  {elapsed:6.2f} s  "
              f"body {per_tap:5.1f} B/tap  with headers {with_heads:5.1f} B/tap")  # fmt: skip
    rate = taps / ours[0]
    print(f"    ratio to floor: {floor[0] / ours[0]:.2f} of the floor's rate; "
          f"vs target 20 000 taps/s: {rate / 20_000:.2f}x; "
          f"bytes vs target 60 B/tap: {(ours[1] + ours[2]) / taps / 60:.2f}x")  # fmt: skip


# --- (b) snapshot ---------------------------------------------------------------


def bench_snapshot(device: Device, folder: Path) -> None:
    enrollment = load_enrollment(device.data)
    started = time.perf_counter()
    download = device.client.lists(since=0)
    fetched = time.perf_counter() - started
    now = datetime.now(UTC)
    started = time.perf_counter()
    update = prepare_update(download, enrollment.ledger_key, device.device_id, 0, now)
    verified = time.perf_counter() - started
    applied = device.store.ledger.apply_list(update, now)
    ours = time.perf_counter() - started
    rows = _card_tuples(download.data, applied.version)
    same, bare = _bare_executemany(device.store.path, folder, rows)
    print(f"\n(b) snapshot of {applied.cards:,} cards: {len(download.data) / 1e6:.1f} MB on the "
          f"wire, downloaded in {fetched:.2f} s (not counted below)")  # fmt: skip
    print(f"    ours: verify {verified:.2f} s + apply {ours - verified:.2f} s = {ours:.2f} s")
    print(f"    floor: bare executemany into a table of the same definition {same:.2f} s "
          f"(into a table without keys: {bare:.2f} s)")  # fmt: skip
    print(
        f"    ratio {ours / same:.2f}x (target <= 2); against the keyless table {ours / bare:.2f}x"
    )


def _card_tuples(gzipped: bytes, version: int) -> list[tuple[Any, ...]]:
    lines = gzip.decompress(gzipped).split(b"\n")[1:-2]
    rows = (json.loads(line) for line in lines)
    return [(r[1], r[2], r[5], r[4], r[3], r[6], version, r[7], r[8], r[9])
            for r in rows if r[0] == "c"]  # fmt: skip


_DDL = "SELECT sql FROM sqlite_master WHERE tbl_name = 'cards' AND sql IS NOT NULL"


def _bare_executemany(
    store_db: Path, folder: Path, rows: list[tuple[Any, ...]]
) -> tuple[float, float]:
    with sqlite3.connect(f"file:{store_db}?mode=ro", uri=True) as source:
        ddl = [sql for (sql,) in source.execute(_DDL)]
    keyless = "CREATE TABLE cards (a, b, c, d, e, f, g, h, i, j)"
    return _timed_insert(folder / "bare-same.db", ddl, rows), _timed_insert(
        folder / "bare-keyless.db", [keyless], rows
    )


def _timed_insert(path: Path, ddl: list[str], rows: list[tuple[Any, ...]]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for statement in ddl:
        conn.execute(statement)
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


# --- main -----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--taps", type=int, default=100_000)
    parser.add_argument("--warm-taps", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sync-", dir=ROOT) as tmp:
        folder = Path(tmp)
        ledger = Ledger(folder / "ledger")
        try:
            _run(ledger, folder, args)
        finally:
            ledger.stop()


def _run(ledger: Ledger, folder: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    ledger.admin.call("POST", "/v1/admin/cards/batch", {"count": args.cards, "balance": 5000})
    print(f"ledger: {args.cards:,} cards issued in {time.perf_counter() - started:.1f} s")
    lists = enrolled(ledger, folder, "BENCH-LISTS")
    bench_snapshot(lists, folder)
    bench_upload(ledger, folder, args.taps, catch_up(lists))  # our upload makes the delta
    bench_delta_taps(lists.store, lists.client, args.cards, args.warm_taps)
    lists.store.close()


if __name__ == "__main__":
    main()
