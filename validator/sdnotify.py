"""systemd's notify protocol (sd_notify(3)): one datagram of ``KEY=value`` lines
to the AF_UNIX socket named by ``$NOTIFY_SOCKET`` (``@name``: Linux abstract
namespace). Outside systemd (no ``NOTIFY_SOCKET``) every call is a no-op.

A notification never blocks and never raises: the tap loop must not care
whether systemd listens.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Mapping

__all__ = ["Notifier"]

log = logging.getLogger(__name__)


class Notifier:
    """Sends READY=1, STATUS=…, WATCHDOG=1 and STOPPING=1 to systemd."""

    def __init__(self, address: str | None) -> None:
        self._address = _socket_address(address)
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._warned = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Notifier:
        return cls(environ.get("NOTIFY_SOCKET"))

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def ready(self, status: str | None = None) -> bool:
        return self.notify("READY=1", *([] if status is None else [_status(status)]))

    def status(self, text: str) -> bool:
        return self.notify(_status(text))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def notify(self, *assignments: str) -> bool:
        """Send one datagram; True when it was handed to the socket."""
        if self._address is None:
            return False
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._socket.setblocking(False)
                self._socket.sendto("\n".join(assignments).encode("utf-8"), self._address)
            except OSError as error:
                self._warn(error)
                return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None

    def _warn(self, error: OSError) -> None:
        if not self._warned:  # once: a missing listener must not flood the log
            log.warning("systemd notification not delivered (%s); carrying on", error)
            self._warned = True


def _socket_address(value: str | None) -> str | None:
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    log.warning("NOTIFY_SOCKET=%r is not a unix socket path; systemd notifications off", value)
    return None


def _status(text: str) -> str:
    return "STATUS=" + " ".join(text.split())  # one line: a newline would start a new field
