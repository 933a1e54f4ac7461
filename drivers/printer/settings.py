"""Printer settings (the ``[printer]`` config section) and their checks.

``PrinterSettings`` holds the typed values; ``check_settings`` looks up the
python-escpos profile and returns the ``Layout`` the renderer needs, or
raises ``PrinterSettingsError`` naming the key and a fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from escpos.capabilities import CAPABILITIES  # type: ignore[import-untyped]

__all__ = [
    "DEJAVU_BOLD",
    "DEJAVU_SANS",
    "KZ1048",
    "Layout",
    "PrinterKind",
    "PrinterSettings",
    "PrinterSettingsError",
    "TextMode",
    "check_settings",
]

PrinterKind = Literal["usb", "serial", "network", "dummy", "none"]
TextMode = Literal["image", "kz1048"]

# Debian/Raspberry Pi OS package fonts-dejavu-core.
DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
KZ1048 = "RK1048"  # the escpos-printer-db name of the Kazakh code page KZ-1048


@dataclass(frozen=True, slots=True)
class PrinterSettings:
    kind: PrinterKind = "dummy"
    usb_vendor: int = 0  # e.g. 0x0416
    usb_product: int = 0  # e.g. 0x5011
    serial_port: str = "/dev/ttyUSB0"
    baudrate: int = 9600
    host: str = ""
    port: int = 9100
    timeout: float = 2.0  # seconds for connecting, writing and each status reply
    profile: str = "POS-5890"  # a python-escpos printer profile with a known paper width
    text_mode: TextMode = "image"  # image: any printer; kz1048: profiles with code page RK1048
    font: str = DEJAVU_SANS
    bold_font: str = DEJAVU_BOLD
    native_qr: bool = True  # the printer draws the QR (GS ( k); False: sent as an image
    qr_size: int = 4  # dots per QR module, 1-16


@dataclass(frozen=True, slots=True)
class Layout:
    """What the renderer needs to know about the paper and the text."""

    profile: str
    width_px: int
    columns: int  # characters per line in the printer's font A
    kz1048_page: int | None  # ESC t n for KZ-1048, when the profile has it
    text_mode: TextMode
    font: str
    bold_font: str
    native_qr: bool
    qr_size: int


class PrinterSettingsError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"printer.{key} {message}")
        self.key = key


def check_settings(settings: PrinterSettings) -> Layout:
    """The layout for these settings; raises ``PrinterSettingsError``."""
    _check_connection(settings)
    if not 1 <= settings.qr_size <= 16:
        raise PrinterSettingsError("qr_size", "must be 1 to 16 dots")
    data = _profile(settings.profile)
    return Layout(
        profile=settings.profile,
        width_px=_width(settings.profile, data),
        columns=_columns(data),
        kz1048_page=_page(settings, data),
        text_mode=settings.text_mode,
        font=settings.font,
        bold_font=settings.bold_font,
        native_qr=settings.native_qr,
        qr_size=settings.qr_size,
    )


def _width(name: str, data: dict[str, Any]) -> int:
    width = data.get("media", {}).get("width", {}).get("pixels")
    if not isinstance(width, int):
        raise PrinterSettingsError(
            "profile",
            f"{name!r} does not give the paper width; pick one that does "
            "(POS-5890 for 58 mm paper, TM-T20II for 80 mm)",
        )
    return width


def _page(settings: PrinterSettings, data: dict[str, Any]) -> int | None:
    pages: dict[str, str] = data.get("codePages", {})
    page = next((int(n) for n, name in pages.items() if name == KZ1048), None)
    if settings.text_mode == "kz1048" and page is None:
        raise PrinterSettingsError(
            "text_mode",
            f'"kz1048" needs a profile with the KZ-1048 code page; {settings.profile!r} '
            'has none: use text_mode = "image"',
        )
    return page


def _check_connection(settings: PrinterSettings) -> None:
    if settings.kind == "usb" and not (settings.usb_vendor > 0 and settings.usb_product > 0):
        raise PrinterSettingsError(
            "usb_vendor", "and usb_product are needed for a USB printer (see `lsusb`)"
        )
    if settings.kind == "serial" and not settings.serial_port:
        raise PrinterSettingsError("serial_port", 'is needed, e.g. "/dev/ttyUSB0"')
    if settings.kind == "network" and not settings.host:
        raise PrinterSettingsError("host", "is needed for a network printer")
    if settings.timeout <= 0:
        raise PrinterSettingsError("timeout", "must be more than 0 seconds")


def _profile(name: str) -> dict[str, Any]:
    profiles: dict[str, Any] = CAPABILITIES["profiles"]
    if name not in profiles:
        known = ", ".join(sorted(profiles))
        raise PrinterSettingsError("profile", f"{name!r} is not a known profile; known: {known}")
    data: dict[str, Any] = profiles[name]
    return data


def _columns(data: dict[str, Any]) -> int:
    font_a = data.get("fonts", {}).get("0", {})
    columns = font_a.get("columns")
    return columns if isinstance(columns, int) else 32
