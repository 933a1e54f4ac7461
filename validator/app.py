"""The composition root: the one place that reads the configuration and wires
drivers to the core by name. The daemon on a Pi and the demo on a laptop are
this same code with different configuration.
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from offline_store import OfflineStore
from validator.clock import SystemClock
from validator.config import Config, ConfigError, fares_path
from validator.crew_service import CrewService
from validator.crew_wiring import attach_crew
from validator.fares import FareRules, FareTableError, parse_fare_table
from validator.media_keys import MediaKeys, load_media_keys, media_policy, secure_media_setup
from validator.model import TripContext
from validator.pipeline import Answer, Pipeline, PipelineSettings
from validator.ports import CardReader, Feedback
from validator.sources import Sources, start_sources

log = logging.getLogger("validator")


@dataclass
class App:
    config: Config
    store: OfflineStore
    reader: CardReader
    feedback: Feedback
    pipeline: Pipeline
    sources: Sources = field(default_factory=Sources)  # QR scanner, Bluetooth, GPS
    crew: CrewService | None = None  # shifts, cash, inspection (None: no crew list)

    def announce_tickets(self, tickets: list[dict[str, Any]]) -> None:
        """Sync stored new SMS or messenger tickets: one chirp and line each."""
        from validator.ticket_arrivals import announce

        announce(self.feedback, self.config.device.language, tickets)

    def close(self) -> None:
        self.sources.close()
        self.reader.close()
        self.feedback.close()
        if self.crew is not None:
            self.crew.close()
        self.store.close()


def data_dir(config: Config, override: Path | None) -> Path:
    return override if override is not None else Path(config.store.data_dir)


def open_store(config: Config, override: Path | None = None) -> OfflineStore:
    return OfflineStore.open(data_dir(config, override), config.device.id)


def load_fare_rules(config: Config) -> tuple[FareRules, str]:
    """Read and check the fare table; a bad table is a configuration error."""
    path = fares_path(config)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
        return parse_fare_table(raw, source=str(path)), json.dumps(raw, sort_keys=True, default=str)
    except OSError as exc:
        raise ConfigError(
            f"fare table {path} cannot be read ({exc.strerror}); check fares.file"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"fare table {path} is not valid TOML: {exc}") from exc
    except FareTableError as exc:
        raise ConfigError(str(exc), file=path, key=exc.key_path) from exc


def build_reader(
    config: Config, nfc_path: str | None = None, keys: MediaKeys | None = None
) -> CardReader:
    """The NFC backend named in the config, taking the secure media whose keys
    are configured; a device that will not open raises."""
    backend = config.nfc.backend
    if backend == "none":
        from drivers.nfc import NoReader

        return NoReader()
    from drivers.nfc import NfcpyReader
    from drivers.nfc.secure_media import secure_media_applications

    setup = secure_media_setup(config, keys or load_media_keys(config.security))
    return NfcpyReader.open(
        nfc_path or config.nfc.path,
        poll_timeout=config.nfc.poll_timeout,
        applications=secure_media_applications(setup),
    )


def build_feedback(config: Config, stream: TextIO) -> Feedback:
    from drivers.feedback import build_feedback as build

    return build(config.feedback, stream)


def build_app(
    config: Config,
    *,
    data: Path | None = None,
    nfc_path: str | None = None,
    stream: TextIO,
    on_answer: Callable[[Answer], None] | None = None,
) -> App:
    """Open every part in an order that leaves nothing half-open on failure."""
    rules, body = load_fare_rules(config)
    keys = load_media_keys(config.security)
    store = open_store(config, data)
    try:
        _install_fare_table(store, rules, body)
        feedback = build_feedback(config, stream)
        reader = _open_reader_or_close(config, nfc_path, feedback, keys)
    except BaseException:
        store.close()
        raise
    pipeline = _pipeline(config, reader, store, feedback, rules, on_answer)
    pipeline.media = replace(
        media_policy(config, keys),
        bus_number=config.device.bus_number,
        ticket_leeway_s=config.tickets.leeway,
    )
    app = App(config, store, reader, feedback, pipeline)
    try:
        app.crew = attach_crew(config, store, pipeline, rules, feedback.display)
        stops = store.routes.stops(config.route.number)  # from the ledger's signed route data
        now = SystemClock.named(config.device.timezone).now
        app.sources = start_sources(config, pipeline, now, stops=stops, store=store)
    except BaseException:
        app.close()
        raise
    return app


def _open_reader_or_close(
    config: Config, nfc_path: str | None, feedback: Feedback, keys: MediaKeys
) -> CardReader:
    try:
        return build_reader(config, nfc_path, keys)
    except BaseException:
        feedback.close()
        raise


def _install_fare_table(store: OfflineStore, rules: FareRules, body: str) -> None:
    current = store.fare_table()
    if current is None or current[0] != rules.version:
        store.set_fare_table(rules.version, body)
        log.info("Fare table version %d installed", rules.version)


def _pipeline(
    config: Config,
    reader: CardReader,
    store: OfflineStore,
    feedback: Feedback,
    rules: FareRules,
    on_answer: Callable[[Answer], None] | None,
) -> Pipeline:
    settings = PipelineSettings(
        poll_timeout=config.nfc.poll_timeout, removal_timeout=config.nfc.removal_timeout
    )
    trip = TripContext(config.route.number, config.route.direction)
    clock = SystemClock.named(config.device.timezone)
    return Pipeline(
        reader, store, feedback, rules, trip, config.device.language, clock, settings, on_answer
    )
