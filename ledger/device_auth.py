"""Request signatures: how a device proves who it is on every request.

Shared by the device (signing, through :class:`DeviceAuth` for ``requests``)
and the ledger (verifying). No web framework here.

Four headers go with every device request::

    X-Device-Id   the enrolled device id
    X-Timestamp   Unix time in whole seconds; the ledger allows ±5 minutes
    X-Nonce       16 to 64 characters of [A-Za-z0-9_-], never reused
    X-Signature   base64 Ed25519 signature over the string to sign

The string to sign is five lines joined by ``\\n`` (no final newline)::

    METHOD            upper case, e.g. POST
    PATH?QUERY        as sent, e.g. /v1/lists?since=41 (no "?" when no query)
    TIMESTAMP         the X-Timestamp value
    NONCE             the X-Nonce value
    SHA256(BODY)      lower-case hex of the body bytes as sent (gzip'd if gzip'd)
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["DeviceAuth", "sign_headers", "string_to_sign"]

EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def string_to_sign(method: str, target: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The exact bytes a device signs and the ledger verifies."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((method.upper(), target, timestamp, nonce, digest)).encode("utf-8")


def sign_headers(
    key: Ed25519PrivateKey,
    device_id: str,
    method: str,
    target: str,
    body: bytes,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four authentication headers for one request."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_urlsafe(18)
    message = string_to_sign(method, target, timestamp, nonce, body)
    signature = base64.b64encode(key.sign(message)).decode("ascii")
    return {
        "X-Device-Id": device_id,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature,
    }


class DeviceAuth(requests.auth.AuthBase):
    """``requests`` auth that signs each prepared request as this device.

    ``requests.post(url, data=body, auth=DeviceAuth(key, "BUS-0042"), timeout=10)``
    Pass the body as bytes (already gzip'd, if you set Content-Encoding: gzip).
    """

    def __init__(self, key: Ed25519PrivateKey, device_id: str) -> None:
        self.key = key
        self.device_id = device_id

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(body, bytes):
            raise TypeError("DeviceAuth signs bytes bodies only; pass data=bytes")
        parts = urlsplit(request.url or "")
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        method = request.method or "GET"
        request.headers.update(sign_headers(self.key, self.device_id, method, target, body))
        return request
