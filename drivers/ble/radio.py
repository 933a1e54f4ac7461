"""Which radio Bluetooth payments go through, chosen by configuration
(``ble.backend``): ``"bleak"``, the adapter through bleak's backend for this
platform (BlueZ on the Pi), or ``"simulated"``, the in-memory air of
``drivers.ble.simulated`` plugged into bleak's ``backend=`` hook. Either way
the code above talks to bleak's own ``BleakScanner`` and ``BleakClient``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from bleak import BleakClient, BleakScanner
from bleak.args.bluez import BlueZClientArgs, BlueZScannerArgs
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementDataCallback

from drivers.ble.simulated import Air, SimulatedClient, SimulatedScanner
from validator.config import ConfigError

__all__ = ["BACKENDS", "Radio", "open_radio"]

log = logging.getLogger("drivers.ble")

BACKENDS = ("bleak", "simulated")


@dataclass(frozen=True, slots=True)
class Radio:
    kind: Literal["bleak", "simulated"]
    adapter: str = ""  # BlueZ adapter name, e.g. hci0; "" = the system's default
    air: Air | None = None  # set for the simulated radio

    def describe(self) -> str:
        if self.air is not None:
            return "simulated Bluetooth radio (no real phone can pay)"
        return f"Bluetooth adapter {self.adapter or '(system default)'} through bleak"

    def scanner(self, callback: AdvertisementDataCallback, service_uuid: str) -> BleakScanner:
        if self.air is not None:
            return BleakScanner(callback, [service_uuid], backend=SimulatedScanner, air=self.air)
        # Every advertisement, not only changed ones: RSSI readings to compare.
        bluez: BlueZScannerArgs = {"filters": {"DuplicateData": True}}
        if self.adapter:
            bluez["adapter"] = self.adapter
        return BleakScanner(callback, [service_uuid], bluez=bluez)

    def client(self, device: BLEDevice, timeout: float) -> BleakClient:
        if self.air is not None:
            return BleakClient(device, timeout=timeout, backend=SimulatedClient, air=self.air)
        bluez: BlueZClientArgs = {"adapter": self.adapter} if self.adapter else {}
        return BleakClient(device, timeout=timeout, bluez=bluez)


def open_radio(backend: str, adapter: str = "", air: Air | None = None) -> Radio:
    """The radio named by ``ble.backend``; an unknown name is a ConfigError.

    ``air`` is where the demo places its phones; a new empty one if None.
    """
    if backend == "bleak":
        radio = Radio("bleak", adapter=adapter)
    elif backend == "simulated":
        radio = Radio("simulated", air=air if air is not None else Air())
    else:
        raise ConfigError(
            f'ble.backend {backend!r} is not known: use "bleak" (the Bluetooth adapter) '
            'or "simulated" (no radio: demos and tests)',
            key="ble.backend",
        )
    report = log.warning if radio.air is not None else log.info
    report("Bluetooth payments: %s", radio.describe())
    return radio
