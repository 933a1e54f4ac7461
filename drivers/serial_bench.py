"""The far end of a serial device, for depot benches and tests.

``open_far_end(port)`` gives something to write scanner or receiver bytes
into: either a real port or URL (a USB-serial adapter wired to the
validator's port, ``socket://HOST:PORT``), or ``pty:PATH``, a pseudo
terminal on this machine whose device end is linked at PATH, where a
validator on the same machine opens it (``qr.port = "PATH"``).
"""

from __future__ import annotations

import contextlib
import os
import tty
from pathlib import Path
from typing import Protocol

from drivers.errors import DeviceUnavailable
from drivers.serial_link import SerialLink

__all__ = ["BenchPty", "FarEnd", "open_far_end"]

PTY_SCHEME = "pty:"


class FarEnd(Protocol):
    def write(self, data: bytes) -> None: ...
    def close(self) -> None: ...


class BenchPty:
    """A raw pty: the validator opens ``link``, we write to the other side.

    Like a real scanner or receiver on a cable nobody reads, bytes that find
    no room (no validator has the port open yet) are dropped, never queued.
    The device end stays open here too, so the validator can close and
    reopen it without the pty going away.
    """

    def __init__(self, link: Path) -> None:
        self.link = link
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.device = os.ttyname(self._slave)
        try:
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            link.symlink_to(self.device)
        except OSError as error:
            self.close()
            raise DeviceUnavailable(f"cannot create the bench link {link}: {error}") from None

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self._master, view) :]
            except BlockingIOError:
                return  # nobody is reading: the rest goes nowhere, as on a real cable

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.link.is_symlink():
                self.link.unlink()
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class _PortEnd:
    def __init__(self, url: str) -> None:
        self._link = SerialLink(url, "serial port", "Check the port name or URL and the cable.")
        self._link.open()

    def write(self, data: bytes) -> None:
        self._link.write(data)

    def close(self) -> None:
        self._link.close()


def open_far_end(port: str) -> FarEnd:
    """``pty:PATH`` for a bench pty, else a serial port or pyserial URL;
    raises ``DeviceUnavailable`` when it cannot be opened."""
    if port.startswith(PTY_SCHEME):
        return BenchPty(Path(port[len(PTY_SCHEME) :]))
    return _PortEnd(port)
