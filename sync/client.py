"""The HTTP client of the ledger's device API, on ``requests``.

Every call has the configured timeout. Device calls are signed with the
device key (``ledger.device_auth``), at the ledger's time as this device
last measured it, so a unit whose clock drifted still signs acceptably.
Library exceptions stay here: callers see :class:`LedgerUnreachable` (no
usable answer: retry later) or :class:`LedgerRefused` (a 4xx with its code).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from requests.exceptions import RequestException
from urllib3.exceptions import HTTPError as Urllib3Error

from ledger.device_auth import sign_headers
from sync.errors import LedgerRefused, LedgerUnreachable

__all__ = ["Download", "LedgerClient", "SignedAuth"]

MAX_DOWNLOAD = 512 * 1024 * 1024  # bytes as sent; a million-card snapshot is about 5 MB gzip'd
_CHUNK = 256 * 1024
_TEMPORARY = {408, 425, 429}


class SignedAuth(requests.auth.AuthBase):
    """Signs each request as the device, at the ledger's estimated time."""

    def __init__(self, key: Ed25519PrivateKey, device_id: str, client: LedgerClient) -> None:
        self._key, self._device_id, self._client = key, device_id, client

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        body = body.encode("utf-8") if isinstance(body, str) else body
        if not isinstance(body, bytes):
            raise TypeError("requests to the ledger are signed over bytes bodies only")
        url = urlsplit(request.url or "")
        target = url.path + (f"?{url.query}" if url.query else "")
        now = time.time() + self._client.clock_offset
        headers = sign_headers(
            self._key, self._device_id, request.method or "GET", target, body, now
        )
        request.headers.update(headers)
        return request


@dataclass(frozen=True, slots=True)
class Download:
    """A body as it came over the wire (still gzip'd when ``gzipped``)."""

    data: bytes
    gzipped: bool


class LedgerClient:
    """One ledger, one device. ``bytes_sent`` counts request bodies on the wire."""

    def __init__(
        self,
        url: str,
        timeout: float,
        key: Ed25519PrivateKey | None = None,
        device_id: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.clock_offset = 0.0  # seconds to add to this clock to get the ledger's
        self.bytes_sent = 0
        self.session = requests.Session()
        self._auth = SignedAuth(key, device_id, self) if key and device_id else None

    def close(self) -> None:
        self.session.close()

    # --- calls --------------------------------------------------------------

    def enroll(self, code: str, device_id: str, public_key: str) -> dict[str, Any]:
        body = {"code": code, "device_id": device_id, "public_key": public_key}
        return self._json("POST", "/v1/devices/enroll", "the enrollment", json=body, signed=False)

    def me(self) -> dict[str, Any]:
        return self._json("GET", "/v1/devices/me", "the status request", signed=True)

    def upload(self, body: bytes) -> dict[str, Any]:
        """POST one gzip'd batch (``ledger.wire.encode_batch``); the acknowledgement."""
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        self.bytes_sent += len(body)
        return self._json("POST", "/v1/taps", "the upload", data=body, headers=headers)

    def lists(self, since: int) -> Download:
        return self._download("/v1/lists", "the list download", {"since": since})

    def fares(self) -> bytes:
        return self._response("GET", "/v1/fares", "the fare table download", signed=False).content

    def routes(self) -> bytes:
        return self._response("GET", "/v1/routes", "the route data download", signed=False).content

    def positions(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST a batch of positions for the arrival board; the acknowledgement."""
        return self._json("POST", "/v1/positions", "the position upload", json=body)

    def tickets(self, after: int) -> dict[str, Any]:
        return self._json("GET", "/v1/tickets", "the ticket download", params={"after": after})

    def measure_offset(self) -> float:
        """Ask the ledger's time; keep and return the offset (ledger − this clock)."""
        started = time.time()
        answer = self._json("GET", "/v1/time", "the time request", signed=False)
        ended = time.time()
        unix_ms = answer.get("unix_ms")
        if not isinstance(unix_ms, int):
            raise LedgerUnreachable(f"the ledger at {self.url} answered the time without unix_ms")
        self.clock_offset = unix_ms / 1000 - (started + ended) / 2
        return self.clock_offset

    # --- plumbing -----------------------------------------------------------

    def _json(self, method: str, path: str, doing: str, **options: Any) -> dict[str, Any]:
        signed = options.pop("signed", True)
        response = self._response(method, path, doing, signed=signed, **options)
        try:
            value = response.json()
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise LedgerUnreachable(f"the ledger at {self.url} answered {doing} with no JSON")
        return value

    def _download(self, path: str, doing: str, params: Mapping[str, Any]) -> Download:
        response = self._response("GET", path, doing, params=params, stream=True)
        try:
            data = b"".join(_capped(response.raw.stream(_CHUNK, decode_content=False)))
        except (RequestException, Urllib3Error, OSError) as error:
            raise LedgerUnreachable(f"{doing} from {self.url} was cut off ({error})") from None
        finally:
            response.close()
        gzipped = response.headers.get("Content-Encoding", "").lower() == "gzip"
        return Download(data, gzipped)

    def _response(
        self, method: str, path: str, doing: str, *, signed: bool = True, **options: Any
    ) -> requests.Response:
        """One request, retried once with a corrected clock on ``stale_timestamp``."""
        try:
            return self._checked(method, path, doing, signed, options)
        except LedgerRefused as error:
            if error.code != "stale_timestamp" or not signed:
                raise
        self.measure_offset()
        return self._checked(method, path, doing, signed, options)

    def _checked(
        self, method: str, path: str, doing: str, signed: bool, options: dict[str, Any]
    ) -> requests.Response:
        auth = self._auth if signed else None
        if signed and auth is None:
            raise LedgerRefused(401, {"error": "unknown_device"}, doing)
        url, timeout = self.url + path, self.timeout  # every call has a timeout
        try:
            response = self.session.request(method, url, timeout=timeout, auth=auth, **options)
        except RequestException as error:
            raise LedgerUnreachable(
                f"no answer from {self.url} to {doing} ({_why(error)})"
            ) from None
        if response.status_code >= 500 or response.status_code in _TEMPORARY:
            response.close()
            raise LedgerUnreachable(
                f"the ledger at {self.url} failed {doing} ({response.status_code})"
            )
        if response.status_code >= 400:
            raise LedgerRefused(response.status_code, _error_body(response), doing)
        return response


def _capped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_DOWNLOAD:
            raise OSError(f"more than {MAX_DOWNLOAD} bytes")
        yield chunk


def _error_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {"message": response.text[:200]}


def _why(error: RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection failed or was reset"
    return type(error).__name__
