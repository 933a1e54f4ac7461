"""`validator run`: the daemon on the bus."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING

from validator.app import App, build_app
from validator.config import load_config
from validator.console import start_console
from validator.console_pages import list_status
from validator.pipeline import Answer
from validator.run_sync import ledger_state, start_sync, stop_sync
from validator.sdnotify import Notifier
from validator.watchdog import (
    Health,
    Watchdog,
    out_of_service_status,
    ready_status,
    watchdog_interval,
)

if TYPE_CHECKING:
    from sync import SyncService

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
    stop = _stop_on_signals()
    faulthandler.enable()  # a watchdog SIGABRT dumps every thread's stack to the journal
    notifier = Notifier.from_environment(os.environ)
    sync = start_sync(app, args.data)
    console = start_console(
        app.crew, config.console.enabled, config.console.port, _console_status(app, sync)
    )
    watchdog = Watchdog(notifier, watchdog_interval(os.environ, os.getpid()), _health(app, sync))
    log.info(
        "Validator %s ready: bus %s, route %s, %d cards in the list",
        config.device.id,
        config.device.bus_number,
        config.route.number,
        app.store.card_count(),
    )
    try:
        with watchdog.running():
            watchdog.ready()
            app.pipeline.run(stop, heartbeat=watchdog.beat)
    finally:
        notifier.stopping()
        if console is not None:
            console.stop()
        stop_sync(sync)
        app.close()
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Stopping on %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return stop


def _health(app: App, sync: SyncService | None = None) -> Callable[[], Health]:
    """What systemd's STATUS= says. A storage fault keeps the watchdog fed: the
    loop is alive and recovers by itself once the disk is back; a restart would
    not free the disk. A wedged loop stops beating, and that stops the pings."""
    cards = app.store.card_count()

    def health() -> Health:
        fault = app.pipeline.fault
        if fault is not None:
            return Health(True, out_of_service_status(fault))
        ledger = ledger_state(app, sync)
        return Health(True, ready_status(app.pipeline.trip.route, cards, ledger))

    return health


def _console_status(app: App, sync: SyncService | None) -> Callable[[], dict[str, str]]:
    """What the driver console shows under Status."""

    def status() -> dict[str, str]:
        place, side = app.pipeline.context(), app.store.ledger
        info, max_age = side.list_info(), timedelta(hours=app.config.sync.max_list_age)
        shown = {
            "ledger": ledger_state(app, sync),
            "backlog": f"{side.last_seq() - side.uploaded_seq} rows",
            "list": list_status(info.version, info.received_at, datetime.now(UTC), max_age),
            "GPS": str(place.get("stop") or place.get("position") or "no fix"),
        }
        return shown | ({"fault": app.pipeline.fault} if app.pipeline.fault else {})

    return status
