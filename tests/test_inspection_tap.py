"""The inspector arms "check the next card" and the passenger taps: the real
nfcpy reader against emulated DESFire, Classic, bank cards and app phones over
udp, the real pipeline with the crew's shift gate and inspection, a real
store. The inspected card is not charged and no tap is recorded; the
inspection is one crew event row. Then boarding goes on as usual."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from drivers.desfire import CardRecord
from drivers.nfc import CardEmulator, ClassicCard, NfcpyReader
from drivers.nfc.emulated_cards import GarbageUltralightCard
from drivers.nfc.emulated_media import app_phone, desfire_card, desfire_clone, emv_card
from drivers.nfc.secure_media import SecureMediaSetup, secure_media_applications
from offline_store import CardRow, JournalRow, OfflineStore
from tests import shift_samples as day
from tests.secure_media_kit import (
    ACCOUNT,
    FLEET_KEY,
    KID,
    LEDGER_KEY,
    MASTER_KEY,
    MORNING,
    TestClock,
    app_token,
    fixture_card,
)
from tests.test_crew_service import write_unit
from validator.app import load_fare_rules
from validator.config import load_config
from validator.crew_service import CrewService
from validator.crew_wiring import build_crew, install_crew
from validator.emv_risk import FirstRideRules
from validator.inspection import Verdict
from validator.judge import MediaPolicy
from validator.model import CardStatus, Category, Reason, Signal, Tenge
from validator.pan import pan_token
from validator.pipeline import Answer, Pipeline, PipelineSettings

DESFIRE_UID = bytes.fromhex("04A1B2C3D4E5F6")
CLASSIC_UID, CLASSIC_CARD = "0A1B2C3D", "9643108000000000038"
VISA_PAN = "4761739001010010"


@dataclass
class Feedback:
    signals: list[Signal] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def signal(self, signal: Signal) -> None:
        self.signals.append(signal)

    def display(self, line: str) -> None:
        self.lines.append(line)

    def close(self) -> None:
        pass


@dataclass
class Bus:
    field: CardEmulator
    clock: TestClock
    store: OfflineStore
    crew: CrewService
    pipeline: Pipeline
    feedback: Feedback

    def tap(self, card: Any) -> Answer:
        self.field.place(card)
        try:
            answer = self.pipeline.step(1.0)
        finally:
            self.field.remove()
        assert answer is not None, "the reader saw no card"
        return answer

    def balance(self, number: str = ACCOUNT) -> int:
        account = self.store.account(number, self.clock.now())
        assert account is not None
        return account.available

    def taps(self) -> list[JournalRow]:
        return [r for r in self.store.journal() if r.reason != Reason.CREW_EVENT.value]

    def inspections(self) -> list[dict[str, Any]]:
        events = [json.loads(r.extra or "{}") for r in self.store.journal()]
        return [e for e in events if e.get("event") == "inspection"]


def desfire() -> Any:
    return desfire_card(
        DESFIRE_UID, MASTER_KEY, CardRecord(ACCOUNT, Category.STANDARD, date(2028, 1, 1))
    )


def visa() -> Any:
    return emv_card(fixture_card("visa"))


def write_keys(tmp: Path, unit: Path) -> None:
    public = LEDGER_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    keys = tmp / "ledger-keys.txt"
    keys.write_text(f"{KID.hex()} {base64.b64encode(public).decode()}\n")
    keys.chmod(0o644)
    with unit.open("a", encoding="utf-8") as text:
        text.write(f'[security]\nledger_keys_file = "{keys}"\n')


def open_store(path: Path) -> OfflineStore:
    store = OfflineStore.open(path, day.DEVICE)
    rows = [
        CardRow(ACCOUNT, None, Tenge(1000), Category.STANDARD, CardStatus.ACTIVE),
        CardRow(CLASSIC_CARD, CLASSIC_UID, Tenge(500), Category.STANDARD, CardStatus.ACTIVE),
    ]
    store.import_cards(rows, list_version=1)
    return store


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[Bus]:
    unit = write_unit(tmp_path, 'kind = "none"')
    write_keys(tmp_path, unit)
    config = load_config(unit)
    clock, rules = TestClock(MORNING), load_fare_rules(config)[0]
    setup = SecureMediaSetup(
        desfire_master=MASTER_KEY, fleet_key=FLEET_KEY, app=True, today=MORNING.date
    )
    with CardEmulator("127.0.0.1", 0) as emulator:
        reader = NfcpyReader.open(emulator.path, applications=secure_media_applications(setup))
        store, feedback = open_store(config.store.data_dir), Feedback()
        crew = build_crew(config, store, rules, clock)
        assert crew is not None
        settings = PipelineSettings(poll_timeout=1.0, removal_timeout=0.0, echo_window=0.0)
        policy = MediaPolicy({KID: LEDGER_KEY.public_key()}, 30, FirstRideRules(), day.BUS)
        pipeline = Pipeline(
            reader,
            store,
            feedback,
            rules,
            crew.configured_trip,
            "en",
            clock,
            settings,
            media=policy,
        )
        install_crew(crew, pipeline, feedback.display)
        assert crew.sign_in("1017", day.DRIVER_PIN).ok and crew.choose_route("12", "forward").ok
        assert crew.start_trip().ok
        try:
            yield Bus(emulator, clock, store, crew, pipeline, feedback)
        finally:
            crew.close()
            store.close()
            reader.close()


def test_a_card_that_paid_in_this_trip_is_inspected_as_paid_and_not_charged_again(
    bus: Bus,
) -> None:
    assert bus.tap(desfire()).decision.fare == 80
    bus.clock.advance(minutes=12)
    assert bus.crew.arm_inspection().line.startswith("Tap the card, phone or code")
    assert bus.feedback.lines[-1] == "Inspection: tap the card"
    answer = bus.tap(desfire())
    assert answer.line == "Paid 80 ₸ at 08:30 · Card (DESFire) · route 12"
    assert bus.feedback.lines[-1] == answer.line
    assert bus.feedback.signals[-1] is Signal.TICKET_ARRIVED  # a chirp, not the green accept
    assert bus.balance() == 920 and len(bus.taps()) == 1
    (seen,) = bus.inspections()
    assert (seen["verdict"], seen["presented"], seen["card_number"]) == ("paid", "desfire", ACCOUNT)
    assert answer.row is not None and answer.row.fare == 0 and answer.row.card_number is None
    assert bus.crew.inspection.last is not None and bus.crew.inspection.last.verdict is Verdict.PAID
    assert bus.store.verify_journal().ok


def test_a_classic_card_that_did_not_pay_is_found_by_its_uid_and_inspected_as_not_paid(
    bus: Bus,
) -> None:
    bus.crew.arm_inspection()
    answer = bus.tap(ClassicCard(bytes.fromhex(CLASSIC_UID)))
    assert answer.line == "NOT paid on this bus since 08:30"
    (seen,) = bus.inspections()
    assert (seen["verdict"], seen["uid"]) == ("not_paid", CLASSIC_UID)
    assert bus.taps() == [] and bus.balance(CLASSIC_CARD) == 500


def test_a_bank_card_is_inspected_by_its_pan_token_and_the_pan_stays_out(bus: Bus) -> None:
    assert bus.tap(visa()).decision.reason is Reason.FIRST_RIDE
    bus.crew.arm_inspection()
    answer = bus.tap(visa())
    assert answer.line.startswith("Paid 80 ₸ at 08:30 · Bank card")
    (seen,) = bus.inspections()
    assert seen["pan_token"] == pan_token(VISA_PAN, FLEET_KEY)
    assert seen["masked_pan"] == "476173******0010"
    assert not any(VISA_PAN in str(row) for row in bus.store.journal())
    bus.crew.arm_inspection()
    other = bus.tap(emv_card(fixture_card("mastercard")))
    assert other.line.startswith("NOT paid on this bus")
    assert len(bus.taps()) == 1


def test_a_phone_with_the_app_is_inspected_by_the_card_its_token_names(bus: Bus) -> None:
    token = app_token()
    assert bus.tap(app_phone(token)).decision.fare == 80
    bus.clock.advance(minutes=2)
    bus.crew.arm_inspection()
    answer = bus.tap(app_phone(token))  # the same code: checked, not spent again
    assert answer.line == "Paid 80 ₸ at 08:30 · App (NFC) · route 12"
    assert bus.balance() == 920 and len(bus.taps()) == 1
    assert bus.inspections()[0]["presented"] == "app_nfc"


def test_the_next_tap_after_an_inspection_boards_and_is_charged(bus: Bus) -> None:
    bus.crew.arm_inspection()
    assert bus.tap(desfire()).line == "NOT paid on this bus since 08:30"
    paid = bus.tap(desfire())
    assert (paid.decision.reason, paid.decision.fare) == (Reason.PAID, 80)
    assert bus.feedback.signals[-1] is Signal.ACCEPTED
    assert bus.balance() == 920 and len(bus.inspections()) == 1


def test_arming_runs_out_and_the_card_then_boards_as_usual(bus: Bus) -> None:
    bus.crew.arm_inspection()
    assert bus.crew.inspection.waiting_line() == "Waiting for a card until 08:30:30"
    bus.clock.advance(seconds=31)
    assert bus.crew.inspection.waiting_line() is None
    assert bus.tap(desfire()).decision.fare == 80
    assert bus.inspections() == []


def test_a_failed_read_while_armed_asks_again_journals_nothing_and_stays_armed(
    bus: Bus,
) -> None:
    before = len(bus.store.journal())
    bus.crew.arm_inspection()
    again = bus.tap(GarbageUltralightCard(bytes.fromhex("04112233445566"), b"\x00"))
    assert again.line == "Inspection: card not read, tap it again"
    assert bus.feedback.signals[-1] is Signal.PRESENT_AGAIN
    assert len(bus.store.journal()) == before and bus.crew.inspection.armed_until() is not None
    assert bus.tap(desfire()).line == "NOT paid on this bus since 08:30"


def test_a_cloned_card_is_inspected_as_not_genuine(bus: Bus) -> None:
    bus.crew.arm_inspection()
    answer = bus.tap(desfire_clone(DESFIRE_UID))
    assert answer.line == "Card NOT genuine: it failed authentication"
    assert bus.inspections()[0]["verdict"] == "not_valid"


def test_cancelling_the_inspection_lets_the_next_card_board(bus: Bus) -> None:
    bus.crew.arm_inspection()
    assert bus.crew.cancel_inspection().line == "Inspection cancelled"
    assert bus.tap(desfire()).decision.fare == 80
