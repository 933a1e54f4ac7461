"""A simulated radio for demos and tests, plugged in through bleak's own
``backend=`` hook: ``BleakScanner(..., backend=SimulatedScanner, air=air)`` and
``BleakClient(..., backend=SimulatedClient, air=air)`` run bleak's real public
classes over an in-memory ``Air`` where simulated phones advertise.

The air lives in one process: a validator in another process cannot hear
these phones (docs/bluetooth.md, "Benches").
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import (
    AdvertisementData,
    AdvertisementDataCallback,
    BaseBleakScanner,
)
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDeviceNotFoundError,
    BleakError,
)

from drivers.ble.protocol import (
    MAX_FRAME_DATA,
    RESULT_CHAR_UUID,
    SERVICE_UUID,
    TOKEN_CHAR_UUID,
    advert_local_name,
    advert_service_data,
    token_frames,
)
from drivers.ble.results import PhoneView, decode_result
from validator.messages import Language

__all__ = ["Air", "SimulatedClient", "SimulatedPhone", "SimulatedScanner"]

_MTU = 247


class _LinkLost(Exception):
    pass


@dataclass
class SimulatedPhone:
    """A phone whose passenger pressed "pay" in the app.

    ``rssi`` is one reading or a sequence the phone cycles through, one per
    advertisement. ``disconnect_after`` is how many token bytes the phone
    serves before it drops the link (0: at the first read; the token length:
    after the token, before the result). ``service_data``, ``local_name`` and
    ``frames`` replace what a well-behaved app would send; ``stall`` makes it
    stop answering reads; ``refuse_connect`` makes the connection fail.
    """

    address: str
    rssi: int | Sequence[int]
    token: bytes
    disconnect_after: int | None = None
    language: Language | None = "ru"
    session: bytes = field(default_factory=lambda: os.urandom(4))
    chunk: int = MAX_FRAME_DATA
    service_uuid: str = SERVICE_UUID
    iphone: bool = False  # session in the local name instead of the service data
    service_data: bytes | None = None
    local_name: str | None = None
    frames: Sequence[bytes] | None = None
    stall: bool = False
    refuse_connect: bool = False
    advertising: bool = True  # the app stops once it has shown a result
    result_bytes: bytes | None = None
    connections: int = 0
    _readings: Iterator[int] | None = field(default=None, init=False, repr=False)
    _frame_index: int = field(default=0, init=False, repr=False)
    _served: int = field(default=0, init=False, repr=False)
    _connected: bool = field(default=False, init=False, repr=False)

    @property
    def seen(self) -> PhoneView | None:
        """What the app shows: the decoded result, or None before any."""
        return None if self.result_bytes is None else decode_result(self.result_bytes)

    def advertisement(self) -> AdvertisementData:
        data, name = self.service_data, self.local_name
        if data is None and not self.iphone:
            data = advert_service_data(self.session, self.language)
        if name is None and self.iphone:
            name = advert_local_name(self.session, self.language)
        return AdvertisementData(
            local_name=name,
            manufacturer_data={},
            service_data={} if data is None else {self.service_uuid: data},
            service_uuids=[self.service_uuid],
            tx_power=None,
            rssi=self._next_rssi(),
            platform_data=(),
        )

    def _next_rssi(self) -> int:
        if self._readings is None:
            readings = [self.rssi] if isinstance(self.rssi, int) else list(self.rssi)
            self._readings = itertools.cycle(readings or [-127])
        return next(self._readings)

    def accept_connection(self) -> None:
        if self.refuse_connect:
            raise BleakError("simulated phone refused the connection")
        self.connections += 1
        self._frame_index, self._served, self._connected = 0, 0, True

    def read_frame(self) -> bytes:
        self._check_link()
        frames = self.frames if self.frames is not None else token_frames(self.token, self.chunk)
        frame = bytes(frames[self._frame_index % len(frames)]) if frames else b""
        self._frame_index += 1
        self._served += max(0, len(frame) - 4)
        return frame

    def write_result(self, data: bytes) -> None:
        self._check_link()
        self.result_bytes = bytes(data)
        self.advertising = False

    def drop(self) -> None:
        self._connected = False

    def _check_link(self) -> None:
        if self._connected and (
            self.disconnect_after is None or self._served < self.disconnect_after
        ):
            return
        self._connected = False
        raise _LinkLost


class Air:
    """The room the simulated phones advertise in; shared by scanner and client."""

    def __init__(self, advert_interval: float = 0.01, latency: float = 0.0) -> None:
        self.advert_interval = advert_interval  # seconds between two rounds of adverts
        self.latency = latency  # seconds a connection takes
        self.radio_on = True  # False: the scanner reports Bluetooth as unavailable
        self._phones: dict[str, SimulatedPhone] = {}
        self._lock = threading.Lock()

    def place(self, phone: SimulatedPhone) -> SimulatedPhone:
        with self._lock:
            self._phones[phone.address] = phone
        return phone

    def remove(self, address: str) -> None:
        with self._lock:
            self._phones.pop(address, None)

    def phones(self) -> list[SimulatedPhone]:
        with self._lock:
            return list(self._phones.values())

    def find(self, address: str) -> SimulatedPhone | None:
        with self._lock:
            return self._phones.get(address)


class SimulatedScanner(BaseBleakScanner):
    """bleak scanner backend: hears every advertising phone in the air."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        *,
        air: Air,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._air = air
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not self._air.radio_on:
            raise BleakBluetoothNotAvailableError(
                "simulated radio is off", BleakBluetoothNotAvailableReason.POWERED_OFF
            )
        self.seen_devices = {}
        self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        while True:
            for phone in self._air.phones():
                if phone.advertising:
                    self._hear(phone, phone.advertisement())
            await asyncio.sleep(self._air.advert_interval)

    def _hear(self, phone: SimulatedPhone, advert: AdvertisementData) -> None:
        if not self.is_allowed_uuid(advert.service_uuids):
            return
        name = advert.local_name
        device = self.create_or_update_device(phone.address, phone.address, name, phone, advert)
        self.call_detection_callbacks(device, advert)


