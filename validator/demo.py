"""`validator demo`: a scripted boarding on a simulated bus.

Emulated cards are placed in the field of nfcpy's UDP device, so the real
nfcpy reader code, the real pipeline and a real SQLite journal run; only the
radio and the GPIO pins are simulated. Each answer is printed as the passenger
sees it (display, beeps, lights) and as the driver sees it (journal line).
The demo exits 1 if any answer differs from what the script expects.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from validator.app import App, build_app
from validator.config import Config, load_config, shipped_config
from validator.demo_ledger import DemoLedger
from validator.demo_media import DemoKeys, make_demo_keys
from validator.demo_remote import Remote, play_remote
from validator.demo_script import CARDS, SCENES, TIMUR, Scene
from validator.messages import Language
from validator.pipeline import Answer

if TYPE_CHECKING:
    from drivers.nfc import CardEmulator


def demo_config(data: Path, port: int, language: Language | None, keys: DemoKeys) -> Config:
    config = load_config(shipped_config("sim.toml"))
    device = replace(config.device, language=language) if language else config.device
    return replace(
        config,
        device=device,
        nfc=replace(config.nfc, path=f"udp:127.0.0.1:{port}", removal_timeout=5.0),
        store=replace(config.store, data_dir=data),
        security=keys.security(config.security),
    )


@dataclass
class Tally:
    expected: int = 0
    unexpected: int = 0


def run_demo(args: argparse.Namespace) -> int:
    from drivers.nfc import CardEmulator

    out = sys.stdout
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("nfc").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="validator-demo-") as tmp:
        port = _free_udp_port()
        keys = make_demo_keys(Path(tmp) / "keys")
        config = demo_config(Path(tmp), port, args.language, keys)
        with (
            CardEmulator("127.0.0.1", port) as emulator,
            DemoLedger(Path(tmp) / "ledger", out) as ledger,
        ):
            ledger.issue(CARDS)
            ledger.enroll(config)
            app = build_app(config, stream=out)
            try:
                sync = ledger.connect(app)  # the balance list comes down from the ledger
                tally = _board(app, emulator, keys, out)
                _remote(Remote(app, keys, ledger, sync, out), tally)  # QR, tickets, Bluetooth
                ledger.sync_up(sync)  # the journal goes up
                ledger.show_history(TIMUR, config)
                _epilogue(app, out)
            finally:
                app.close()
    return _verdict(tally, out)


def _board(app: App, emulator: CardEmulator, keys: DemoKeys, out: TextIO) -> Tally:
    bus = app.config.device
    print(f"Bus {bus.bus_number} · route {app.pipeline.trip.route} · validator {bus.id}", file=out)
    cards = app.store.card_count()
    print(f"{cards} cards in the balance list; reader {app.config.nfc.path}\n", file=out)
    tally = Tally()
    for number, scene in enumerate(SCENES, start=1):
        print(f"{number}. {scene.story}", file=out)
        answers = _play(app, emulator, scene, keys)
        _report(answers, scene, out, tally)
    return tally


def _remote(remote: Remote, tally: Tally) -> None:
    good, bad = play_remote(remote, first=len(SCENES) + 1)
    tally.expected += good
    tally.unexpected += bad


def _play(app: App, emulator: CardEmulator, scene: Scene, keys: DemoKeys) -> list[Answer]:
    if scene.companion:
        app.pipeline.press_companion()
    card = scene.card.emulated(keys, scene.tear_after)
    place, remove = emulator.place, emulator.remove
    place(card)
    timer = threading.Timer(scene.hold, remove)
    timer.start()
    answers: list[Answer] = []
    while timer.is_alive() or not answers:
        answer = app.pipeline.step(timeout=0.5)
        if answer is not None:
            answers.append(answer)
        if not timer.is_alive() and answer is None:
            break
    timer.join()
    return answers


def _report(answers: list[Answer], scene: Scene, out: TextIO, tally: Tally) -> None:
    reasons = [a.decision.reason for a in answers]
    for answer in answers:
        print(f"   driver:  {_driver_line(answer)}", file=out)
    if reasons == [scene.expect]:
        tally.expected += 1
        print(f"   ✓ {scene.note}\n", file=out)
    else:
        tally.unexpected += 1
        got = ", ".join(r.value for r in reasons) or "no answer"
        print(f"   ✗ UNEXPECTED: wanted {scene.expect.value}, got {got}\n", file=out)


def _driver_line(answer: Answer) -> str:
    row, decision = answer.row, answer.decision
    seq = f"#{row.seq}" if row is not None else "not stored"
    masked_pan = row.masked_pan if row is not None else None
    who = answer.card_number or masked_pan or f"uid {answer.uid}"
    balance = "" if decision.balance_after is None else f", balance {decision.balance_after}"
    return (
        f"{seq} {answer.medium.value} {who}: {decision.outcome.value} "
        f"({decision.reason.value}), fare {decision.fare}{balance}"
    )


def _epilogue(app: App, out: TextIO) -> None:
    check = app.store.verify_journal()
    state = "verifies" if check.ok else "is BROKEN"
    print(f"Journal: {check.rows} rows, sequence without gaps, hash chain {state}.", file=out)


def _verdict(tally: Tally, out: TextIO) -> int:
    if tally.unexpected:
        print(f"{tally.unexpected} scene(s) did not go as expected.", file=out)
        return 1
    print(f"All {tally.expected} scenes answered as expected.", file=out)
    return 0


def _free_udp_port() -> int:
    from drivers.nfc.udp_ports import free_udp_port

    return free_udp_port()
