"""Shared set-up for the secure media tests (no tests here): the real nfcpy
reader with the DESFire, app and EMV applications against emulated cards
over udp, the real pipeline, a real SQLite store in tmp_path, a clock the
test sets. Keys are fixed test keys, never real ones."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from drivers.emv.card_model import EmvCardModel, load_card_model
from drivers.nfc import CardEmulator, NfcpyReader
from drivers.nfc.secure_media import SecureMediaSetup, secure_media_applications
from offline_store import CardRow, OfflineStore
from validator.app import load_fare_rules
from validator.config import load_config, shipped_config
from validator.emv_risk import FirstRideRules
from validator.judge import MediaPolicy
from validator.model import CardStatus, Category, Signal, Tenge, TripContext
from validator.pipeline import Answer, Pipeline, PipelineSettings
from validator.tokens import TokenClaims, TokenKind, issue_token

ZONE = ZoneInfo("Asia/Almaty")
MORNING = datetime(2026, 3, 2, 8, 30, tzinfo=ZONE)  # a Monday; day fares on route 12
MASTER_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")  # test key
FLEET_KEY = bytes.fromhex("0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0")
LEDGER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # test key
KID = b"ledger-test-1"
FIXTURES = Path(__file__).parent / "fixtures" / "emv"
FIRST_RIDE_WINDOW = timedelta(hours=24)
ACCOUNT = "9643108000000000012"  # 1000 ₸, standard
POOR = "9643108000000000020"  # −10 ₸: a fare would pass the −80 ₸ floor


class TestClock:
    """The Clock port with a wall time the test moves; monotonic time is real."""

    def __init__(self, now: datetime) -> None:
        self.wall = now

    def now(self) -> datetime:
        return self.wall

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def advance(self, **delta: float) -> None:
        self.wall += timedelta(**delta)


@dataclass
class RecordedFeedback:
    signals: list[Signal] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def signal(self, signal: Signal) -> None:
        self.signals.append(signal)

    def display(self, line: str) -> None:
        self.lines.append(line)

    def close(self) -> None:
        pass


@dataclass
class SecureBus:
    """A validator with every secure medium on, and one field to tap in."""

    field: CardEmulator
    reader: NfcpyReader
    data: Path
    clock: TestClock
    store: OfflineStore
    pipeline: Pipeline
    feedback: RecordedFeedback

    def tap(self, card: Any) -> Answer:
        """Place ``card``, answer it, take it away."""
        self.field.place(card)
        try:
            answer = self.pipeline.step(1.0)
        finally:
            self.field.remove()
        assert answer is not None, "the reader saw no card"
        return answer

    def restart(self) -> None:
        """Close the store and open it again, as after a power cut."""
        self.store.close()
        self.store = OfflineStore.open(self.data, "SECURE-1")
        self.pipeline = _pipeline(self.reader, self.store, self.feedback, self.clock)


def _pipeline(
    reader: NfcpyReader, store: OfflineStore, feedback: RecordedFeedback, clock: TestClock
) -> Pipeline:
    rules, _ = load_fare_rules(load_config(shipped_config("sim.toml")))
    settings = PipelineSettings(poll_timeout=1.0, removal_timeout=0.0, echo_window=0.0)
    media = MediaPolicy({KID: LEDGER_KEY.public_key()}, 30, FirstRideRules(FIRST_RIDE_WINDOW))
    trip = TripContext("12")
    return Pipeline(reader, store, feedback, rules, trip, "en", clock, settings, media=media)


def _cards() -> list[CardRow]:
    def row(number: str, balance: int) -> CardRow:
        return CardRow(
            card_number=number,
            uid=None,
            balance=Tenge(balance),
            category=Category.STANDARD,
            status=CardStatus.ACTIVE,
        )

    return [row(ACCOUNT, 1000), row(POOR, -10)]


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[SecureBus]:
    setup = SecureMediaSetup(
        desfire_master=MASTER_KEY, fleet_key=FLEET_KEY, app=True, today=lambda: MORNING.date()
    )
    clock = TestClock(MORNING)
    with CardEmulator("127.0.0.1", 0) as emulator:
        reader = NfcpyReader.open(emulator.path, applications=secure_media_applications(setup))
        store = OfflineStore.open(tmp_path / "data", "SECURE-1")
        store.import_cards(_cards(), list_version=1)
        feedback = RecordedFeedback()
        pipeline = _pipeline(reader, store, feedback, clock)
        bus = SecureBus(emulator, reader, tmp_path / "data", clock, store, pipeline, feedback)
        try:
            yield bus
        finally:
            bus.store.close()
            reader.close()


def fixture_card(name: str) -> EmvCardModel:
    return load_card_model(FIXTURES / f"{name}.json")


def app_token(
    subject: str = ACCOUNT,
    *,
    issued: datetime = MORNING,
    lifetime: timedelta = timedelta(minutes=5),
    cti: bytes = b"cti-0001",
    key: Ed25519PrivateKey = LEDGER_KEY,
    kid: bytes = KID,
) -> bytes:
    claims = TokenClaims("kzt-ledger", subject, TokenKind.APP, issued, issued + lifetime, cti)
    return issue_token(claims, key, kid)
