"""The receipt printer named by the config: usb, serial, network, dummy, none.

``build_printer`` checks the settings and loads the fonts at start-up, so a
wrong profile or a missing font is a config error before the first sale,
not a failed ticket. Opening the device waits for the first print: a printer
switched on after the validator still works.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from escpos.printer import Dummy, Network, Serial, Usb  # type: ignore[import-untyped]

from drivers.printer import transports
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.settings import Layout, PrinterSettings, PrinterSettingsError, check_settings
from drivers.printer.text_image import Fonts, load_fonts
from drivers.printer.transports import NO_STATUS, Transport
from validator.printing import PrintFault, PrintResult, Receipt, ReceiptPrinter

__all__ = ["DummyPrinter", "NoPrinter", "build_printer"]

_MS = 1000


class NoPrinter:
    """``kind = "none"``: no printer on this unit; every attempt says so."""

    def print_receipt(self, receipt: Receipt) -> PrintResult:
        return PrintResult(PrintFault.NOT_CONNECTED, detail="no printer configured (printer.kind)")

    def close(self) -> None:
        return None


class DummyPrinter(EscposPrinter):
    """``kind = "dummy"``: python-escpos's Dummy; ``output`` holds every byte sent."""

    def __init__(self, layout: Layout, fonts: Fonts | None) -> None:
        self._dummy = Dummy(profile=layout.profile)
        super().__init__(lambda: self._dummy, NO_STATUS, layout, fonts, "dummy printer")

    @property
    def output(self) -> bytes:
        data: bytes = self._dummy.output
        return data

    def close(self) -> None:
        return None  # keep the bytes for whoever reads ``output``


def build_printer(settings: PrinterSettings) -> ReceiptPrinter:
    """Raises ``PrinterSettingsError`` naming the key and a fix."""
    layout = check_settings(settings)
    if settings.kind == "none":
        return NoPrinter()
    fonts = _fonts(layout)
    if settings.kind == "dummy":
        return DummyPrinter(layout, fonts)
    make, transport, where = _connection(settings)
    return EscposPrinter(make, transport, layout, fonts, where)


def _fonts(layout: Layout) -> Fonts | None:
    if layout.text_mode != "image":
        return None
    try:
        return load_fonts(layout.font, layout.bold_font)
    except OSError:
        raise PrinterSettingsError(
            "font",
            f"({layout.font}) or bold_font ({layout.bold_font}) cannot be loaded: install "
            "the fonts-dejavu-core package (apt-get install fonts-dejavu-core) or point "
            "them at TrueType files with Cyrillic and Kazakh letters",
        ) from None


def _connection(settings: PrinterSettings) -> tuple[Callable[[], Any], Transport, str]:
    profile, timeout = settings.profile, settings.timeout
    if settings.kind == "usb":
        vendor, product = settings.usb_vendor, settings.usb_product
        ms = int(timeout * _MS)
        make = partial(Usb, vendor, product, timeout=ms, profile=profile)
        return make, transports.usb(timeout), f"USB {vendor:04x}:{product:04x}"
    if settings.kind == "serial":
        port = settings.serial_port
        make = partial(Serial, port, baudrate=settings.baudrate, timeout=timeout, profile=profile)
        return make, transports.serial(settings.baudrate, timeout), f"serial {port}"
    host, tcp = settings.host, settings.port
    make = partial(Network, host, port=tcp, timeout=timeout, profile=profile)
    return make, transports.network(timeout), f"network {host}:{tcp}"
