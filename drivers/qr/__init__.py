"""The QR scanner on a serial port: line framing and the reader thread."""

from drivers.qr.framing import Framed, LineFramer, LineProblem, LineRejection, Terminator, TextLine
from drivers.qr.scanner import QrScanner, ScanEvent, ScannerSettings

__all__ = [
    "Framed",
    "LineFramer",
    "LineProblem",
    "LineRejection",
    "QrScanner",
    "ScanEvent",
    "ScannerSettings",
    "Terminator",
    "TextLine",
]
