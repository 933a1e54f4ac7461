"""A thermal printer on the far end of a real serial line (a pty) or TCP socket.

It answers the ESC/POS real-time status queries (DLE EOT 1, 2, 4) from its
state and records every other byte as printed, skipping over the payloads of
raster images and 2D codes the way a printer does. Handles for tests:
``paper_out``, ``cover_open``, ``run_out_after`` (the roll ends after so many
printed bytes), ``hang_up_after`` (TCP: the printer drops the line).
"""

from __future__ import annotations

import os
import select
import socket
import struct
import threading
import tty
from dataclasses import dataclass, field

DLE_EOT = b"\x10\x04"
_FIXED = 0x12


@dataclass
class PrinterState:
    paper_out: bool = False
    cover_open: bool = False
    run_out_after: int | None = None
    hang_up_after: int | None = None
    printed: bytearray = field(default_factory=bytearray)
    queries: list[int] = field(default_factory=list)

    def status(self, n: int) -> bytes:
        self.queries.append(n)
        if n == 1:
            offline = self.paper_out or self.cover_open
            return bytes([_FIXED | (0x08 if offline else 0)])
        if n == 2:
            return bytes(
                [_FIXED | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)]
            )
        if n == 4:
            return bytes([_FIXED | (0x60 if self.paper_out else 0)])
        return b""

    def take(self, data: bytes) -> None:
        self.printed += data
        if self.run_out_after is not None and len(self.printed) >= self.run_out_after:
            self.paper_out = True


class _Stream:
    """Splits the incoming bytes into status queries and printed bytes."""

    def __init__(self, state: PrinterState) -> None:
        self.state = state
        self.buffer = b""

    def feed(self, data: bytes) -> bytes:
        """Returns the replies to send back."""
        self.buffer += data
        replies = b""
        while self.buffer:
            used, reply = self._one()
            if used == 0:
                break
            replies += reply
            self.buffer = self.buffer[used:]
        return replies

    def _one(self) -> tuple[int, bytes]:
        buf = self.buffer
        if buf.startswith(DLE_EOT):
            return (3, self.state.status(buf[2])) if len(buf) >= 3 else (0, b"")
        length = _command_length(buf)
        if length == 0 or len(buf) < length:
            return 0, b""
        self.state.take(buf[:length])
        return length, b""


def _command_length(buf: bytes) -> int:
    """Bytes in the command at the start of ``buf``; 0 when more are needed."""
    if buf[:3] == b"\x1dv0":
        if len(buf) < 8:
            return 0
        width, height = buf[4] + 256 * buf[5], buf[6] + 256 * buf[7]
        return 8 + width * height
    if buf[:3] in (b"\x1d(k", b"\x1d(L"):
        return 5 + buf[3] + 256 * buf[4] if len(buf) >= 5 else 0
    if buf[:1] in (b"\x10", b"\x1d") and len(buf) < 3:
        return 0
    return 1


class SerialFakePrinter:
    """The printer on the other end of a pty; ``port`` is the device to open."""

    def __init__(self, state: PrinterState | None = None) -> None:
        self.state = state or PrinterState()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stream = _Stream(self.state)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            replies = self._stream.feed(data)
            if replies:
                os.write(self._master, replies)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self._master)
        os.close(self._slave)


class NetworkFakePrinter:
    """A printer on a TCP port on loopback (like port 9100 of a LAN printer)."""

    def __init__(self, state: PrinterState | None = None) -> None:
        self.state = state or PrinterState()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)
        self.host, self.port = self._server.getsockname()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                self._talk(conn, _Stream(self.state))

    def _talk(self, conn: socket.socket, stream: _Stream) -> None:
        conn.settimeout(0.05)
        while not self._stop.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            if not data:
                return
            replies = stream.feed(data)
            limit = self.state.hang_up_after
            if limit is not None and len(self.state.printed) >= limit:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return  # closing with linger 0 resets the line, like a cut cable
            if replies:
                conn.sendall(replies)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.close()
