"""Receipt printers over python-escpos: USB, serial, network, dummy.

``build_printer(PrinterSettings)`` returns a ``validator.printing.ReceiptPrinter``
whose ``print_receipt`` never raises. Kazakh and Russian text is printed as
a picture (``text_mode = "image"``, the default, any printer) or in the
KZ-1048 code page where the printer has it (``"kz1048"``).
"""

from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.factory import DummyPrinter, NoPrinter, build_printer
from drivers.printer.render import receipt_bytes
from drivers.printer.settings import (
    Layout,
    PrinterSettings,
    PrinterSettingsError,
    check_settings,
)
from drivers.printer.text_image import load_fonts

__all__ = [
    "DummyPrinter",
    "EscposPrinter",
    "Layout",
    "NoPrinter",
    "PrinterSettings",
    "PrinterSettingsError",
    "build_printer",
    "check_settings",
    "load_fonts",
    "receipt_bytes",
]