class SimulatedClient(BaseBleakClient):
    """bleak client backend: a GATT connection to one simulated phone."""

    def __init__(self, address_or_ble_device: BLEDevice | str, *, air: Air, **kwargs: Any) -> None:
        super().__init__(address_or_ble_device, **kwargs)
        self._air = air
        self._phone: SimulatedPhone | None = None

    @property
    def name(self) -> str:
        return self.address

    @property
    def mtu_size(self) -> int:
        return _MTU

    @property
    def is_connected(self) -> bool:
        return self._phone is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        phone = self._air.find(self.address)
        if phone is None:
            raise BleakDeviceNotFoundError(self.address, f"{self.address} is out of range")
        await asyncio.sleep(self._air.latency)
        phone.accept_connection()
        self._phone = phone
        self.services = _gatt(phone.service_uuid)

    async def disconnect(self) -> None:
        if self._phone is not None:
            self._phone.drop()
            self._phone = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise BleakError("the simulated phone does not pair")

    async def unpair(self) -> None:
        raise BleakError("the simulated phone does not pair")

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        phone = self._linked(characteristic, TOKEN_CHAR_UUID)
        if phone.stall:
            await asyncio.Event().wait()  # never answers; the caller's timeout ends it
        try:
            return bytearray(phone.read_frame())
        except _LinkLost:
            raise self._lost() from None

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        phone = self._linked(characteristic, RESULT_CHAR_UUID)
        try:
            phone.write_result(bytes(data))
        except _LinkLost:
            raise self._lost() from None

    def _linked(self, characteristic: BleakGATTCharacteristic, expected: str) -> SimulatedPhone:
        if self._phone is None:
            raise BleakError("Not connected")
        if characteristic.uuid != expected:
            raise BleakError(f"characteristic {characteristic.uuid} does not allow this")
        return self._phone

    def _lost(self) -> BleakError:
        self._phone = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()
        return BleakError("Not connected: the phone dropped the link")

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        raise BleakError("the simulated phone has no descriptors")

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        raise BleakError("the simulated phone has no descriptors")

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        raise BleakError("the simulated phone does not notify")

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        raise BleakError("the simulated phone does not notify")


def _gatt(service_uuid: str) -> BleakGATTServiceCollection:
    """The app's GATT table: one service, the token and result characteristics."""
    collection = BleakGATTServiceCollection()
    service = BleakGATTService(None, 1, service_uuid)
    collection.add_service(service)
    token = BleakGATTCharacteristic(None, 2, TOKEN_CHAR_UUID, ["read"], lambda: _MTU - 3, service)
    result = BleakGATTCharacteristic(
        None, 4, RESULT_CHAR_UUID, ["write"], lambda: _MTU - 3, service
    )
    collection.add_characteristic(token)
    collection.add_characteristic(result)
    return collection
