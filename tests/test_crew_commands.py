"""The crew leftovers: ticket numbers kept in the store's counter, a new fare
table reaching cash sales, `validator crew hash-pin` and `validator shift report`
(with the shift's SMS and messenger tickets)."""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import shift_samples as day
from tests.test_crew_service import Bus, make_bus, write_unit
from validator import cmd_crew
from validator.crew import pin_matches
from validator.crew_service import CASH_COUNTER
from validator.model import Category, Tenge


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[Bus]:
    yield from make_bus(write_unit(tmp_path, 'kind = "dummy"'))


def on_trip(bus: Bus) -> None:
    bus.at(6, 8)
    assert bus.crew.sign_in("1017", day.DRIVER_PIN).ok
    assert bus.crew.choose_route("12", "forward").ok and bus.crew.start_trip().ok


def number(bus: Bus) -> str:
    done = bus.crew.sell(Category.STANDARD, 1)
    assert done.sale is not None
    return done.sale.ticket_number


def test_ticket_numbers_come_from_the_stores_counter_and_go_on_after_a_restart(bus: Bus) -> None:
    on_trip(bus)
    assert [number(bus), number(bus)] == [f"{day.DEVICE}-000001", f"{day.DEVICE}-000002"]
    bus.restart()
    assert number(bus) == f"{day.DEVICE}-000003"
    assert bus.store.counter(CASH_COUNTER) == 3


def test_a_store_with_sales_but_no_counter_yet_numbers_above_its_journal(bus: Bus) -> None:
    on_trip(bus)
    number(bus), number(bus)
    with sqlite3.connect(bus.store.path) as db:  # a store from before the counter was kept
        db.execute("DELETE FROM meta WHERE key = ?", (f"counter.{CASH_COUNTER}",))
    assert bus.store.counter(CASH_COUNTER) is None
    assert number(bus) == f"{day.DEVICE}-000003"


def test_a_refused_sale_takes_no_number(bus: Bus) -> None:
    assert not bus.crew.sell(Category.STANDARD, 1).ok  # no shift open
    on_trip(bus)
    assert number(bus) == f"{day.DEVICE}-000001"


def test_a_new_fare_table_from_sync_prices_the_next_cash_sale(bus: Bus) -> None:
    on_trip(bus)
    before = bus.crew.sell(Category.STANDARD, 1).sale
    rules = bus.crew.rules
    dearer = dict.fromkeys(rules.fares, Tenge(999))
    bus.crew.set_rules(replace(rules, version=rules.version + 1, fares=dearer, routes={}))
    after = bus.crew.sell(Category.STANDARD, 1).sale
    assert before is not None and after is not None
    assert after.unit_fare == 999 != before.unit_fare


# --- validator crew hash-pin ------------------------------------------------------


def hash_pin(monkeypatch: pytest.MonkeyPatch, *typed: str) -> int:
    answers = iter(typed)
    monkeypatch.setattr(cmd_crew.getpass, "getpass", lambda prompt: next(answers))
    return cmd_crew.hash_pin(argparse.Namespace())


def test_hash_pin_prints_a_crew_toml_line_that_matches_the_pin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hash_pin(monkeypatch, "4821", "4821") == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith('pin = "') and "4821" not in line
    stored = line.removeprefix('pin = "').removesuffix('"')
    assert pin_matches("4821", stored) and not pin_matches("4822", stored)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (("4821", "4822"), "The two PINs differ"),
        (("48a1", "48a1"), "A PIN is 4 to 8 digits"),
        (("123456789", "123456789"), "A PIN is 4 to 8 digits"),
        (("", ""), "A PIN is 4 to 8 digits"),
    ],
)
def test_hash_pin_refuses_pins_that_differ_or_are_not_4_to_8_digits(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    typed: tuple[str, str],
    said: str,
) -> None:
    assert hash_pin(monkeypatch, *typed) == 1
    out = capsys.readouterr().out
    assert out.startswith(said) and "pin =" not in out


# --- validator shift report -------------------------------------------------------


def test_shift_report_prints_the_shift_from_the_store(bus: Bus) -> None:
    on_trip(bus)
    number(bus), number(bus)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "validator.cli",
            "shift",
            "report",
            "--config",
            str(bus.config.source),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert day.DEVICE in done.stdout and day.BUS in done.stdout
    fare = bus.crew.report().cash.total
    assert str(fare) in done.stdout


def test_shift_report_counts_the_sms_and_messenger_tickets_of_the_shift_like_the_console(
    bus: Bus, capsys: pytest.CaptureFixture[str]
) -> None:
    on_trip(bus)
    sold = datetime.now(UTC) - timedelta(minutes=5)
    tickets = [
        _ticket(1, "K7P2QX9A", "sms", sold),
        _ticket(2, "T4M8WZ2B", "telegram", sold),
        _ticket(3, "S9N3RT5C", "sms", sold),
    ]
    bus.store.ledger.save_tickets(tickets, 3, sold)
    args = argparse.Namespace(config=bus.config.source, data=None)
    assert cmd_crew.shift_report(args) == 0
    out = capsys.readouterr().out
    heading = out.index("SMS and messenger tickets")
    assert re.search(r"^SMS +2 · 300 ₸$", out[heading:], re.MULTILINE), out
    assert re.search(r"^Telegram +1 · 150 ₸$", out[heading:], re.MULTILINE), out
    counted = {c: n.items for c, n in bus.crew.report().remote_by_channel.items()}
    assert counted == {"sms": 2, "telegram": 1}


def _ticket(number: int, code: str, channel: str, sold: datetime) -> dict[str, object]:
    return {
        "id": number,
        "code": code,
        "channel": channel,
        "contact": "+7 701 *** 12 34",
        "route": "12",
        "fare": 150,
        "sold_at": sold.isoformat(),
        "valid_until": (sold + timedelta(minutes=90)).isoformat(),
    }
