"""The sync loop inside ``validator run``: started beside the tap loop when
the unit is enrolled, wired to the pipeline (new fare rules, the degraded
list mode), stopped before the store closes. Taps never wait for it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from validator.app import App, data_dir, load_fare_rules
from validator.fares import FareRules
from validator.list_policy import ListMode

if TYPE_CHECKING:
    from sync import SyncService

__all__ = ["ledger_state", "start_sync", "stop_sync"]

log = logging.getLogger("validator")


def start_sync(app: App, data: Path | None) -> SyncService | None:
    """The running sync loop, or None (with one log line saying why)."""
    from sync import Hooks, NotEnrolled, open_service

    pipeline, crew = app.pipeline, app.crew

    def set_mode(mode: ListMode) -> None:
        pipeline.list_mode = mode

    def set_rules(rules: FareRules) -> None:
        pipeline.set_rules(rules)
        if crew is not None:
            crew.set_rules(rules)  # cash sales are priced with the same table

    try:
        service = open_service(
            app.config,
            app.store,
            data_dir(app.config, data),
            Hooks(set_rules, set_mode, app.announce_tickets),
        )
    except NotEnrolled as error:
        level = logging.WARNING if app.config.ledger.url else logging.INFO
        log.log(level, "No sync with a ledger: %s. Taps are kept until it syncs.", error)
        return None
    service.start(running_rules=load_fare_rules(app.config)[0])
    log.info("Sync with the ledger at %s runs in the background", service.client.url)
    return service


def stop_sync(service: SyncService | None) -> None:
    if service is None:
        return
    service.stop(timeout=service.client.timeout + 5)
    service.client.close()


def ledger_state(
    app: App, service: SyncService | None
) -> Literal["online", "offline", "not configured"]:
    """For systemd's STATUS= line: the ledger as the sync loop last saw it."""
    if service is not None and service.availability.online:
        return "online"
    return "offline" if app.config.ledger.url or service is not None else "not configured"
