"""Shared pieces for the sync tests: the real ledger on loopback behind the
fault proxy, and a bus (a real store, enrolled, with the real sync service).
(No tests here; the test_sync_* files import these.)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.admin_client import AdminClient
from ledger.serve import LedgerServer
from ledger.signing import admin_token
from offline_store import OfflineStore, TapRecord
from sync import SyncService, enroll, open_service
from sync.service import Hooks
from tests.faultproxy import FaultProxy
from validator.config import Config, load_config
from validator.model import Medium, Outcome, Reason

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerServer]:
    with LedgerServer(tmp_path_factory.mktemp("ledger")) as server:
        yield server


@pytest.fixture
def admin(ledger: LedgerServer) -> AdminClient:
    return AdminClient(ledger.url, admin_token(ledger.data_dir))


@pytest.fixture
def proxy(ledger: LedgerServer) -> Iterator[FaultProxy]:
    with FaultProxy(ledger.url) as running:
        yield running


@dataclass
class Bus:
    """A validator's store, enrolled with the ledger through the proxy."""

    config: Config
    data: Path
    store: OfflineStore
    service: SyncService

    @property
    def device_id(self) -> str:
        return self.config.device.id

    def tap(self, card_number: str | None, fare: int = 80, balance_after: int = 0) -> None:
        self.store.record(tap_record(card_number, fare, balance_after))

    def journal_seqs(self) -> list[int]:
        return [row.seq for row in self.store.journal()]


def tap_record(card_number: str | None, fare: int = 80, balance_after: int = 0) -> TapRecord:
    accepted = card_number is not None
    return TapRecord(
        time=datetime.now(UTC),
        mono_ns=1,
        medium=Medium.DESFIRE,
        card_number=card_number,
        uid=None,
        route="12",
        direction="forward",
        fare=fare if accepted else 0,
        riders=1 if accepted else 0,
        balance_after=balance_after if accepted else None,
        result=Outcome.ACCEPTED if accepted else Outcome.DECLINED,
        reason=Reason.PAID if accepted else Reason.UNKNOWN_CARD,
    )


def bus_config(data: Path, url: str, **sync: Any) -> Config:
    number = next(_numbers)
    config = load_config(None)
    device = replace(config.device, id=f"SYNC-{number:04d}", bus_number=f"S{number:03d}")
    settings = {"interval": 0.05, "backoff_cap": 0.2, **sync}
    return replace(
        config,
        device=device,
        ledger=replace(config.ledger, url=url, timeout=10.0),
        store=replace(config.store, data_dir=data),
        sync=replace(config.sync, **settings),
    )


def enrolled_bus(
    tmp_path: Path, admin: AdminClient, url: str, hooks: Hooks | None = None, **sync: Any
) -> Bus:
    data = tmp_path / f"bus-{next(_numbers)}"
    config = bus_config(data, url, **sync)
    code = admin.enrollment_code(config.device.bus_number)
    key = data / "device-ed25519.pem"
    enroll(url, code, data_dir=data, device_id=config.device.id, key_path=key, timeout=5)
    store = OfflineStore.open(data, config.device.id)
    return Bus(config, data, store, open_service(config, store, data, hooks))


def ledger_watermark(admin: AdminClient, device_id: str) -> int:
    devices = admin.call("GET", "/v1/admin/devices")
    return int(next(d["watermark"] for d in devices if d["device_id"] == device_id))
