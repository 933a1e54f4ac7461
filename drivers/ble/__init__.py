"""Bluetooth payments from the operator's app, over bleak (docs/bluetooth.md).

The daemon builds a ``Radio`` from ``ble.backend`` ("bleak" or "simulated")
with ``open_radio``, a ``BlePaymentReader`` over it, and starts it with the
pipeline's decision callback (token bytes in, ``BleResult`` out).
"""

from drivers.ble.payment import BleOutcome, BleSettings, BleStatus, check_radio
from drivers.ble.protocol import RESULT_CHAR_UUID, SERVICE_UUID, TOKEN_CHAR_UUID
from drivers.ble.radio import BACKENDS, Radio, open_radio
from drivers.ble.reader import BlePaymentReader
from drivers.ble.results import (
    BleResult,
    DecisionCallback,
    PhoneView,
    ble_result,
    decode_result,
    not_read_result,
)
from drivers.ble.simulated import Air, SimulatedClient, SimulatedPhone, SimulatedScanner

__all__ = [
    "BACKENDS",
    "RESULT_CHAR_UUID",
    "SERVICE_UUID",
    "TOKEN_CHAR_UUID",
    "Air",
    "BleOutcome",
    "BlePaymentReader",
    "BleResult",
    "BleSettings",
    "BleStatus",
    "DecisionCallback",
    "PhoneView",
    "Radio",
    "SimulatedClient",
    "SimulatedPhone",
    "SimulatedScanner",
    "ble_result",
    "check_radio",
    "decode_result",
    "not_read_result",
    "open_radio",
]
