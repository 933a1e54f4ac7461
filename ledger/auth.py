"""Device enrollment, revocation and the signature check on every device request.

A technician makes a one-time enrollment code for a bus (admin); the device
presents it with its Ed25519 public key and gets the ledger's public key to
pin. From then on every request carries the headers of
:mod:`ledger.device_auth`; :func:`device_request` refuses unknown devices,
revoked devices, bad signatures, stale timestamps and replayed nonces.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, Path, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from ledger.context import AdminDep, Ledger, LedgerDep, iso, ledger_of, utc_now
from ledger.device_auth import string_to_sign
from ledger.envelope import b64decode, key_id, parse_public_key, public_key_text
from ledger.errors import LedgerError
from ledger.inputs import BUS_NUMBER, DEVICE_ID, Body

router = APIRouter()

GENESIS_HASH = "0" * 64
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_AUTH_HEADERS = ("x-device-id", "x-timestamp", "x-nonce", "x-signature")


class CodeRequest(Body):
    bus_number: str = Field(pattern=BUS_NUMBER, examples=["B123"])
    valid_hours: int = Field(default=24, strict=True, ge=1, le=24 * 30)


class EnrollRequest(Body):
    code: str = Field(max_length=32, examples=["K7QX-M2PD-9TAE"])
    device_id: str = Field(pattern=DEVICE_ID, examples=["BUS-0042"])
    public_key: str = Field(max_length=64, description="raw 32-byte Ed25519 key, base64")


@dataclass(frozen=True, slots=True)
class Device:
    """The device a request was proven to come from, and the body it signed."""

    device_id: str
    bus_number: str
    body: bytes


@router.post("/v1/admin/enrollment-codes", tags=["admin"], dependencies=[AdminDep])
def create_enrollment_code(request: CodeRequest, ledger: LedgerDep) -> dict[str, Any]:
    """A one-time code a technician types into the device to enroll it for a bus."""
    code = "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    expires = int(time.time()) + request.valid_hours * 3600
    with ledger.db.write() as conn:
        conn.execute(
            "INSERT INTO enrollment_codes(code, bus_number, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (code.replace("-", ""), request.bus_number, iso(utc_now()), expires),
        )
    return {"code": code, "bus_number": request.bus_number, "expires_at": expires}


@router.post("/v1/devices/enroll", tags=["devices"])
def enroll(request: EnrollRequest, ledger: LedgerDep) -> dict[str, Any]:
    """Register a device's public key with a one-time code; pin the answer's key."""
    try:
        raw_key = b64decode(request.public_key)
        parse_public_key(request.public_key)
    except ValueError:
        raise LedgerError(
            422, "bad_public_key", "public_key: base64 of a raw 32-byte key"
        ) from None
    code = re.sub(r"[\s-]", "", request.code).upper()
    with ledger.db.write() as conn:
        bus = _use_code(conn, code, request.device_id, raw_key)
        _add_device(conn, request.device_id, raw_key, bus)
    return device_status(ledger, request.device_id)


def _use_code(conn: sqlite3.Connection, code: str, device_id: str, raw_key: bytes) -> str:
    row = conn.execute(
        "SELECT bus_number, expires_at, used_by, used_key FROM enrollment_codes WHERE code = ?",
        (code,),
    ).fetchone()
    if row is None:
        raise LedgerError(403, "bad_enrollment_code", "no such enrollment code")
    bus, expires, used_by, used_key = row
    if used_by is not None and (used_by, used_key) != (device_id, raw_key):
        raise LedgerError(403, "enrollment_code_used", "this enrollment code was already used")
    if used_by is None and expires < time.time():
        raise LedgerError(403, "enrollment_code_expired", "this enrollment code has expired")
    conn.execute(
        "UPDATE enrollment_codes SET used_by = ?, used_key = ?, used_at = ? WHERE code = ?",
        (device_id, raw_key, iso(utc_now()), code),
    )
    return str(bus)


def _add_device(conn: sqlite3.Connection, device_id: str, raw_key: bytes, bus: str) -> None:
    row = conn.execute(
        "SELECT public_key FROM devices WHERE device_id = ?", (device_id,)
    ).fetchone()
    if row is not None and bytes(row[0]) == raw_key:
        return  # the same device retrying after a lost answer
    if row is not None:
        raise LedgerError(409, "device_exists", f"device {device_id} is already enrolled")
    conn.execute(
        "INSERT INTO devices(device_id, public_key, bus_number, status, enrolled_at,"
        " watermark, tip_hash) VALUES (?, ?, ?, 'active', ?, 0, ?)",
        (device_id, raw_key, bus, iso(utc_now()), GENESIS_HASH),
    )


def device_status(ledger: Ledger, device_id: str) -> dict[str, Any]:
    """What a device needs to resume: its watermark and the key to pin."""
    with ledger.db.read() as conn:
        row = conn.execute(
            "SELECT bus_number, status, watermark, tip_hash FROM devices WHERE device_id = ?",
            (device_id,),
        ).fetchone()
    if row is None:
        raise LedgerError(404, "unknown_device", f"no device {device_id}")
    public = ledger.key.public_key()
    return {
        "device_id": device_id,
        "bus_number": row[0],
        "status": row[1],
        "watermark": row[2],
        "next_seq": row[2] + 1,
        "last_hash": row[3],
        "ledger_public_key": public_key_text(public),
        "ledger_key_id": key_id(public),
        "server_time": iso(utc_now()),
    }


@router.post("/v1/admin/devices/{device_id}/revoke", tags=["admin"], dependencies=[AdminDep])
def revoke(device_id: Annotated[str, Path(pattern=DEVICE_ID)], ledger: LedgerDep) -> dict[str, Any]:
    """Refuse every further request from this device (stolen or retired unit)."""
    with ledger.db.write() as conn:
        changed = conn.execute(
            "UPDATE devices SET status = 'revoked', revoked_at = ? WHERE device_id = ?",
            (iso(utc_now()), device_id),
        ).rowcount
    if not changed:
        raise LedgerError(404, "unknown_device", f"no device {device_id}")
    return {"device_id": device_id, "status": "revoked"}


@router.get("/v1/admin/devices", tags=["admin"], dependencies=[AdminDep])
def list_devices(ledger: LedgerDep) -> list[dict[str, Any]]:
    with ledger.db.read() as conn:
        rows = conn.execute(
            "SELECT device_id, bus_number, status, watermark, enrolled_at FROM devices"
            " ORDER BY device_id"
        ).fetchall()
    names = ("device_id", "bus_number", "status", "watermark", "enrolled_at")
    return [dict(zip(names, row, strict=True)) for row in rows]


async def device_request(request: Request) -> Device:
    """FastAPI dependency: the signed request's device, or a 401/403."""
    body = await request.body()
    target = _target(request.scope)
    headers = {name: request.headers.get(name, "") for name in _AUTH_HEADERS}
    ledger = ledger_of(request)
    return await run_in_threadpool(verify, ledger, request.method, target, headers, body)


