"""Make the golden receipt bytes, and write them only when asked.

    .venv/bin/python -m tests.regenerate_receipts

rewrites tests/fixtures/receipts/*.bin from the sample day in
tests/shift_samples.py, printed through python-escpos's Dummy printer, and
records the Pillow and FreeType versions and the font files' hashes in
made_with.json (text is drawn as a picture: other versions may draw other
bits). Run it deliberately, after a change to the receipts, and look at the
picture before committing: the tests never rewrite the files themselves.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import __version__ as pillow_version
from PIL import features

from drivers.printer import DummyPrinter, PrinterSettings, build_printer
from drivers.printer.settings import DEJAVU_BOLD, DEJAVU_SANS
from tests import shift_samples as day
from validator.cash import ticket_qr_text
from validator.printing import Receipt
from validator.shift_report import build_report, report_receipt
from validator.ticket_receipt import ticket_receipt

GOLDEN = Path(__file__).parent / "fixtures" / "receipts"
needs_dejavu = pytest.mark.skipif(
    not (Path(DEJAVU_SANS).is_file() and Path(DEJAVU_BOLD).is_file()),
    reason="DejaVu fonts missing: apt-get install fonts-dejavu-core",
)
TICKET_FILE, REPORT_FILE, MADE_WITH = "cash_ticket.bin", "shift_report.bin", "made_with.json"


def printed(receipt: Receipt) -> bytes:
    printer = build_printer(PrinterSettings(kind="dummy"))
    assert isinstance(printer, DummyPrinter)
    result = printer.print_receipt(receipt)
    assert result.printed, result
    return printer.output


def ticket_receipt_of_the_day() -> Receipt:
    return ticket_receipt(day.FIRST_SALE, ticket_qr_text(day.FIRST_SALE, day.DEVICE_KEY))


def report_receipt_of_the_day() -> Receipt:
    report = build_report(day.journal(), day.REMOTE_TICKETS, (day.DEVICE, day.BUS), day.REPORT_AT)
    return report_receipt(report, "ru")


def made_with() -> dict[str, str]:
    fonts = {
        Path(p).name: hashlib.sha256(Path(p).read_bytes()).hexdigest()
        for p in (DEJAVU_SANS, DEJAVU_BOLD)
    }
    return {"pillow": pillow_version, "freetype": str(features.version("freetype2")), **fonts}


def main() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    (GOLDEN / TICKET_FILE).write_bytes(printed(ticket_receipt_of_the_day()))
    (GOLDEN / REPORT_FILE).write_bytes(printed(report_receipt_of_the_day()))
    (GOLDEN / MADE_WITH).write_text(json.dumps(made_with(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {TICKET_FILE}, {REPORT_FILE} and {MADE_WITH} in {GOLDEN}")


if __name__ == "__main__":
    main()
