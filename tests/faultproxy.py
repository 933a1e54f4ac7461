"""A small fault-injecting TCP proxy for the sync tests: it sits between the
device and the real ledger on loopback and, on command, misbehaves.

    with FaultProxy(ledger.url) as proxy:
        client = LedgerClient(proxy.url, timeout=2, ...)
        proxy.fail("reset_after_commit", on="POST /v1/taps")

Faults, each for the next request whose first line starts with ``on``:

- ``drop``: close the connection before the ledger sees the request;
- ``reset_after_commit``: forward the request, and reset the device's
  connection as the ledger's answer starts (the ledger has committed, the
  device never hears it);
- ``delay``: hold the answer for ``seconds`` before passing it on;
- ``error``: answer ``503 Service Unavailable`` without asking the ledger.

``proxy.down = True`` resets every new connection (and cuts open ones), as a
ledger that is down or a dead mobile link would, until set back to False.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

__all__ = ["FaultProxy"]

_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
)


@dataclass
class _Fault:
    kind: str
    on: str
    seconds: float = 0.0


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.down = False
        self.requests: list[str] = []  # first line of every request seen
        self.faults_done: list[str] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="faultproxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, kind: str, on: str = "", seconds: float = 0.0, times: int = 1) -> None:
        with self._lock:
            self._faults += [_Fault(kind, on, seconds) for _ in range(times)]

    def _take(self, first_line: str) -> _Fault | None:
        with self._lock:
            self.requests.append(first_line)
            for fault in self._faults:
                if first_line.startswith(fault.on):
                    self._faults.remove(fault)
                    self.faults_done.append(fault.kind)
                    return fault
        return None

    # --- plumbing -----------------------------------------------------------

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.down:
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self._upstream, timeout=5)
        except OSError:
            _reset(client)
            return
        try:
            _Pump(self, client, upstream).run()
        finally:
            client.close()
            upstream.close()

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._closing.set()
        self._thread.join(5)
        self._listener.close()


class _Pump:
    """Copies one connection both ways, applying a fault per request."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy, self.client, self.upstream = proxy, client, upstream
        self.fault: _Fault | None = None
        self.new_request = True

    def run(self) -> None:
        while not self.proxy._closing.is_set():
            if self.proxy.down:
                _reset(self.client)
                return
            readable, _, _ = select.select([self.client, self.upstream], [], [], 0.1)
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                handled = self._from_client(data) if sock is self.client else self._to_client(data)
                if not handled:
                    return

    def _from_client(self, data: bytes) -> bool:
        if self.new_request:
            self.new_request = False
            line = data.split(b"\r\n", 1)[0].decode("latin-1")
            self.fault = self.proxy._take(line)
            kind = self.fault.kind if self.fault else None
            if kind == "drop":
                return False
            if kind == "error":
                self.client.sendall(_UNAVAILABLE)
                return False
        self.upstream.sendall(data)
        return True

    def _to_client(self, data: bytes) -> bool:
        fault, self.fault = self.fault, None
        self.new_request = True
        if fault is not None and fault.kind == "reset_after_commit":
            _reset(self.client)
            return False
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        self.client.sendall(data)
        return True


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed peer or a dead link does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
