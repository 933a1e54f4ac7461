"""A receipt printer over python-escpos that never raises.

One print attempt: connect, ask the printer's status (cover, paper) where the
transport can answer, send the receipt's bytes, ask again (the paper may
have run out half way). Every library or OS exception becomes a
``PrintResult`` with the fault, and the connection is dropped so the next
attempt (Reprint) starts afresh, e.g. after the cable was plugged back in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from escpos.exceptions import DeviceNotFoundError  # type: ignore[import-untyped]

from drivers.printer import status
from drivers.printer.render import receipt_bytes
from drivers.printer.settings import Layout
from drivers.printer.text_image import Fonts
from drivers.printer.transports import Transport
from validator.printing import PrintFault, PrintResult, Receipt

__all__ = ["EscposPrinter"]

log = logging.getLogger("drivers.printer")


class _Fault(Exception):
    def __init__(self, fault: PrintFault, detail: str) -> None:
        super().__init__(detail)
        self.fault = fault


class EscposPrinter:
    """``make`` builds a fresh, unopened python-escpos printer; ``where``
    names it for the technician ("serial /dev/ttyUSB0")."""

    def __init__(
        self,
        make: Callable[[], Any],
        transport: Transport,
        layout: Layout,
        fonts: Fonts | None,
        where: str,
    ) -> None:
        self._make, self._transport, self._where = make, transport, where
        self._layout, self._fonts = layout, fonts
        self._printer: Any = None

    def print_receipt(self, receipt: Receipt) -> PrintResult:
        try:
            payload = receipt_bytes(receipt, self._layout, self._fonts)
        except Exception as problem:  # a receipt that cannot be drawn is our bug, not a fault
            log.exception("receipt could not be rendered")
            return PrintResult(PrintFault.FAILED, detail=f"receipt not rendered: {problem}")
        return self._send(payload)

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception as problem:  # closing a dead link must not fail the caller
                log.debug("closing printer %s: %s", self._where, problem)

    def _send(self, payload: bytes) -> PrintResult:
        started = False
        try:
            printer = self._connected()
            self._check(printer)
            started = True
            self._transport.allow(printer, len(payload))
            printer._raw(payload)
            self._check(printer)
            return PrintResult()
        except _Fault as fault:
            return self._failed(fault.fault, str(fault), started)
        except Exception as problem:  # every library error becomes a value
            return self._failed(_classify(problem), f"{type(problem).__name__}: {problem}", started)

    def _connected(self) -> Any:
        if self._printer is None:
            self._printer = self._make()
            self._printer.open()  # raises DeviceNotFoundError when not there
        return self._printer

    def _check(self, printer: Any) -> None:
        """Raise ``_Fault`` when the printer reports one; silence says nothing."""
        if not self._transport.answers:
            return
        self._transport.drain(printer)
        for query in (status.OFFLINE_CAUSE, status.PAPER_SENSOR):
            printer._raw(status.query(query))
            reply = self._transport.read_byte(printer)
            if not status.is_status(reply):
                return  # no answer: this printer or link does not report status
            fault = status.fault_in(query, reply)
            if fault is not None:
                raise _Fault(fault, f"DLE EOT {query} answered {reply.hex()}")

    def _failed(self, fault: PrintFault, detail: str, started: bool) -> PrintResult:
        log.warning("printer %s: %s (%s)", self._where, fault.value, detail)
        self.close()
        return PrintResult(fault, partial=started, detail=f"{self._where}: {detail}")


def _classify(problem: Exception) -> PrintFault:
    """Not found, unplugged, refused, reset, timed out: NOT_CONNECTED (pyserial's
    and pyusb's errors are OSErrors); any other escpos or library error: FAILED."""
    if isinstance(problem, DeviceNotFoundError | OSError):
        return PrintFault.NOT_CONNECTED
    return PrintFault.FAILED
