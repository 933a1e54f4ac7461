"""Where the bus was, in the journal: the GPS receiver on a real pty sets the
pipeline's context, so a QR tap during a fix carries position and nearest
stop, and a tap without a fix says so."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from functools import reduce
from pathlib import Path

from tests.remote_media_support import app_token, now, qr, unit, until
from validator.sources import start_sources
from validator.stops import Position, Stop

STOPS = (
    Stop("atyrau-12-01", "Vokzal", Position(47.1000, 51.9000)),
    Stop("atyrau-12-02", "Bazar", Position(47.1167, 51.9167)),
)


def _sentence(body: str) -> bytes:
    checksum = reduce(lambda acc, ch: acc ^ ord(ch), body, 0)
    return f"${body}*{checksum:02X}\r\n".encode()


def _fix_at_bazar() -> bytes:
    return _sentence("GPRMC,081500,A,4707.002,N,05155.002,E,012.0,084.4,140325,,")


def _no_fix() -> bytes:
    return _sentence("GPRMC,081500,V,,,,,,,140325,,")


def test_a_tap_during_a_fix_carries_position_and_stop_and_one_without_says_so(
    tmp_path: Path,
) -> None:
    with unit(tmp_path) as bus:
        gps_master, slave = os.openpty()
        port = os.ttyname(slave)
        os.close(slave)
        config = bus.app.config
        config = replace(
            config,
            qr=replace(config.qr, backend="none"),
            gps=replace(config.gps, backend="serial", port=port),
        )
        sources = start_sources(config, bus.app.pipeline, now, stops=STOPS)
        try:
            assert sources.gps_state is not None
            state = sources.gps_state
            os.write(gps_master, b"$GPGSV,garbage*00\r\n" + _fix_at_bazar())
            until(lambda: hasattr(state(), "lat"))
            bus.scan(qr(app_token()))
            os.write(gps_master, _no_fix())
            until(lambda: not hasattr(state(), "lat"))
            bus.scan(qr(app_token()))
        finally:
            sources.close()
            os.close(gps_master)
        with_fix, without = (json.loads(row.extra or "{}") for row in bus.journal[-2:])
        assert with_fix == {"lat": 47.1167, "lon": 51.9167, "stop": "atyrau-12-02"}
        assert without["fix"] is False and "lat" not in without
