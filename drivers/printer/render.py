"""A ``Receipt`` turned into the ESC/POS bytes sent to the printer.

The bytes are made with python-escpos's ``Dummy`` printer (the same command
code as the real transports), so what the tests compare byte for byte is
exactly what a unit sends. Text goes out as a picture (``image`` mode, any
printer) or, on printers whose profile has the Kazakh code page KZ-1048, as
text in that code page (``kz1048`` mode). The QR code is drawn by the printer
itself (``GS ( k``) unless the settings say the printer cannot.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from escpos.constants import QR_ECLEVEL_M  # type: ignore[import-untyped]
from escpos.printer import Dummy  # type: ignore[import-untyped]

from drivers.printer.settings import Layout
from drivers.printer.text_image import Fonts, draw_lines
from validator.printing import Align, Receipt, ReceiptItem, Rule, TextLine, TicketQr

__all__ = ["receipt_bytes"]

_INIT = b"\x1b@"
_SELECT_PAGE = b"\x1bt"
_KZ1048 = "kz1048"  # Python's codec for KZ-1048 (STRK1048-2002)
_NOT_IN_KZ1048 = str.maketrans({"₸": "тг", "−": "-", "×": "x"})


def receipt_bytes(receipt: Receipt, layout: Layout, fonts: Fonts | None) -> bytes:
    """Every byte of the receipt, from printer reset to the cut. ``fonts``
    are needed in ``image`` mode."""
    printer = Dummy(profile=layout.profile)
    printer._raw(_INIT)
    for block in _blocks(receipt.items):
        if isinstance(block, TicketQr):
            _qr(printer, block, layout)
        elif layout.text_mode == "kz1048":
            _codepage_text(printer, block, layout)
        else:
            assert fonts is not None, "image mode needs fonts"
            printer.image(draw_lines(block, fonts, layout.width_px), impl="bitImageRaster")
    if receipt.cut:
        printer.cut()
    output: bytes = printer.output
    return output


def _blocks(items: Sequence[ReceiptItem]) -> Iterator[TicketQr | list[TextLine | Rule]]:
    """Runs of text lines and rules, split by QR codes."""
    run: list[TextLine | Rule] = []
    for item in items:
        if isinstance(item, TicketQr):
            if run:
                yield run
                run = []
            yield item
        else:
            run.append(item)
    if run:
        yield run


def _qr(printer: Dummy, code: TicketQr, layout: Layout) -> None:
    if not layout.native_qr:
        printer.qr(code.text, ec=QR_ECLEVEL_M, size=layout.qr_size, native=False, center=True)
        return
    printer.set(align="center")
    printer.qr(code.text, ec=QR_ECLEVEL_M, size=layout.qr_size, native=True)
    printer.ln()
    printer.set(align="left")


def _codepage_text(printer: Dummy, lines: Sequence[TextLine | Rule], layout: Layout) -> None:
    assert layout.kz1048_page is not None
    printer._raw(_SELECT_PAGE + bytes([layout.kz1048_page]))
    for line in lines:
        if isinstance(line, Rule):
            printer._raw(b"-" * layout.columns + b"\n")
            continue
        align = "center" if line.align is Align.CENTER else "left"
        printer.set(align=align, bold=line.bold, double_width=line.large, double_height=line.large)
        columns = layout.columns // 2 if line.large else layout.columns
        printer._raw(_encode(_padded(line, columns)) + b"\n")
    printer.set(align="left", bold=False, normal_textsize=True)


def _padded(line: TextLine, columns: int) -> str:
    if not line.value:
        return line.text
    gap = columns - len(line.text) - len(line.value)
    return f"{line.text}{' ' * gap}{line.value}" if gap >= 1 else f"{line.text} {line.value}"


def _encode(text: str) -> bytes:
    return text.translate(_NOT_IN_KZ1048).encode(_KZ1048, errors="replace")
