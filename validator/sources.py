"""The presentation sources beside the NFC reader, chosen by configuration:
the QR scanner (``[qr]``), Bluetooth payments (``[ble]``) and the GPS receiver
(``[gps]``). Each is ``"none"`` or a backend; a configured device that will not
open raises ``DeviceUnavailable`` (exit 69), never a silent fallback.

Every code and phone goes through ``Pipeline.present``, so it is decided,
journaled and beeped like a card tap; the GPS sets ``pipeline.context`` so each
tap records where the bus was. Driver libraries are imported only here,
inside the functions that need them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from validator.config import Config
from validator.model import Medium, Presentation, Reason
from validator.pipeline import Answer, Pipeline
from validator.ports import CardRead, Rejection
from validator.qr import QrCode, QrPolicy, classify_qr
from validator.stops import Position, Stop, nearest_stop
from validator.tokens import TokenRejection, qr_text_to_token

if TYPE_CHECKING:
    from drivers.ble import Air, BleResult
    from drivers.gps import GpsState
    from drivers.qr import ScanEvent
    from offline_store import OfflineStore

__all__ = ["Sources", "gps_context", "qr_answer", "start_sources"]

log = logging.getLogger("validator.sources")


@dataclass
class Sources:
    """What was started; ``close()`` stops it all, newest first."""

    closers: list[Callable[[], None]] = field(default_factory=list)
    gps_state: Callable[[], GpsState] | None = None
    air: Air | None = None  # the simulated radio's air, where demos place phones

    def close(self) -> None:
        while self.closers:
            try:
                self.closers.pop()()
            except Exception:
                log.exception("a presentation source failed to stop")


def start_sources(
    config: Config,
    pipeline: Pipeline,
    now: Callable[[], datetime],
    *,
    stops: Sequence[Stop] = (),
    air: Air | None = None,
    store: OfflineStore | None = None,
) -> Sources:
    """Start the sources the config names; on a failure, stop those started.
    With a ``store``, GPS positions are queued there for the arrival board."""
    sources = Sources()
    try:
        _start_gps(config, pipeline, stops, sources)
        if store is not None:
            _start_positions(config, store, stops, now, sources)
        _start_qr(config, pipeline, now, sources)
        _start_ble(config, pipeline, air, sources)
    except BaseException:
        sources.close()
        raise
    return sources


# --- QR -----------------------------------------------------------------------


def qr_answer(event: ScanEvent, pipeline: Pipeline, now: datetime) -> Answer:
    """One scanner line through the pipeline: a code of ours is decided, any
    other line is declined (cut off: scan again; too long or binary: forged)."""
    from drivers.qr import LineProblem, LineRejection

    unknown = Presentation(Medium.UNKNOWN)
    if isinstance(event, LineRejection):
        half = event.problem is LineProblem.HALF_LINE
        log.info("QR line declined: %s", event.detail)
        return pipeline.present(Rejection(unknown, Reason.READ_ERROR if half else Reason.FORGED))
    policy = QrPolicy(pipeline.media.ledger_keys, pipeline.media.token_leeway_s)
    code = classify_qr(event.text, policy, now)
    if isinstance(code, QrCode):
        return pipeline.present(CardRead(code.presentation))
    log.info("QR code declined: %s", code.detail)
    token = qr_text_to_token(event.text)  # kept for an armed inspection (a cash ticket)
    refused = unknown if isinstance(token, TokenRejection) else replace(unknown, credential=token)
    return pipeline.present(Rejection(refused, code.reason))


def _start_qr(
    config: Config, pipeline: Pipeline, now: Callable[[], datetime], sources: Sources
) -> None:
    if config.qr.backend == "none":
        return
    from drivers.qr import QrScanner, ScannerSettings, Terminator

    qr = config.qr
    settings = ScannerSettings(
        qr.baudrate, Terminator(qr.terminator), qr.max_length, qr.half_line_timeout
    )
    scanner = QrScanner.open(_port(qr.port, "qr"), lambda e: _scan(e, pipeline, now), settings)
    sources.closers.append(scanner.close)
    log.info("QR scanner on %s", qr.port)


def _scan(event: ScanEvent, pipeline: Pipeline, now: Callable[[], datetime]) -> None:
    qr_answer(event, pipeline, now())


# --- Bluetooth ----------------------------------------------------------------


def _start_ble(config: Config, pipeline: Pipeline, air: Air | None, sources: Sources) -> None:
    if config.ble.backend == "none":
        return
    from drivers.ble import BlePaymentReader, BleSettings, check_radio, open_radio
    from drivers.errors import DeviceUnavailable

    ble = config.ble
    radio = open_radio(ble.backend, ble.adapter, air)
    sources.air = radio.air
    settings = BleSettings(
        rssi_threshold=ble.rssi_threshold,
        tie_margin_db=ble.tie_margin_db,
        min_samples=ble.min_samples,
        scan_window=ble.scan_window,
        connect_timeout=ble.connect_timeout,
        read_timeout=ble.read_timeout,
        write_timeout=ble.write_timeout,
        default_language=config.device.language,
    )
    problem = check_radio(radio, settings.service_uuid)
    if problem is not None:
        raise DeviceUnavailable(problem)
    reader = BlePaymentReader(radio, settings)
    reader.start(lambda token: ble_decision(token, pipeline))
    sources.closers.append(reader.stop)


def ble_decision(token: bytes, pipeline: Pipeline) -> BleResult:
    """The pipeline's answer to a token a phone sent over Bluetooth."""
    from drivers.ble import ble_result

    answer = pipeline.present(CardRead(Presentation(Medium.BLE, credential=token)))
    return ble_result(answer.decision)


