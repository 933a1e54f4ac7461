"""Fuzz the real ledger's API from its own OpenAPI description (schemathesis):
whatever a device or an operator sends, the answer is never a 5xx.

Requests carry the admin token and a device signature, so the fuzzing gets
past authentication into the handlers. A bounded, derandomized number of
examples per operation keeps the run short and repeatable. Left out: the
bulk card issue (a million cards per example is a bench, not a fuzz).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, settings

from ledger.__main__ import openapi_description
from ledger.admin_client import AdminClient
from ledger.device_auth import DeviceAuth
from ledger.envelope import public_key_text
from ledger.serve import LedgerServer
from ledger.signing import admin_token

EXAMPLES = 25


class Caller:
    """The credentials every fuzzed request carries."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        key = Ed25519PrivateKey.generate()
        code = AdminClient(url, token).enrollment_code("F001")
        body = {
            "code": code,
            "device_id": "FUZZ-1",
            "public_key": public_key_text(key.public_key()),
        }
        requests.post(f"{url}/v1/devices/enroll", json=body, timeout=10).raise_for_status()
        self.auth = DeviceAuth(key, "FUZZ-1")


@pytest.fixture(scope="module")
def caller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Caller]:
    data: Path = tmp_path_factory.mktemp("fuzzed-ledger")
    with LedgerServer(data) as server:
        yield Caller(server.url, admin_token(data))


# The description the ledger serves at /openapi.json, generated the same way
# (schemathesis' lazy fixture loader does not run under this pytest).
DESCRIPTION = openapi_description()
schema = schemathesis.openapi.from_dict(DESCRIPTION).exclude(path="/v1/admin/cards/batch")


def test_the_fuzzed_description_is_the_one_the_ledger_serves(caller: Caller) -> None:
    served = requests.get(f"{caller.url}/openapi.json", timeout=10).json()
    assert served == json.loads(json.dumps(DESCRIPTION))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_ledger_fail_with_a_5xx(case: Any, caller: Caller) -> None:
    response = case.call(base_url=caller.url, headers=dict(caller.headers), auth=caller.auth)
    assert response.status_code < 500, f"{case.method} {case.path}: {response.text[:300]}"
