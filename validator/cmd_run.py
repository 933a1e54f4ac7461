"""`validator run`: the daemon on the bus."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from validator.app import build_app
from validator.config import load_config
from validator.pipeline import Answer

log = logging.getLogger("validator")


def log_answer(answer: Answer) -> None:
    """One line per presentation, after the passenger got the answer."""
    row = answer.row
    seq = f"seq {row.seq}" if row is not None else "NOT STORED"
    log.info(
        "%s %s %s %s fare %d: %s",
        seq,
        answer.decision.outcome.value,
        answer.medium.value,
        short_card(answer.card_number, answer.uid),
        answer.decision.fare,
        answer.decision.reason.value,
    )


def short_card(card_number: str | None, uid: str | None) -> str:
    """A card as logs show it: the last four digits only, or the UID."""
    if card_number:
        return f"card …{card_number[-4:]}"
    return f"uid {uid}" if uid else "no card id"


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    app = build_app(
        config, data=args.data, nfc_path=args.nfc, stream=sys.stdout, on_answer=log_answer
    )
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Stopping on %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info(
        "Validator %s ready: bus %s, route %s, %d cards in the list",
        config.device.id,
        config.device.bus_number,
        config.route.number,
        app.store.card_count(),
    )
    try:
        app.pipeline.run(stop)
    finally:
        app.close()
    return 0