DeviceDep = Annotated[Device, Depends(device_request)]


@router.get("/v1/devices/me", tags=["devices"])
def me(device: DeviceDep, ledger: LedgerDep) -> dict[str, Any]:
    """The calling device's status and watermark (signed request)."""
    return device_status(ledger, device.device_id)


def _target(scope: Mapping[str, Any]) -> str:
    raw_path = scope.get("raw_path") or str(scope["path"]).encode("utf-8")
    query = scope.get("query_string") or b""
    target = bytes(raw_path).decode("latin-1")
    return f"{target}?{bytes(query).decode('latin-1')}" if query else target


def verify(
    ledger: Ledger, method: str, target: str, headers: Mapping[str, str], body: bytes
) -> Device:
    """Check the four headers, the device, the signature and the nonce."""
    missing = [name for name in _AUTH_HEADERS if not headers[name]]
    if missing:
        raise LedgerError(401, "missing_auth", f"missing header(s): {', '.join(missing)}")
    timestamp, nonce = headers["x-timestamp"], headers["x-nonce"]
    now = int(time.time())
    _check_freshness(ledger, timestamp, nonce, now)
    device_id = headers["x-device-id"]
    key, bus = _device_key(ledger, device_id)
    _check_signature(
        key, headers["x-signature"], string_to_sign(method, target, timestamp, nonce, body)
    )
    _remember_nonce(ledger, device_id, nonce, now)
    return Device(device_id, bus, body)


def _check_freshness(ledger: Ledger, timestamp: str, nonce: str, now: int) -> None:
    if not _NONCE.fullmatch(nonce):
        raise LedgerError(401, "bad_nonce", "X-Nonce: 16 to 64 characters of A-Z a-z 0-9 _ -")
    if not timestamp.isdigit() or abs(int(timestamp) - now) > ledger.settings.clock_skew_s:
        raise LedgerError(
            401,
            "stale_timestamp",
            "X-Timestamp is not within 5 minutes of the ledger's clock",
            server_time=now,
        )


def _device_key(ledger: Ledger, device_id: str) -> tuple[Ed25519PublicKey, str]:
    with ledger.db.read() as conn:
        row = conn.execute(
            "SELECT public_key, bus_number, status FROM devices WHERE device_id = ?", (device_id,)
        ).fetchone()
    if row is None:
        raise LedgerError(401, "unknown_device", f"device {device_id!r} is not enrolled")
    if row[2] != "active":
        raise LedgerError(403, "device_revoked", f"device {device_id} has been revoked")
    return Ed25519PublicKey.from_public_bytes(bytes(row[0])), str(row[1])


def _check_signature(key: Ed25519PublicKey, signature: str, message: bytes) -> None:
    try:
        key.verify(b64decode(signature), message)
    except (ValueError, InvalidSignature):
        raise LedgerError(401, "bad_signature", "the request signature does not verify") from None


def _remember_nonce(ledger: Ledger, device_id: str, nonce: str, now: int) -> None:
    horizon = now - 2 * ledger.settings.clock_skew_s
    try:
        with ledger.db.write() as conn:
            conn.execute("DELETE FROM nonces WHERE seen_at < ?", (horizon,))
            conn.execute("INSERT INTO nonces VALUES (?, ?, ?)", (device_id, nonce, now))
    except sqlite3.IntegrityError:
        raise LedgerError(401, "replayed_nonce", "this nonce was already used") from None
