"""The shift report: what it counts from the journal, how it reads in kk, ru
and en, and journal rows from the real offline store read as taps."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from offline_store import OfflineStore, TapRecord
from tests import shift_samples as day
from validator.cash import SaleProblem
from validator.crew_lines import PRINT_LINES, SALE_REFUSALS, SHIFT_REFUSALS
from validator.labels import category_name, medium_name
from validator.model import Category, Medium, Outcome, Reason
from validator.printing import PrintFault, TextLine
from validator.shift import RefusalReason, ShiftEvent
from validator.shift_report import build_report, report_receipt
from validator.tap_entries import TapEntry, tap_entry

WHERE = (day.DEVICE, day.BUS)


def _report_lines(language: str) -> list[str]:
    report = build_report(day.journal(), day.REMOTE_TICKETS, WHERE, day.REPORT_AT)
    items = report_receipt(report, language).items
    return [f"{i.text}={i.value}" for i in items if isinstance(i, TextLine)]


def test_the_report_counts_cash_taps_and_remote_tickets_of_the_day() -> None:
    report = build_report(day.journal(), day.REMOTE_TICKETS, WHERE, day.REPORT_AT)
    assert (report.crew_id, report.crew_name) == ("1017", "Aidos Seitkali")
    assert (report.opened_at, report.closed_at) == (day.at(6, 8), day.at(7, 10))
    assert report.routes == ("12",) and report.trips == 1
    assert report.cash.total == 450
    assert {c: n.amount for c, n in report.cash.by_category.items()} == {
        Category.STANDARD: 300,
        Category.STUDENT: 150,
    }
    assert {m: (n.items, n.amount) for m, n in report.taps_by_medium.items()} == {
        Medium.DESFIRE: (2, 120),
        Medium.EMV: (1, 80),
        Medium.TICKET: (1, 0),
    }
    assert {c: n.items for c, n in report.taps_by_category.items()} == {
        Category.STANDARD: 1,
        Category.STUDENT: 1,
    }


def test_the_printed_report_reads_in_russian_kazakh_and_english() -> None:
    assert "Итого наличными=450 ₸" in _report_lines("ru")
    assert "Қолма-қол барлығы=450 ₸" in _report_lines("kk")
    english = _report_lines("en")
    assert english[0] == "SHIFT REPORT="
    assert "Cash total=450 ₸" in english and "Not printed=1" in english
    assert "SMS=1 · 150 ₸" in english and "Telegram=1 · 150 ₸" in english


def test_only_the_last_shift_in_the_journal_is_reported() -> None:
    yesterday = [replace(e, at=e.at.replace(day=13)) for e in day.journal()]
    report = build_report([*yesterday, *day.journal()], (), WHERE, day.REPORT_AT)
    assert report.cash.total == 450 and report.opened_at == day.at(6, 8)


def test_a_shift_still_open_says_so() -> None:
    still_open = [e for e in day.journal() if not isinstance(e, ShiftEvent) or e.trip is None]
    report = build_report(still_open, (), WHERE, day.REPORT_AT)
    assert report.closed_at is None
    assert "Closed=still open" in [
        f"{i.text}={i.value}" for i in report_receipt(report, "en").items if isinstance(i, TextLine)
    ]


def test_rows_of_the_real_offline_store_are_read_as_taps(tmp_path: Path) -> None:
    store = OfflineStore.open(tmp_path, day.DEVICE)
    try:
        row = store.record(
            TapRecord(
                time=day.at(6, 12),
                mono_ns=1,
                medium=Medium.DESFIRE,
                card_number="9398000000000101",
                uid=None,
                route="12",
                direction="forward",
                fare=80,
                riders=1,
                balance_after=920,
                result=Outcome.ACCEPTED,
                reason=Reason.PAID,
            )
        )
    finally:
        store.close()
    assert tap_entry(row, category=Category.STANDARD) == day.TAPS[0]  # same instant, UTC
    assert tap_entry(replace(row, medium="carrier-pigeon")) is None
    assert tap_entry(replace(row, time="yesterday")) is None


def test_every_crew_line_and_label_exists_in_every_language() -> None:
    for language in ("kk", "ru", "en"):
        assert set(SHIFT_REFUSALS[language]) == {r.value for r in RefusalReason}
        assert set(SALE_REFUSALS[language]) == {p.value for p in SaleProblem}
        assert set(PRINT_LINES[language]) == {f.value for f in PrintFault} | {"ok", "partial"}
        assert all(medium_name(m, language) for m in Medium)
        assert all(category_name(c, language) for c in Category)


def test_a_tap_entry_knows_whether_it_was_accepted() -> None:
    assert day.TAPS[0].accepted and not day.TAPS[2].accepted
    assert isinstance(day.TAPS[0], TapEntry)
