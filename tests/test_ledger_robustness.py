"""Whatever a client sends, the ledger answers 4xx with a JSON error, never 500."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ledger.admin_client import AdminClient
from ledger.serve import LedgerServer
from tests.test_ledger_fixtures import TIMEOUT, Bus, admin, bus, ledger

__all__ = ["admin", "bus", "ledger"]  # fixtures

JUNK_BODIES: list[bytes] = [
    b"", b"null", b"[]", b"{}", b"{bad", b'{"a": 1}', b'"\\ud800"', b"1e999",
    b'{"bus_number": "\\u0000"}', b'{"amount": 99999999999999999999999}',
    b'{"table": {"version": 1e400, "fares": []}}', b"\xff\xfe\x00",
]  # fmt: skip
JUNK_PATH_VALUES = ["x", "9643000000000000016", "A" * 300]


def operations(ledger: LedgerServer) -> list[tuple[str, str]]:
    spec = requests.get(f"{ledger.url}/openapi.json", timeout=TIMEOUT).json()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]


def fill(path: str, value: str) -> str:
    parts = [value if part.startswith("{") else part for part in path.split("/")]
    return "/".join(parts)


def test_the_openapi_description_lists_every_endpoint(ledger: LedgerServer) -> None:
    ops = operations(ledger)
    assert ("POST", "/v1/taps") in ops and ("GET", "/v1/lists") in ops
    assert ("POST", "/v1/gateway/sms") in ops and len(ops) >= 25


def test_junk_sent_to_every_endpoint_is_answered_without_a_500(
    ledger: LedgerServer, admin: AdminClient, bus: Bus
) -> None:
    problems: list[Any] = []
    for method, path in operations(ledger):
        for value in JUNK_PATH_VALUES:
            for body in JUNK_BODIES:
                url = ledger.url + fill(path, value)
                headers = {"Content-Type": "application/json"} | dict(admin.session.headers)
                answer = requests.request(
                    method, url, data=body, headers=headers, params={"since": "x"}, timeout=TIMEOUT
                )
                if answer.status_code >= 500:
                    problems.append((method, url, body, answer.status_code, answer.text[:200]))
    assert problems == []


@pytest.mark.parametrize("body", JUNK_BODIES)
def test_junk_signed_by_an_enrolled_device_is_answered_without_a_500(bus: Bus, body: bytes) -> None:
    answer = bus.post("/v1/taps", body, {"Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500 and answer.json()["error"]
