"""A stand-in for systemd's notify socket: a real bound AF_UNIX datagram socket."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class FakeSystemd:
    """A bound datagram socket, as systemd's notify socket is."""

    def __init__(self, address: str) -> None:
        self.address = address  # as NOTIFY_SOCKET names it
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)

    def receive(self, timeout: float = 5.0) -> str:
        self.sock.settimeout(timeout)
        return self.sock.recv(4096).decode("utf-8")

    def pending(self) -> list[str]:
        """Every message already delivered, without waiting."""
        self.sock.setblocking(False)
        messages = []
        try:
            while True:
                messages.append(self.sock.recv(4096).decode("utf-8"))
        except BlockingIOError:
            return messages

    def close(self) -> None:
        self.sock.close()


@contextmanager
def fake_systemd() -> Iterator[FakeSystemd]:
    with tempfile.TemporaryDirectory(prefix="sd") as folder:  # short: sun_path is 108 bytes
        fake = FakeSystemd(str(Path(folder) / "notify"))
        try:
            yield fake
        finally:
            fake.close()
