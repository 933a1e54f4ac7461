"""Run `validator run` as a real process and tap emulated cards on it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from drivers.nfc import CardEmulator, ClassicCard

READY = re.compile(r"ready: bus")
ANSWERED = re.compile(r"(seq \d+|NOT STORED) (accepted|declined)")


def _port(config: Path) -> int:
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    return int(data["nfc"]["path"].rsplit(":", 1)[1])


def _wait_for(proc: subprocess.Popen[str], pattern: re.Pattern[str], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if pattern.search(line):
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"the daemon never said {pattern.pattern!r}")


def tap_through_daemon(config: Path, uids: list[str]) -> list[str]:
    """Start the daemon, tap each card once, stop it with SIGTERM; return its answer lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator.cli", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers = []
    try:
        with CardEmulator("127.0.0.1", _port(config)) as emulator:
            _wait_for(proc, READY, 30)
            for uid in uids:
                emulator.place(ClassicCard(bytes.fromhex(uid)))
                answers.append(_wait_for(proc, ANSWERED, 10))
                emulator.remove()
                time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    return answers
