"""One Bluetooth payment, start to end, as asyncio code over bleak: scan for
one window at a time, pick the nearest phone, connect, read the token frames,
hand the token to the decision callback, write the result, disconnect.

Every step has a timeout and every failure becomes a ``BleOutcome`` value.
The decision callback is called only with a token read completely; once it
has decided, the tap stands even if the phone leaves before the result is
written (the passenger sees it in the app's history after the next sync).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakCharacteristicNotFoundError

from drivers.ble.protocol import (
    RESULT_CHAR_UUID,
    SERVICE_UUID,
    TOKEN_CHAR_UUID,
    FrameError,
    TokenAssembler,
    parse_advert,
)
from drivers.ble.radio import Radio
from drivers.ble.results import (
    BleResult,
    DecisionCallback,
    encode_result,
    not_read_result,
    out_of_service_result,
)
from drivers.ble.selection import SelectionRules, SessionMemory, Sighting, Window
from validator.messages import Language

__all__ = ["BleOutcome", "BleSettings", "BleStatus", "pay_once"]

log = logging.getLogger("drivers.ble")

DECIDED_MEMORY_S = 120.0  # a session that got a decision is not served again
RETRY_AFTER_S = 2.0  # a session that failed may be tried again after this
START_TIMEOUT_S = 5.0
_T = TypeVar("_T")


class BleStatus(StrEnum):
    NO_PHONE = "no_phone"  # no phone near enough pressed "pay" in the time given
    DECIDED = "decided"  # token read, decided, result written: the phone shows it
    RESULT_NOT_SHOWN = "result_not_shown"  # decided, the phone left before the result: tap stands
    PHONE_LEFT = "phone_left"  # dropped or silent before the token was read: no charge
    UNREADABLE = "unreadable"  # answered, but not with token frames: no charge
    CONNECT_FAILED = "connect_failed"  # the connection did not come up: no charge
    DECISION_FAILED = "decision_failed"  # the decision callback raised: told "out of service"
    RADIO_UNAVAILABLE = "radio_unavailable"  # adapter missing or off, or bluetoothd down


@dataclass(frozen=True, slots=True)
class BleOutcome:
    """What one attempt came to. ``result`` is set when a decision was made."""

    status: BleStatus
    detail: str
    address: str | None = None
    session: str | None = None  # hex
    rssi: int | None = None  # lower median of the window's readings, dBm
    result: BleResult | None = None


@dataclass(frozen=True, slots=True)
class BleSettings:
    """The ``[ble]`` config keys the driver uses (docs/bluetooth.md)."""

    service_uuid: str = SERVICE_UUID
    rssi_threshold: int = -65
    tie_margin_db: int = 3
    min_samples: int = 2
    scan_window: float = 0.5
    connect_timeout: float = 4.0
    read_timeout: float = 2.0
    write_timeout: float = 2.0
    default_language: Language = "ru"  # for a phone that does not say its language

    @property
    def rules(self) -> SelectionRules:
        return SelectionRules(self.rssi_threshold, self.tie_margin_db, self.min_samples)


@dataclass(frozen=True, slots=True)
class _Failed:
    detail: str


class _RadioDown(Exception):
    pass


async def pay_once(
    radio: Radio,
    settings: BleSettings,
    memory: SessionMemory,
    on_token: DecisionCallback,
    timeout: float,
    stopping: Callable[[], bool],
) -> BleOutcome:
    """Scan up to ``timeout`` seconds and serve the nearest phone, if any."""
    try:
        sighting = await _scan(radio, settings, memory, timeout, stopping)
    except _RadioDown as down:
        return BleOutcome(BleStatus.RADIO_UNAVAILABLE, str(down))
    if sighting is None:
        detail = f"no phone at {settings.rssi_threshold} dBm or nearer pressed pay"
        return BleOutcome(BleStatus.NO_PHONE, detail)
    outcome = await _serve(radio, settings, sighting, on_token)
    keep = DECIDED_MEMORY_S if outcome.result is not None else RETRY_AFTER_S
    memory.remember(sighting.advert.session, asyncio.get_running_loop().time(), keep)
    return outcome


# -- scanning -------------------------------------------------------------------


async def _scan(
    radio: Radio,
    settings: BleSettings,
    memory: SessionMemory,
    timeout: float,
    stopping: Callable[[], bool],
) -> Sighting[BLEDevice] | None:
    window: Window[BLEDevice] = Window()
    try:
        scanner = radio.scanner(_listener(window, settings.service_uuid), settings.service_uuid)
    except Exception as exc:
        raise _RadioDown(_radio_advice(radio, _why(exc))) from None
    started = await _attempt(scanner.start(), START_TIMEOUT_S)
    if isinstance(started, _Failed):
        await _attempt(scanner.stop(), START_TIMEOUT_S)
        raise _RadioDown(_radio_advice(radio, started.detail))
    try:
        return await _watch(window, settings, memory, timeout, stopping)
    finally:
        await _attempt(scanner.stop(), START_TIMEOUT_S)


def _listener(
    window: Window[BLEDevice], service_uuid: str
) -> Callable[[BLEDevice, AdvertisementData], None]:
    def heard(device: BLEDevice, advert: AdvertisementData) -> None:
        try:
            parsed = parse_advert(advert.service_data, advert.local_name, service_uuid)
            if parsed is not None:
                window.hear(parsed, device, advert.rssi)
        except Exception:  # an odd report from the stack must not stop the scan
            log.debug("advertisement ignored", exc_info=True)

    return heard


async def _watch(
    window: Window[BLEDevice],
    settings: BleSettings,
    memory: SessionMemory,
    timeout: float,
    stopping: Callable[[], bool],
) -> Sighting[BLEDevice] | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not stopping():
        await asyncio.sleep(max(0.0, min(settings.scan_window, deadline - loop.time())))
        now = loop.time()
        pick = window.choose(settings.rules, memory.blocked(now))
        if pick is not None or now >= deadline:
            return pick
        window.clear()
    return None


def check_radio(radio: Radio, service_uuid: str) -> str | None:
    """None when ``radio`` can scan; otherwise what is wrong, in words for a
    technician. Run once at start-up: a configured adapter that cannot scan
    is an error, not a silent retry loop."""
    return asyncio.run(_check(radio, service_uuid))


async def _check(radio: Radio, service_uuid: str) -> str | None:
    try:
        scanner = radio.scanner(lambda _device, _advertisement: None, service_uuid)
    except Exception as exc:
        return _radio_advice(radio, _why(exc))
    started = await _attempt(scanner.start(), START_TIMEOUT_S)
    await _attempt(scanner.stop(), START_TIMEOUT_S)
    return _radio_advice(radio, started.detail) if isinstance(started, _Failed) else None


def _radio_advice(radio: Radio, problem: str) -> str:
    return (
        f"{radio.describe()} cannot scan ({problem}): check that the adapter is plugged in "
        "and powered (bluetoothctl show) and that D-Bus and bluetoothd run "
        "(systemctl status bluetooth)"
    )


# -- one phone --------------------------------------------------------------------


async def _serve(
    radio: Radio, settings: BleSettings, sighting: Sighting[BLEDevice], on_token: DecisionCallback
) -> BleOutcome:
    try:
        client = radio.client(sighting.device, settings.connect_timeout)
    except Exception as exc:
        return _outcome(sighting, BleStatus.CONNECT_FAILED, _why(exc))
    try:
        connected = await _attempt(client.connect(), settings.connect_timeout)
        if isinstance(connected, _Failed):
            return _outcome(sighting, BleStatus.CONNECT_FAILED, connected.detail)
        return await _exchange(client, settings, sighting, on_token)
    finally:
        await _attempt(client.disconnect(), settings.write_timeout)


async def _exchange(
    client: BleakClient,
    settings: BleSettings,
    sighting: Sighting[BLEDevice],
    on_token: DecisionCallback,
) -> BleOutcome:
    token = await _attempt(_read_token(client), settings.read_timeout)
    if isinstance(token, _Failed):
        return _outcome(sighting, BleStatus.PHONE_LEFT, f"token not read: {token.detail}")
    if isinstance(token, FrameError):
        await _write(client, settings, sighting, not_read_result())
        return _outcome(sighting, BleStatus.UNREADABLE, f"token frames: {token}")
    result = await _decide(on_token, token)
    if isinstance(result, _Failed):
        await _write(client, settings, sighting, out_of_service_result())
        return _outcome(sighting, BleStatus.DECISION_FAILED, result.detail)
    written = await _write(client, settings, sighting, result)
    if isinstance(written, _Failed):
        detail = f"{result.reason}; the phone did not get the result ({written.detail})"
        return _outcome(sighting, BleStatus.RESULT_NOT_SHOWN, detail, result)
    verdict = "accepted" if result.accepted else "declined"
    return _outcome(sighting, BleStatus.DECIDED, f"{verdict}: {result.reason}", result)


async def _read_token(client: BleakClient) -> bytes | FrameError:
    assembler = TokenAssembler()
    try:
        while True:
            frame = await client.read_gatt_char(TOKEN_CHAR_UUID)
            if assembler.add(bytes(frame)):
                return assembler.token
    except FrameError as problem:
        return problem
    except BleakCharacteristicNotFoundError:
        return FrameError("no token characteristic: not the operator's app")


async def _decide(on_token: DecisionCallback, token: bytes) -> BleResult | _Failed:
    try:
        result = await asyncio.to_thread(on_token, token)
    except Exception as exc:
        log.exception("Bluetooth payment: the decision failed")
        return _Failed(f"the decision failed: {_why(exc)}")
    if not isinstance(result, BleResult):
        return _Failed(f"the decision callback returned {type(result).__name__}, not a BleResult")
    return result


async def _write(
    client: BleakClient, settings: BleSettings, sighting: Sighting[BLEDevice], result: BleResult
) -> _Failed | None:
    language = sighting.advert.language or settings.default_language
    try:
        data = encode_result(result, language, sighting.advert.session)
    except Exception as exc:  # a malformed result from the callback
        return _Failed(f"the result could not be encoded: {_why(exc)}")
    done = await _attempt(
        client.write_gatt_char(RESULT_CHAR_UUID, data, response=True), settings.write_timeout
    )
    return done if isinstance(done, _Failed) else None


# -- helpers ----------------------------------------------------------------------


async def _attempt(action: Awaitable[_T], seconds: float) -> _T | _Failed:
    """The action's value, or what went wrong in words: a timeout or an error."""
    try:
        async with asyncio.timeout(seconds):
            return await action
    except TimeoutError:
        return _Failed(f"no answer within {seconds:g} s")
    except Exception as exc:
        return _Failed(_why(exc))


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _outcome(
    sighting: Sighting[BLEDevice], status: BleStatus, detail: str, result: BleResult | None = None
) -> BleOutcome:
    device, session = sighting.device, sighting.advert.session.hex()
    return BleOutcome(status, detail, device.address, session, sighting.rssi, result)
