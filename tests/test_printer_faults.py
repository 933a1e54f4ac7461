"""Printer faults become values with words for the conductor, never exceptions:
no paper, cover open, paper running out mid-ticket, unplugged, line dropped.
Real python-escpos Serial (over a pty), Network (loopback) and Usb classes."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from escpos.printer import Dummy

from drivers.printer import (
    PrinterSettings,
    build_printer,
    check_settings,
    load_fonts,
    receipt_bytes,
)
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.transports import NO_STATUS
from tests import regenerate_receipts as golden
from tests.fake_printer import NetworkFakePrinter, PrinterState, SerialFakePrinter
from validator.printing import PrintFault, PrintResult, Receipt, ReceiptPrinter, TextLine, TicketQr

pytestmark = golden.needs_dejavu
RECEIPT = Receipt((TextLine("Билет", "150 ₸"), TicketQr("KZT1:TEST")))


@pytest.fixture
def serial_printer() -> Iterator[tuple[SerialFakePrinter, ReceiptPrinter]]:
    fake = SerialFakePrinter()
    printer = build_printer(PrinterSettings(kind="serial", serial_port=fake.port, timeout=1.0))
    yield fake, printer
    printer.close()
    fake.close()


def _sent(receipt: Receipt = RECEIPT) -> bytes:
    layout = check_settings(PrinterSettings())
    return receipt_bytes(receipt, layout, load_fonts(layout.font, layout.bold_font))


def test_a_healthy_serial_printer_gets_the_whole_receipt_after_a_status_check(
    serial_printer: tuple[SerialFakePrinter, ReceiptPrinter],
) -> None:
    fake, printer = serial_printer
    result = printer.print_receipt(RECEIPT)
    assert result == PrintResult()
    assert bytes(fake.state.printed) == _sent()
    assert fake.state.queries == [2, 4, 2, 4]  # before and after printing


def test_a_printer_out_of_paper_prints_nothing_and_asks_for_a_new_roll(
    serial_printer: tuple[SerialFakePrinter, ReceiptPrinter],
) -> None:
    fake, printer = serial_printer
    fake.state.paper_out = True
    result = printer.print_receipt(RECEIPT)
    assert result.fault is PrintFault.NO_PAPER and not result.partial
    assert result.line("en") == "Printer out of paper: load a new roll, then press Reprint"
    assert "нет бумаги" in result.line("ru") and "қағаз жоқ" in result.line("kk")
    assert fake.state.printed == b""


def test_an_open_cover_is_reported_before_anything_is_printed(
    serial_printer: tuple[SerialFakePrinter, ReceiptPrinter],
) -> None:
    fake, printer = serial_printer
    fake.state.cover_open = True
    result = printer.print_receipt(RECEIPT)
    assert result.fault is PrintFault.COVER_OPEN
    assert result.line("en") == "Printer cover is open: close it firmly, then press Reprint"
    assert fake.state.printed == b""


def test_paper_running_out_mid_ticket_is_a_cut_short_ticket_to_tear_off(
    serial_printer: tuple[SerialFakePrinter, ReceiptPrinter],
) -> None:
    fake, printer = serial_printer
    fake.state.run_out_after = 100
    result = printer.print_receipt(RECEIPT)
    assert result.fault is PrintFault.NO_PAPER and result.partial
    assert result.line("en").startswith("Paper ran out while printing: tear off the part ticket")


def test_reprint_after_loading_paper_sends_the_same_ticket_in_full(
    serial_printer: tuple[SerialFakePrinter, ReceiptPrinter],
) -> None:
    fake, printer = serial_printer
    fake.state.paper_out = True
    assert not printer.print_receipt(RECEIPT).printed
    fake.state.paper_out = False
    assert printer.print_receipt(RECEIPT).printed
    assert bytes(fake.state.printed) == _sent()


def test_a_serial_printer_whose_port_is_gone_is_not_connected() -> None:
    printer = build_printer(PrinterSettings(kind="serial", serial_port="/dev/ttyNOPRINTER9"))
    result = printer.print_receipt(RECEIPT)
    assert result.fault is PrintFault.NOT_CONNECTED
    assert result.line("en") == (
        "Printer not connected: check its cable and power, then press Reprint"
    )
    assert "/dev/ttyNOPRINTER9" in result.detail


def test_a_network_printer_that_is_switched_off_is_not_connected() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    printer = build_printer(PrinterSettings(kind="network", host="127.0.0.1", port=port, timeout=1))
    result = printer.print_receipt(RECEIPT)
    assert result.fault is PrintFault.NOT_CONNECTED and not result.partial


def test_a_network_printer_that_drops_the_line_mid_ticket_is_not_connected() -> None:
    fake = NetworkFakePrinter(PrinterState(hang_up_after=50))
    settings = PrinterSettings(kind="network", host=fake.host, port=fake.port, timeout=1.0)
    printer = build_printer(settings)
    try:
        result = printer.print_receipt(RECEIPT)
        assert result.fault is PrintFault.NOT_CONNECTED and result.partial
        fake.state.hang_up_after = None
        assert printer.print_receipt(RECEIPT).printed  # Reprint connects afresh
    finally:
        printer.close()
        fake.close()


def test_a_network_printer_out_of_paper_is_reported_over_the_network() -> None:
    fake = NetworkFakePrinter(PrinterState(paper_out=True))
    settings = PrinterSettings(kind="network", host=fake.host, port=fake.port, timeout=1.0)
    printer = build_printer(settings)
    try:
        assert printer.print_receipt(RECEIPT).fault is PrintFault.NO_PAPER
    finally:
        printer.close()
        fake.close()


def test_a_usb_printer_that_is_not_plugged_in_is_not_connected() -> None:
    settings = PrinterSettings(kind="usb", usb_vendor=0x0416, usb_product=0x5011)
    result = build_printer(settings).print_receipt(RECEIPT)
    assert result.fault in (PrintFault.NOT_CONNECTED, PrintFault.FAILED)  # FAILED: no libusb
    assert "USB 0416:5011" in result.detail


class UnpluggedMidWrite(Dummy):  # type: ignore[misc]
    """python-escpos's Dummy whose cable is pulled after some bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(profile="POS-5890")
        self.limit = limit

    def _raw(self, msg: bytes) -> None:
        if len(self.output) + len(msg) > self.limit:
            raise OSError(19, "No such device")
        super()._raw(msg)


def test_a_printer_unplugged_mid_write_gives_a_result_not_an_exception() -> None:
    layout = check_settings(PrinterSettings())
    fonts = load_fonts(layout.font, layout.bold_font)
    printer = EscposPrinter(lambda: UnpluggedMidWrite(10), NO_STATUS, layout, fonts, "usb test")
    result = printer.print_receipt(RECEIPT)
    assert result.fault is PrintFault.NOT_CONNECTED and result.partial
    assert "No such device" in result.detail
