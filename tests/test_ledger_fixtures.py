"""Shared pieces for the ledger tests: a real ledger on a loopback port and a
simulated bus that enrolls, keeps a hash-chained journal and signs requests.
(No tests here; the other test_ledger_* files import these.)
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.admin_client import AdminClient
from ledger.device_auth import DeviceAuth
from ledger.envelope import parse_public_key, public_key_text
from ledger.serve import LedgerServer
from ledger.signing import admin_token
from ledger.wire import encode_batch
from offline_store.hashing import GENESIS_HASH, row_hash

TIMEOUT = 10
_names = itertools.count(1)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerServer]:
    with LedgerServer(tmp_path_factory.mktemp("ledger")) as server:
        yield server


@pytest.fixture
def admin(ledger: LedgerServer) -> AdminClient:
    return AdminClient(ledger.url, admin_token(ledger.data_dir))


@pytest.fixture
def bus(ledger: LedgerServer, admin: AdminClient) -> Bus:
    return Bus.enroll(ledger.url, admin)


class Bus:
    """A validator as the ledger sees it: a key, a device id and a journal."""

    def __init__(self, url: str, device_id: str, bus_number: str, key: Ed25519PrivateKey) -> None:
        self.url, self.device_id, self.bus_number, self.key = url, device_id, bus_number, key
        self.auth = DeviceAuth(key, device_id)
        self.journal: list[dict[str, Any]] = []
        self.ledger_key = parse_public_key(self.status()["ledger_public_key"])

    @classmethod
    def enroll(cls, url: str, admin: AdminClient) -> Bus:
        number = next(_names)
        device_id, bus_number = f"BUS-{number:04d}", f"B{number:03d}"
        key = Ed25519PrivateKey.generate()
        body = {
            "code": admin.enrollment_code(bus_number),
            "device_id": device_id,
            "public_key": public_key_text(key.public_key()),
        }
        requests.post(f"{url}/v1/devices/enroll", json=body, timeout=TIMEOUT).raise_for_status()
        return cls(url, device_id, bus_number, key)

    def tap(self, card_number: str | None, fare: int = 80, **fields: Any) -> dict[str, Any]:
        seq = len(self.journal) + 1
        prev = self.journal[-1]["hash"] if self.journal else GENESIS_HASH
        row: dict[str, Any] = {
            "device_id": self.device_id, "seq": seq, "uuid": str(uuid.uuid4()),
            "time": f"2025-05-01T03:{seq // 60 % 60:02d}:{seq % 60:02d}.000Z",
            "mono_ns": 10**12 + seq * 10**9, "medium": "desfire", "card_number": card_number,
            "uid": None, "route": "12", "direction": "forward", "fare": fare, "riders": 1,
            "balance_after": 1000, "result": "accepted", "reason": "paid",
        }  # fmt: skip
        row.update(fields)
        row |= {"prev_hash": prev, "hash": row_hash(row, prev)}
        self.journal.append(row)
        return row

    def upload(self, rows: list[dict[str, Any]]) -> requests.Response:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return self.post("/v1/taps", encode_batch(rows), headers)

    def upload_rows(self, rows: list[dict[str, Any]]) -> requests.Response:
        """The plain rows/1 format, not gzip'd."""
        body = json.dumps({"format": "rows/1", "rows": rows}).encode()
        return self.post("/v1/taps", body, {"Content-Type": "application/json"})

    def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> requests.Response:
        return requests.post(
            self.url + path, data=body, headers=headers, auth=self.auth, timeout=TIMEOUT
        )

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.url + path, params=params, auth=self.auth, timeout=TIMEOUT)

    def status(self) -> dict[str, Any]:
        response = self.get("/v1/devices/me")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


def card(admin: AdminClient, balance: int = 1000, **fields: Any) -> str:
    return str(admin.issue_card(balance=balance, **fields)["card_number"])
