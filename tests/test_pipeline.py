"""The real pipeline: the real nfcpy reader against emulated cards over udp,
a real SQLite file, decisions from the shipped fare table."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from drivers.nfc import CardEmulator, ClassicCard, NfcpyReader, UltralightCard
from offline_store import CardRow, OfflineStore
from tests.helpers import free_udp_port
from validator.app import load_fare_rules
from validator.clock import SystemClock
from validator.config import load_config, shipped_config
from validator.model import CardStatus, Category, Reason, Signal, Tenge, TripContext
from validator.pipeline import Answer, Pipeline, PipelineSettings

CLASSIC_UID = "04A1B2C3"
ULTRA_UID = "04112233445566"
BROKE_UID = "0B0B0B0B"


@dataclass
class WatchingFeedback:
    """Implements the Feedback port; on every signal it looks at the database
    through a second, read-only connection, as a power cut would leave it."""

    db: Path
    seen: list[tuple[Signal, int]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def signal(self, signal: Signal) -> None:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            (rows,) = conn.execute("SELECT count(*) FROM journal").fetchone()
        self.seen.append((signal, rows))

    def display(self, line: str) -> None:
        self.lines.append(line)

    def close(self) -> None:
        pass


@dataclass
class Bus:
    pipeline: Pipeline
    emulator: CardEmulator
    store: OfflineStore
    feedback: WatchingFeedback

    def tap(self, card: Any, hold: float = 0.3) -> list[Answer]:
        self.emulator.place(card)
        timer = threading.Timer(hold, self.emulator.remove)
        timer.start()
        answers = []
        while timer.is_alive() or not answers:
            answer = self.pipeline.step(timeout=0.5)
            if answer is not None:
                answers.append(answer)
            elif not timer.is_alive():
                break
        timer.join()
        return answers


def _cards() -> list[CardRow]:
    return [
        CardRow(
            card_number="9643108000000000012",
            uid=CLASSIC_UID,
            balance=Tenge(1000),
            category=Category.STANDARD,
            status=CardStatus.ACTIVE,
        ),
        CardRow(
            card_number="9643108000000000020",
            uid=ULTRA_UID,
            balance=Tenge(30),
            category=Category.STANDARD,
            status=CardStatus.ACTIVE,
        ),
        CardRow(
            card_number="9643108000000000038",
            uid=BROKE_UID,
            balance=Tenge(-10),
            category=Category.STANDARD,
            status=CardStatus.ACTIVE,
        ),
    ]


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[Bus]:
    port = free_udp_port()
    rules, _ = load_fare_rules(load_config(shipped_config("sim.toml")))
    store = OfflineStore.open(tmp_path, "TEST-1")
    store.import_cards(_cards(), list_version=1)
    feedback = WatchingFeedback(tmp_path / "validator.db")
    with CardEmulator("127.0.0.1", port) as emulator:
        reader = NfcpyReader.open(f"udp:127.0.0.1:{port}", poll_timeout=0.2)
        clock = SystemClock.named("Asia/Almaty")
        settings = PipelineSettings(poll_timeout=0.2, removal_timeout=5.0)
        trip = TripContext("12")
        pipeline = Pipeline(reader, store, feedback, rules, trip, "en", clock, settings)
        yield Bus(pipeline, emulator, store, feedback)
        reader.close()
    store.close()


def test_a_listed_card_is_charged_and_the_beep_comes_after_the_tap_is_on_disk(bus: Bus) -> None:
    (answer,) = bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)))
    assert answer.decision.reason is Reason.PAID
    assert answer.row is not None and answer.row.seq == 1
    assert bus.feedback.seen == [(Signal.ACCEPTED, 1)]
    assert bus.feedback.lines[-1].startswith("Paid 80")


def test_a_card_left_on_the_reader_is_charged_once(bus: Bus) -> None:
    answers = bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)), hold=2.5)
    assert [a.decision.reason for a in answers] == [Reason.PAID]
    assert len(bus.store.journal()) == 1


def test_tapping_again_inside_the_passback_window_is_not_charged(bus: Bus) -> None:
    card = ClassicCard(bytes.fromhex(CLASSIC_UID))
    bus.tap(card)
    (again,) = bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)))
    assert again.decision.reason is Reason.ALREADY_PAID
    assert again.decision.fare == 0
    assert [row.fare for row in bus.store.journal()] == [80, 0]


def test_the_companion_key_pays_for_a_second_rider(bus: Bus) -> None:
    bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)))
    bus.pipeline.press_companion()
    (again,) = bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)))
    assert again.decision.reason is Reason.COMPANION
    assert again.decision.balance_after == 1000 - 80 - 80


def test_a_card_pulled_away_mid_read_is_not_charged_and_the_next_tap_works(bus: Bus) -> None:
    torn = UltralightCard(bytes.fromhex(ULTRA_UID))
    torn.leave_after(0)
    (first,) = bus.tap(torn)
    assert first.decision.reason is Reason.READ_ERROR
    assert first.decision.fare == 0
    assert bus.feedback.seen[-1][0] is Signal.PRESENT_AGAIN
    (second,) = bus.tap(UltralightCard(bytes.fromhex(ULTRA_UID)))
    assert second.decision.reason is Reason.PAID


def test_an_unknown_card_is_declined_and_journaled_with_its_uid(bus: Bus) -> None:
    (answer,) = bus.tap(ClassicCard(bytes.fromhex("DEADBEEF")))
    assert answer.decision.reason is Reason.UNKNOWN_CARD
    row = bus.store.journal()[-1]
    assert (row.uid, row.card_number, row.result) == ("DEADBEEF", None, "declined")


def test_a_low_balance_is_paid_with_a_warning_and_below_the_floor_is_declined(bus: Bus) -> None:
    (first,) = bus.tap(UltralightCard(bytes.fromhex(ULTRA_UID)))  # 30 - 80 = -50, floor -80
    assert first.decision.reason is Reason.PAID and first.decision.low_balance
    assert bus.feedback.seen[-1][0] is Signal.ACCEPTED_LOW_BALANCE
    (broke,) = bus.tap(ClassicCard(bytes.fromhex(BROKE_UID)))  # -10 - 80 = -90
    assert broke.decision.reason is Reason.INSUFFICIENT_FUNDS
    assert "Top up" in bus.feedback.lines[-1]


def test_a_store_that_cannot_write_puts_the_validator_out_of_service_and_it_recovers(
    bus: Bus,
) -> None:
    bus.store.simulate_full_disk(True)
    (answer,) = bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)))
    assert answer.decision.reason is Reason.OUT_OF_SERVICE
    assert answer.row is None
    assert bus.feedback.seen[-1] == (Signal.OUT_OF_SERVICE, 0)
    assert bus.pipeline.fault is not None
    bus.store.simulate_full_disk(False)
    (answer,) = bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)))
    assert answer.decision.reason is Reason.PAID
    assert bus.pipeline.fault is None
    assert bus.store.verify_journal().ok


def test_a_code_declined_before_any_lookup_is_journaled_with_its_reason(bus: Bus) -> None:
    from validator.model import Medium, Presentation
    from validator.ports import Rejection

    answer = bus.pipeline.present(Rejection(Presentation(Medium.QR_APP), Reason.FORGED))
    assert answer.decision.reason is Reason.FORGED
    assert bus.feedback.seen[-1] == (Signal.DECLINED, 1)
    row = bus.store.journal()[-1]
    assert (row.medium, row.result, row.reason) == ("qr_app", "declined", "forged")


def test_each_tap_carries_where_the_bus_was_and_the_chain_still_verifies(bus: Bus) -> None:
    bus.pipeline.context = lambda: {"lat": 47.10565, "lon": 51.9202, "stop": "atyrau-12-07"}
    bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)))
    row = bus.store.journal()[-1]
    assert row.extra == '{"lat":47.10565,"lon":51.9202,"stop":"atyrau-12-07"}'
    assert bus.store.verify_journal().ok