# --- GPS ----------------------------------------------------------------------


def gps_context(state: GpsState, stops: Sequence[Stop], radius_m: float) -> Mapping[str, object]:
    """What a tap records about where the bus was: position and nearest stop
    of the route, or ``fix: false`` and why not."""
    from drivers.gps import Fix

    if not isinstance(state, Fix):
        return {"fix": False, "gps": state.reason}
    here: dict[str, object] = {"lat": round(state.lat, 6), "lon": round(state.lon, 6)}
    near = nearest_stop(Position(state.lat, state.lon), stops, radius_m)
    if near is not None:
        here["stop"] = near.stop.code
    return here


def _start_gps(config: Config, pipeline: Pipeline, stops: Sequence[Stop], sources: Sources) -> None:
    if config.gps.backend == "none":
        return
    from drivers.gps import GpsReceiver, GpsSettings

    gps = config.gps
    receiver = GpsReceiver.open(_port(gps.port, "gps"), GpsSettings(gps.baudrate, gps.stale_after))
    sources.closers.append(receiver.close)
    sources.gps_state = receiver.state
    route_stops = tuple(stops)
    pipeline.context = lambda: gps_context(receiver.state(), route_stops, gps.stop_radius)
    log.info("GPS receiver on %s (%d stops of the route known)", gps.port, len(route_stops))


def _start_positions(
    config: Config,
    store: OfflineStore,
    stops: Sequence[Stop],
    now: Callable[[], datetime],
    sources: Sources,
) -> None:
    state = sources.gps_state
    if state is None:
        return
    from validator.position_sampler import PositionSampler, sample_position

    gps, route, route_stops = config.gps, config.route.number, tuple(stops)
    sampler = PositionSampler(
        lambda: sample_position(state(), store, route, route_stops, gps.stop_radius, now()),
        gps.position_interval,
    )
    sampler.start()
    sources.closers.append(sampler.stop)


def _port(port: str, section: str) -> str:
    if not port.strip():
        from validator.config import ConfigError

        raise ConfigError(
            f'{section}.backend is "serial" but {section}.port is empty — name the port '
            '(e.g. "/dev/ttyACM0") or set the backend to "none"',
            key=f"{section}.port",
        )
    return port
