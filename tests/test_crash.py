"""kill -9 the daemon at random moments during a stream of taps: no tap the
passenger was answered for is lost, the sequence has no gaps and the hash
chain verifies."""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from drivers.nfc import CardEmulator, ClassicCard
from offline_store import OfflineStore
from tests.helpers import free_udp_port, import_cards_csv, write_unit_config

KILLS = 22
CARDS = [(f"{0x10000000 + i:08X}", f"96431080000000{i:05d}") for i in range(12)]
ACK = re.compile(r"seq (\d+) (accepted|declined) \w+ card …(\d{4}) fare (\d+)")


class Feeder(threading.Thread):
    """Passengers tapping one after another, for as long as the test runs."""

    def __init__(self, emulator: CardEmulator) -> None:
        super().__init__(daemon=True)
        self.emulator, self.stop = emulator, threading.Event()

    def run(self) -> None:
        rng = random.Random(3)
        while not self.stop.is_set():
            uid, _ = rng.choice(CARDS)
            self.emulator.place(ClassicCard(bytes.fromhex(uid)))
            time.sleep(rng.uniform(0.05, 0.3))
            self.emulator.remove()
            time.sleep(rng.uniform(0.02, 0.1))


def _run_and_kill(config: Path, after: float) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator.cli", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    collector = threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True)
    collector.start()
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    collector.join(timeout=5)
    return lines


def _acknowledged(lines: list[str]) -> dict[int, tuple[str, int]]:
    acks = {}
    for line in lines:
        match = ACK.search(line)
        if match:
            acks[int(match[1])] = (match[3], int(match[4]))
    return acks


def test_killing_the_daemon_at_random_moments_loses_no_answered_tap(tmp_path: Path) -> None:
    port = free_udp_port()
    config = write_unit_config(tmp_path, port, removal_timeout=1.0)
    import_cards_csv(config, [(uid, number, 100000) for uid, number in CARDS])
    rng = random.Random(11)
    acknowledged: dict[int, tuple[str, int]] = {}
    with CardEmulator("127.0.0.1", port) as emulator:
        feeder = Feeder(emulator)
        feeder.start()
        for _ in range(KILLS):
            acknowledged |= _acknowledged(_run_and_kill(config, rng.uniform(0.4, 2.5)))
        feeder.stop.set()
        feeder.join()
    store = OfflineStore.open(tmp_path / "data", "CRASH-1")
    try:
        rows = {row.seq: row for row in store.journal()}
        check = store.verify_journal()
    finally:
        store.close()
    assert len(acknowledged) >= KILLS, "too few taps were answered to prove anything"
    assert check.ok, check.problems
    assert sorted(rows) == list(range(1, len(rows) + 1))
    for seq, (last4, fare) in acknowledged.items():
        assert seq in rows, f"answered tap seq {seq} was lost"
        assert rows[seq].card_number is not None
        assert (rows[seq].card_number[-4:], rows[seq].fare) == (last4, fare)
