"""Enrollment and signed requests against the real ledger on loopback."""

from __future__ import annotations

import time

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.admin_client import AdminClient
from ledger.device_auth import sign_headers
from ledger.envelope import public_key_text
from ledger.serve import LedgerServer
from tests.test_ledger_fixtures import TIMEOUT, Bus, admin, bus, ledger

__all__ = ["admin", "bus", "ledger"]  # fixtures


def enroll(url: str, code: str, device_id: str, key: Ed25519PrivateKey) -> requests.Response:
    body = {"code": code, "device_id": device_id, "public_key": public_key_text(key.public_key())}
    return requests.post(f"{url}/v1/devices/enroll", json=body, timeout=TIMEOUT)


def signed_get(bus: Bus, path: str, **overrides: object) -> requests.Response:
    headers = sign_headers(bus.key, bus.device_id, "GET", path, b"", **overrides)  # type: ignore[arg-type]
    return requests.get(bus.url + path, headers=headers, timeout=TIMEOUT)


def test_a_good_code_enrolls_a_device_once_and_a_reused_code_is_refused(
    ledger: LedgerServer, admin: AdminClient
) -> None:
    code = admin.enrollment_code("A100")
    first = enroll(ledger.url, code, "ENROLL-1", Ed25519PrivateKey.generate())
    assert first.status_code == 200
    assert first.json()["bus_number"] == "A100" and first.json()["next_seq"] == 1
    again = enroll(ledger.url, code, "ENROLL-2", Ed25519PrivateKey.generate())
    assert again.status_code == 403 and again.json()["error"] == "enrollment_code_used"


def test_a_device_retrying_its_enrollment_with_the_same_key_is_answered_again(
    ledger: LedgerServer, admin: AdminClient
) -> None:
    code, key = admin.enrollment_code("A101"), Ed25519PrivateKey.generate()
    assert enroll(ledger.url, code, "ENROLL-3", key).status_code == 200
    assert enroll(ledger.url, code, "ENROLL-3", key).status_code == 200


def test_a_made_up_code_is_refused(ledger: LedgerServer) -> None:
    answer = enroll(ledger.url, "AAAA-BBBB-CCCC", "ENROLL-4", Ed25519PrivateKey.generate())
    assert answer.status_code == 403 and answer.json()["error"] == "bad_enrollment_code"


def test_a_signed_request_from_an_enrolled_device_is_answered(bus: Bus) -> None:
    assert bus.status()["device_id"] == bus.device_id


def test_an_unknown_device_is_refused(ledger: LedgerServer) -> None:
    stranger = Ed25519PrivateKey.generate()
    headers = sign_headers(stranger, "NOBODY", "GET", "/v1/devices/me", b"")
    answer = requests.get(f"{ledger.url}/v1/devices/me", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 401 and answer.json()["error"] == "unknown_device"


def test_a_revoked_device_is_refused(bus: Bus, admin: AdminClient) -> None:
    admin.revoke(bus.device_id)
    answer = bus.get("/v1/devices/me")
    assert answer.status_code == 403 and answer.json()["error"] == "device_revoked"


def test_a_request_signed_with_another_key_is_refused(bus: Bus) -> None:
    other = Ed25519PrivateKey.generate()
    headers = sign_headers(other, bus.device_id, "GET", "/v1/devices/me", b"")
    answer = requests.get(f"{bus.url}/v1/devices/me", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 401 and answer.json()["error"] == "bad_signature"


def test_a_signature_over_another_path_is_refused(bus: Bus) -> None:
    headers = sign_headers(bus.key, bus.device_id, "GET", "/v1/tickets", b"")
    answer = requests.get(f"{bus.url}/v1/devices/me", headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 401 and answer.json()["error"] == "bad_signature"


def test_a_replayed_nonce_is_refused(bus: Bus) -> None:
    headers = sign_headers(bus.key, bus.device_id, "GET", "/v1/devices/me", b"")
    first = requests.get(f"{bus.url}/v1/devices/me", headers=headers, timeout=TIMEOUT)
    replay = requests.get(f"{bus.url}/v1/devices/me", headers=headers, timeout=TIMEOUT)
    assert first.status_code == 200
    assert replay.status_code == 401 and replay.json()["error"] == "replayed_nonce"


def test_a_stale_timestamp_is_refused_with_the_ledger_time(bus: Bus) -> None:
    answer = signed_get(bus, "/v1/devices/me", now=time.time() - 600)
    assert answer.status_code == 401 and answer.json()["error"] == "stale_timestamp"
    assert abs(answer.json()["server_time"] - time.time()) < 60


def test_a_request_without_signature_headers_is_refused(ledger: LedgerServer) -> None:
    answer = requests.get(f"{ledger.url}/v1/devices/me", timeout=TIMEOUT)
    assert answer.status_code == 401 and answer.json()["error"] == "missing_auth"


def test_admin_endpoints_need_the_admin_token(ledger: LedgerServer) -> None:
    body = {"bus_number": "Z1"}
    answer = requests.post(f"{ledger.url}/v1/admin/enrollment-codes", json=body, timeout=TIMEOUT)
    assert answer.status_code == 401 and answer.json()["error"] == "admin_token_required"
