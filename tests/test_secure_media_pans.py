"""No clear PAN anywhere: after many bank-card taps through the real reader,
pipeline and store, neither the database file, the journal as uploaded, nor
the logs (every logger, every level, the daemon's answer lines included)
hold any of the card numbers that were tapped."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from drivers.emv import EmvRead, TerminalData, read_emv
from drivers.emv.card_model import EmvCardSession
from drivers.nfc.emulated_media import emv_card
from tests.secure_media_kit import FLEET_KEY, SecureBus, bus, fixture_card
from validator.cmd_run import log_answer
from validator.model import Reason
from validator.pan import pan_token, scan_for_pans

__all__ = ["bus"]

CARDS = ("visa", "mastercard", "unionpay", "device_token", "track2_only", "expired")


def clear_pan(name: str) -> str:
    """The fixture's PAN, read the way the reader reads it (test side only)."""
    terminal = TerminalData(0, bytes(4), date(2026, 3, 2))
    read = read_emv(EmvCardSession(fixture_card(name)), terminal)
    assert isinstance(read, EmvRead)
    return read.pan


def everything_stored(bus: SecureBus) -> str:
    """The database and its write-ahead log, byte for byte, as text."""
    files = sorted(Path(bus.store.path).parent.glob("validator.db*"))
    return "\n".join(file.read_bytes().decode("latin-1") for file in files)


def test_many_bank_card_taps_leave_no_clear_pan_in_the_database_journal_or_logs(
    bus: SecureBus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    pans = {clear_pan(name) for name in CARDS}
    reasons = set()
    for _ in range(5):
        for name in CARDS:
            answer = bus.tap(emv_card(fixture_card(name)))
            log_answer(answer)
            reasons.add(answer.decision.reason)
        bus.clock.advance(minutes=7)
    assert {Reason.FIRST_RIDE, Reason.FIRST_RIDE_USED, Reason.EXPIRED} <= reasons
    journal = json.dumps([row.as_dict() for row in bus.store.journal()], ensure_ascii=False)
    assert len(bus.store.journal()) == 30
    for where, text in {
        "database": everything_stored(bus),
        "journal": journal,
        "logs": caplog.text,
    }.items():
        assert not set(scan_for_pans(text)) & pans, where
        assert not [pan for pan in pans if pan in text], where
    tokens = {pan_token(pan, FLEET_KEY) for pan in pans}
    assert {row.pan_token for row in bus.store.journal()} == tokens


def test_the_reader_logs_no_radio_frames_once_bank_cards_are_taken(
    bus: SecureBus, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    bus.tap(emv_card(fixture_card("visa")))
    assert logging.getLogger("nfc.clf.transport").getEffectiveLevel() >= logging.DEBUG
    assert "4761739001010010" not in caplog.text
