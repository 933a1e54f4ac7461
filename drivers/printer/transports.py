"""How to read a status byte from each python-escpos transport, and how long
a write may take.

python-escpos's own ``_read`` waits for 16 bytes (a whole timeout on a serial
line for a one-byte reply), so status replies are read here one byte at a
time from the transport underneath. ``drain`` throws away bytes still
waiting (late replies) before a fresh query. ``allow`` sets the write
timeout for a payload of n bytes: long enough for the line to carry it and
the printer to print it, short enough that a printer that stopped taking
data (flow control held, cable cut) does not hang the sale.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["NO_STATUS", "Transport", "network", "serial", "usb"]

_DRAIN_LIMIT = 64
_BITS_PER_BYTE = 10  # start + 8 data + stop
_PRINTING_BYTES_PER_S = 4000  # a 58 mm printer at about 60 mm/s of raster
_MS = 1000


@dataclass(frozen=True, slots=True)
class Transport:
    read_byte: Callable[[Any], bytes]  # b"" when the printer did not answer in time
    drain: Callable[[Any], None]
    allow: Callable[[Any, int], None]  # set the write timeout for n bytes
    answers: bool = True  # False: the transport cannot read status at all


def serial(baudrate: int, timeout: float) -> Transport:
    def allow(printer: Any, size: int) -> None:
        line_rate = min(baudrate / _BITS_PER_BYTE, _PRINTING_BYTES_PER_S)
        printer.device.write_timeout = timeout + size / line_rate

    return Transport(_serial_read, _serial_drain, allow)


def network(timeout: float) -> Transport:
    def allow(printer: Any, size: int) -> None:
        printer.device.settimeout(timeout + size / _PRINTING_BYTES_PER_S)

    return Transport(_socket_read, _socket_drain, allow)


def usb(timeout: float) -> Transport:
    def allow(printer: Any, size: int) -> None:
        printer.timeout = int((timeout + size / _PRINTING_BYTES_PER_S) * _MS)

    return Transport(_usb_read, _nothing, allow)


def _serial_read(printer: Any) -> bytes:
    return bytes(printer.device.read(1))


def _serial_drain(printer: Any) -> None:
    printer.device.reset_input_buffer()


def _socket_read(printer: Any) -> bytes:
    try:
        data: bytes = printer.device.recv(1)
    except TimeoutError:
        return b""
    if not data:
        raise ConnectionResetError("the printer closed the connection")
    return data


def _socket_drain(printer: Any) -> None:
    sock: socket.socket = printer.device
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        for _ in range(_DRAIN_LIMIT):
            if not sock.recv(16):
                break
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(timeout)


def _usb_read(printer: Any) -> bytes:
    try:
        return bytes(printer._read())[:1]
    except OSError as problem:  # pyusb's USBTimeoutError is an OSError
        if "timeout" in type(problem).__name__.lower() or "timed out" in str(problem):
            return b""
        raise


def _nothing(printer: Any, *size: int) -> None:
    return None


def _silent(printer: Any) -> bytes:
    return b""


NO_STATUS = Transport(_silent, _nothing, _nothing, answers=False)
