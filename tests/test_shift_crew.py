"""The crew list: PINs stored only as scrypt hashes, and a list file checked
with the entry and a fix named."""

from __future__ import annotations

from typing import Any

import pytest

from tests import shift_samples as day
from validator.crew import CrewListError, Role, hash_pin, parse_crew_list, pin_matches

SALT = b"0123456789abcdef"
HASH = hash_pin("4321", SALT)


def test_a_pin_hash_never_contains_the_pin_and_matches_only_that_pin() -> None:
    assert "4321" not in HASH.split("$", 4)[-1]
    assert HASH.startswith("scrypt$16384$8$1$")
    assert pin_matches("4321", HASH)
    assert not pin_matches("4322", HASH) and not pin_matches("", HASH)


def test_the_same_pin_with_another_salt_gives_another_hash() -> None:
    assert hash_pin("4321", b"another-salt-16b") != HASH


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", " 1234"])
def test_a_pin_must_be_four_to_eight_digits(pin: str) -> None:
    with pytest.raises(ValueError, match="4 to 8 digits"):
        hash_pin(pin, SALT)


@pytest.mark.parametrize(
    "stored",
    ["", "4321", "scrypt$16384$8$1$00$" + "0" * 64, "scrypt$3$8$1$" + "00" * 16 + "$" + "0" * 64],
)
def test_a_malformed_or_weak_hash_never_matches(stored: str) -> None:
    assert not pin_matches("4321", stored)


def _entry(**changes: Any) -> dict[str, Any]:
    return {"id": "1017", "name": "Aidos Seitkali", "role": "driver", "pin": HASH, **changes}


def test_a_crew_list_file_gives_members_by_number_and_by_card() -> None:
    crew = parse_crew_list(
        {"crew": [_entry(card=day.DRIVER_CARD), _entry(id="2040", role="conductor")]}
    )
    driver = crew.by_id("1017")
    assert driver is not None and driver.role is Role.DRIVER
    assert crew.by_card(day.DRIVER_CARD) == driver
    assert crew.by_id("9999") is None and crew.by_card("0") is None
    assert HASH not in repr(driver)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_entry(pin="4321"), r"crew\[0\]\.pin looks like a PIN in clear"),
        (_entry(pin=4321), r"crew\[0\]\.pin looks like a PIN in clear"),
        (_entry(pin="secret"), r"crew\[0\]\.pin must be an scrypt PIN hash"),
        (_entry(role="captain"), r"crew\[0\]\.role must be one of driver, conductor"),
        (_entry(id=""), r"crew\[0\]\.id is missing"),
        (_entry(card=9398), r"crew\[0\]\.card must be the card number in quotes"),
        (_entry(pni=HASH), r"crew\[0\]\.pni is not a known key"),
    ],
)
def test_a_bad_crew_entry_is_named_with_a_fix(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(CrewListError, match=message):
        parse_crew_list({"crew": [entry]})


def test_a_crew_number_used_twice_is_refused() -> None:
    with pytest.raises(CrewListError, match=r"crew\.id 1017 appears twice"):
        parse_crew_list({"crew": [_entry(), _entry(name="Someone Else")]})


def test_a_crew_list_that_is_not_a_list_of_tables_is_refused() -> None:
    with pytest.raises(CrewListError, match="must be a list"):
        parse_crew_list({"crew": {"id": "1017"}})
    with pytest.raises(CrewListError, match=r"only \[\[crew\]\]"):
        parse_crew_list({"drivers": []})
