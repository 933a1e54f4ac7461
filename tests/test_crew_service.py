"""A whole shift through the crew service the daemon runs: a real store, the
real pipeline with the shift gate, a printer on a real pty (and python-escpos
Dummy for the golden bytes), and a restart in the middle of the shift."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from drivers.nfc import NoReader
from drivers.printer import DummyPrinter
from offline_store import CardRow, OfflineStore
from tests import regenerate_receipts as golden
from tests import shift_samples as day
from tests.fake_printer import SerialFakePrinter
from tests.secure_media_kit import TestClock
from validator.app import load_fare_rules
from validator.cash import SaleStatus, ticket_qr_text
from validator.config import Config, ConfigError, load_config
from validator.crew_service import CrewService
from validator.crew_wiring import build_crew, install_crew
from validator.inspection import Verdict
from validator.model import (
    CardStatus,
    Category,
    Medium,
    Outcome,
    Presentation,
    Reason,
    Signal,
    Tenge,
)
from validator.pipeline import Answer, Pipeline
from validator.ports import CardRead
from validator.shift import Phase

CLASSIC_UID, CLASSIC_CARD = "04A1B2C3", "9398000000000101"


class Quiet:
    """The Feedback port for a unit without lights: keeps what it was told."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def signal(self, signal: Signal) -> None:
        return None

    def display(self, line: str) -> None:
        self.lines.append(line)

    def close(self) -> None:
        return None


def write_unit(tmp: Path, printer: str, off_shift: str = "decline") -> Path:
    members = [
        (m.crew_id, m.name, m.role.value, m.pin_hash, m.card_number) for m in day.crew().members
    ]
    crew = "".join(
        f'[[crew]]\nid = "{i}"\nname = "{n}"\nrole = "{r}"\npin = "{p}"\n'
        + (f'card = "{c}"\n' if c else "")
        for i, n, r, p, c in members
    )
    (tmp / "crew.toml").write_text(crew, encoding="utf-8")
    pem = day.DEVICE_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp / "device-ed25519.pem").write_bytes(pem)
    unit = tmp / "unit.toml"
    unit.write_text(
        f'[device]\nid = "{day.DEVICE}"\nbus_number = "{day.BUS}"\nlanguage = "en"\n'
        '[route]\nnumber = "12"\n[nfc]\nbackend = "none"\n'
        '[feedback]\nbackend = "recording"\ndisplay = "none"\n'
        f'[store]\ndata_dir = "{tmp / "data"}"\n'
        f'[crew]\nlanguage = "en"\n[shift]\noff_shift = "{off_shift}"\n'
        f"[printer]\n{printer}\n",
        encoding="utf-8",
    )
    return unit


@dataclass
class Bus:
    config: Config
    store: OfflineStore
    clock: TestClock
    crew: CrewService
    pipeline: Pipeline

    def tap(self, minute: int) -> Answer:
        self.clock.wall = day.at(6, minute)
        presentation = Presentation(Medium.CLASSIC, uid=CLASSIC_UID)
        return self.pipeline.present(CardRead(presentation))

    def at(self, hour: int, minute: int) -> None:
        self.clock.wall = day.at(hour, minute)

    def restart(self) -> None:
        """The daemon stops and starts again: a new service over the same store."""
        self.crew.close()
        self.crew = start_crew(self.config, self.store, self.clock)
        install_crew(self.crew, self.pipeline)


def start_crew(config: Config, store: OfflineStore, clock: TestClock) -> CrewService:
    rules, _ = load_fare_rules(config)
    crew = build_crew(config, store, rules, clock)
    assert crew is not None
    return crew


def make_bus(unit: Path) -> Iterator[Bus]:
    config = load_config(unit)
    clock = TestClock(day.at(6, 0))
    store = OfflineStore.open(config.store.data_dir, config.device.id)
    row = CardRow(CLASSIC_CARD, CLASSIC_UID, Tenge(1000), Category.STANDARD, CardStatus.ACTIVE)
    store.import_cards([row], list_version=1)
    crew = start_crew(config, store, clock)
    rules, _ = load_fare_rules(config)
    trip = crew.configured_trip
    quiet = Quiet()
    pipeline = Pipeline(NoReader(), store, quiet, rules, trip, "en", clock)
    install_crew(crew, pipeline, quiet.display)
    bus = Bus(config, store, clock, crew, pipeline)
    yield bus
    bus.crew.close()
    store.close()


@pytest.fixture
def fake() -> Iterator[SerialFakePrinter]:
    printer = SerialFakePrinter()
    yield printer
    printer.close()


@pytest.fixture
def bus(tmp_path: Path, fake: SerialFakePrinter) -> Iterator[Bus]:
    yield from make_bus(
        write_unit(tmp_path, f'kind = "serial"\nserial_port = "{fake.port}"\ntimeout = 1.0')
    )


