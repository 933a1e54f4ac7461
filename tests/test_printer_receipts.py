"""Receipts as bytes: golden cash ticket and shift report from python-escpos's
Dummy printer, Kazakh text, the QR code, and settings mistakes named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from escpos.printer import Dummy

from drivers.printer import PrinterSettings, PrinterSettingsError, build_printer, check_settings
from drivers.printer.render import receipt_bytes
from tests import regenerate_receipts as golden
from tests import shift_samples as day
from validator.cash import ticket_qr_text
from validator.printing import PrintFault, Receipt, TextLine, TicketQr

needs_dejavu = golden.needs_dejavu


def _same_as_golden(data: bytes, name: str) -> None:
    expected = (golden.GOLDEN / name).read_bytes()
    if data == expected:
        return
    recorded = json.loads((golden.GOLDEN / golden.MADE_WITH).read_text(encoding="utf-8"))
    hint = (
        ""
        if recorded == golden.made_with()
        else f" (made with {recorded}, now {golden.made_with()})"
    )
    pytest.fail(
        f"{name} differs from the golden bytes{hint}; if the change is meant, run "
        "`.venv/bin/python -m tests.regenerate_receipts`, look at the receipt and commit it"
    )


@needs_dejavu
def test_the_cash_ticket_prints_exactly_the_golden_bytes() -> None:
    _same_as_golden(golden.printed(golden.ticket_receipt_of_the_day()), golden.TICKET_FILE)


@needs_dejavu
def test_the_shift_report_prints_exactly_the_golden_bytes() -> None:
    _same_as_golden(golden.printed(golden.report_receipt_of_the_day()), golden.REPORT_FILE)


@needs_dejavu
def test_the_ticket_qr_is_drawn_by_the_printer_with_the_signed_ticket_text() -> None:
    qr_text = ticket_qr_text(day.FIRST_SALE, day.DEVICE_KEY)
    data = golden.printed(golden.ticket_receipt_of_the_day())
    store_data = b"\x1d(k" + (len(qr_text) + 3).to_bytes(2, "little") + b"1P0" + qr_text.encode()
    print_it = b"\x1d(k\x03\x001Q0"
    assert store_data in data and print_it in data
    assert data.index(b"\x1dv0") < data.index(store_data) < data.rindex(b"\x1dv0")


@needs_dejavu
def test_kazakh_letters_go_out_as_a_picture_not_as_question_marks() -> None:
    data = golden.printed(Receipt((TextLine("Қолма-қол ақша · ӘҒҚҢӨҰҮҺІ"),)))
    assert data[:5] == b"\x1b@\x1dv0"  # reset, then a raster picture
    width, height = data[6] + 256 * data[7], data[8] + 256 * data[9]
    picture, rest = data[10 : 10 + width * height], data[10 + width * height :]
    assert width * 8 == 384 and any(picture)  # the whole 58 mm line, with ink on it
    assert rest == b"\x1bd\x06"  # then only the feed: no text bytes at all


def test_a_printer_with_the_kz1048_code_page_gets_kazakh_letters_as_text() -> None:
    layout = check_settings(PrinterSettings(profile="TM-T20II", text_mode="kz1048"))
    data = receipt_bytes(Receipt((TextLine("Төленді", "150 ₸"),), cut=False), layout, None)
    assert b"\x1bt\x35" in data  # ESC t 53: KZ-1048
    assert "Төленді".encode("kz1048") in data and "150 тг".encode("kz1048") in data


def test_escpos_alone_would_print_kazakh_letters_as_question_marks() -> None:
    """Why the picture: python-escpos's own encoder has no table for KZ-1048."""
    printer = Dummy(profile="TM-T20II")
    printer.text("ә")
    assert printer.output.endswith(b"?")


def test_a_printer_that_cannot_draw_qr_codes_gets_the_code_as_a_picture() -> None:
    layout = check_settings(PrinterSettings(native_qr=False))
    data = receipt_bytes(Receipt((TicketQr("KZT1:ABC"),)), layout, None)
    assert b"\x1d(k" not in data and b"\x1dv0" in data


def test_an_unknown_printer_profile_is_named_with_the_known_ones() -> None:
    with pytest.raises(PrinterSettingsError, match=r"printer\.profile 'POS-9999' is not a known"):
        check_settings(PrinterSettings(profile="POS-9999"))


def test_kz1048_text_on_a_printer_without_that_code_page_is_refused_with_a_fix() -> None:
    with pytest.raises(PrinterSettingsError, match='use text_mode = "image"'):
        check_settings(PrinterSettings(profile="POS-5890", text_mode="kz1048"))


def test_a_missing_font_is_a_settings_error_naming_the_package(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.ttf")
    with pytest.raises(PrinterSettingsError, match="fonts-dejavu-core"):
        build_printer(PrinterSettings(font=missing))


def test_a_usb_printer_needs_its_ids() -> None:
    with pytest.raises(PrinterSettingsError, match="usb_vendor"):
        check_settings(PrinterSettings(kind="usb"))


def test_no_printer_configured_says_so_instead_of_printing() -> None:
    result = build_printer(PrinterSettings(kind="none")).print_receipt(Receipt(()))
    assert result.fault is PrintFault.NOT_CONNECTED and not result.printed