@golden.needs_dejavu
def test_a_whole_shift_runs_through_the_crew_service_and_survives_a_restart(
    bus: Bus, fake: SerialFakePrinter
) -> None:
    # 06:05 a tap before any shift: boarding is not open
    assert bus.tap(5).decision.reason is Reason.NO_SHIFT
    # a wrong PIN is refused and counted; the right one opens the shift
    bus.at(6, 7)
    refused = bus.crew.sign_in("1017", "0000")
    assert not refused.ok and "2" in refused.line
    bus.at(6, 8)
    assert bus.crew.sign_in("1017", day.DRIVER_PIN).ok
    assert bus.crew.choose_route("12", "forward").ok and bus.crew.start_trip().ok
    # 06:12 the same card now boards on route 12
    answer = bus.tap(12)
    assert answer.decision.outcome is Outcome.ACCEPTED and answer.row is not None
    assert answer.row.route == "12"
    # 06:20 a cash ticket: exactly the golden bytes reach the printer
    bus.at(6, 20)
    first = bus.crew.sell(Category.STANDARD, 1)
    assert first.ok and first.sale == day.FIRST_SALE
    assert bytes(fake.state.printed) == (golden.GOLDEN / golden.TICKET_FILE).read_bytes()
    # the daemon restarts mid-shift: the trip is still running
    bus.restart()
    assert bus.crew.state.phase is Phase.ON_TRIP and bus.crew.state.trip_number == 1
    # 06:25 out of paper mid-sale: recorded, not printed, the conductor is told
    fake.state.paper_out = True
    bus.at(6, 25)
    students = bus.crew.sell(Category.STUDENT, 2)
    assert not students.ok and students.sale is not None
    assert students.line == "Printer out of paper: load a new roll, then press Reprint"
    assert bus.crew.book().total == 300
    number = students.sale.ticket_number
    assert bus.crew.book().entries[number].status is SaleStatus.NOT_PRINTED
    # a new roll, Reprint: the same ticket comes out
    fake.state.paper_out = False
    bus.at(6, 27)
    assert bus.crew.reprint(number).ok
    assert bus.crew.reprint(number).ok is False  # never printed twice
    assert bus.crew.book().total == 300
    # 06:40 an inspector checks the card and the students' ticket
    bus.at(6, 40)
    assert bus.crew.inspect(CLASSIC_CARD).verdict is Verdict.PAID
    assert bus.crew.inspect("9398000000000999").verdict is Verdict.NOT_PAID
    ticket = bus.crew.inspect(ticket_qr_text(students.sale, day.DEVICE_KEY))
    assert ticket.verdict is Verdict.PAID and ticket.riders == 2
    # 07:10 close; the report counts taps, not crew events
    bus.at(7, 10)
    assert bus.crew.close_shift().ok
    report = bus.crew.report()
    assert (report.cash.total, report.cash.tickets_sold, report.cash.riders_sold) == (300, 2, 3)
    assert {m: c.items for m, c in report.taps_by_medium.items()} == {Medium.CLASSIC: 1}
    assert (report.declined, report.trips, report.crew_id) == (0, 1, "1017")
    assert bus.crew.print_report().ok
    # everything is in the hash-chained journal; no PIN anywhere
    assert bus.store.verify_journal().ok
    rows = bus.store.journal()
    events = [r for r in rows if r.reason == Reason.CREW_EVENT.value]
    assert [r.medium for r in events if r.fare] == ["cash", "cash"]
    assert not any(day.DRIVER_PIN in (r.extra or "") for r in rows)
    bus.restart()
    assert bus.crew.state.phase is Phase.CLOSED
    assert bus.tap(50).decision.reason is Reason.NO_SHIFT


@golden.needs_dejavu
def test_the_dummy_printer_gets_the_golden_ticket_bytes(tmp_path: Path) -> None:
    for bus in make_bus(write_unit(tmp_path, 'kind = "dummy"')):
        bus.at(6, 8)
        assert bus.crew.sign_in("1017", day.DRIVER_PIN).ok
        assert bus.crew.choose_route("12", "forward").ok
        bus.at(6, 20)
        assert bus.crew.sell(Category.STANDARD, 1).ok
        assert isinstance(bus.crew.printer, DummyPrinter)
        assert bus.crew.printer.output == (golden.GOLDEN / golden.TICKET_FILE).read_bytes()


def test_with_the_accept_policy_a_tap_before_the_shift_boards_on_the_config_route(
    tmp_path: Path,
) -> None:
    for bus in make_bus(write_unit(tmp_path, 'kind = "none"', off_shift="accept")):
        answer = bus.tap(5)
        assert answer.decision.outcome is Outcome.ACCEPTED
        assert answer.row is not None and answer.row.route == "12"


def test_a_sale_without_an_open_shift_is_refused_in_words(tmp_path: Path) -> None:
    for bus in make_bus(write_unit(tmp_path, 'kind = "none"')):
        done = bus.crew.sell(Category.STANDARD, 1)
        assert not done.ok and done.line and done.sale is None
        assert bus.crew.book().total == 0


def test_a_usb_printer_without_ids_stops_the_start_with_the_key_named(tmp_path: Path) -> None:
    config = load_config(write_unit(tmp_path, 'kind = "usb"'))
    with OfflineStore.open(config.store.data_dir, config.device.id) as store:
        rules, _ = load_fare_rules(config)
        with pytest.raises(ConfigError) as error:
            build_crew(config, store, rules, TestClock(day.at(6, 0)))
    assert error.value.key == "printer.usb_vendor"
