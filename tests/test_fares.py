"""The fare table: the shipped Kazakh city table, and bad tables refused with
the key named."""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validator.fares import FareRules, FareTableError, parse_fare_table
from validator.model import Category, Medium

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "fares.toml"
CARD_MEDIA = [m for m in Medium if m not in (Medium.CASH, Medium.TICKET)]
NOON, NIGHT, DAWN = time(12, 0), time(23, 30), time(5, 59)
_TOP_KEYS_FOR_FUZZ = [
    "version",
    "fares",
    "routes",
    "concessions",
    "transfer",
    "passback",
    "balance",
    "cap",
]


def shipped_table() -> dict[str, Any]:
    with SHIPPED.open("rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def rules() -> FareRules:
    return parse_fare_table(shipped_table())


def test_the_shipped_table_is_version_1(rules: FareRules) -> None:
    assert rules.version == 1


@pytest.mark.parametrize(
    ("route", "medium", "at", "fare"),
    [
        ("12", Medium.DESFIRE, NOON, 80),
        ("12", Medium.CASH, NOON, 150),
        ("12", Medium.TICKET, NOON, 150),
        ("12", Medium.EMV, NOON, 80),
        ("92", Medium.DESFIRE, NOON, 100),
        ("92", Medium.CASH, NOON, 200),
        ("12", Medium.DESFIRE, NIGHT, 120),
        ("12", Medium.DESFIRE, DAWN, 120),
        ("12", Medium.DESFIRE, time(6, 0), 80),
        ("12", Medium.DESFIRE, time(22, 0), 120),
        ("92", Medium.DESFIRE, NIGHT, 100),
        ("33", Medium.CLASSIC, NIGHT, 80),
    ],
    ids=lambda value: str(value),
)
def test_the_shipped_table_charges_almaty_fares(
    rules: FareRules, route: str, medium: Medium, at: time, fare: int
) -> None:
    assert rules.fare_for(route, medium, at) == fare


@pytest.mark.parametrize("route", ["12", "92", "33"])
@pytest.mark.parametrize("at", [NOON, NIGHT])
def test_every_card_medium_is_cheaper_than_cash_and_ticket(
    rules: FareRules, route: str, at: time
) -> None:
    cash = [rules.fare_for(route, m, at) or 0 for m in (Medium.CASH, Medium.TICKET)]
    cards = [rules.fare_for(route, m, at) or 0 for m in CARD_MEDIA]
    assert 0 < max(cards) < min(cash)


def test_the_shipped_table_gives_the_social_concessions(rules: FareRules) -> None:
    percents = {c: rules.concession_percent(c) for c in Category}
    assert percents == {
        Category.STANDARD: 100,
        Category.PENSIONER: 0,
        Category.VETERAN: 0,
        Category.DISABLED: 0,
        Category.STUDENT: 50,
        Category.SCHOOLCHILD: 50,
    }


def test_the_shipped_table_sets_transfer_passback_and_balance_limits(rules: FareRules) -> None:
    assert (rules.transfer.window, rules.transfer.percent) == (timedelta(minutes=40), 0)
    assert (rules.passback.window, rules.passback.max_companions) == (timedelta(seconds=15), 3)
    assert (rules.balance.floor, rules.balance.low_warning) == (-80, 200)
    assert rules.daily_cap == 0


def test_the_same_table_sent_as_json_by_the_ledger_gives_the_same_rules(rules: FareRules) -> None:
    as_json = json.loads(json.dumps(shipped_table(), default=str))
    assert parse_fare_table(as_json, source="ledger") == rules


def test_a_toml_local_time_is_taken_as_a_band_boundary() -> None:
    table = tomllib.loads(
        'version = 2\nfares = { desfire = 80 }\n[[routes."12".bands]]\nname = "night"\n'
        "start = 22:00:00\nend = 06:00:00\nfares = { desfire = 120 }\n"
    )
    assert parse_fare_table(table).fare_for("12", Medium.DESFIRE, NIGHT) == 120


def test_a_medium_without_a_fare_has_none() -> None:
    rules = parse_fare_table({"version": 1, "fares": {"desfire": 80}})
    assert rules.fare_for("12", Medium.CASH, NOON) is None


def test_a_band_overrides_only_the_media_it_lists() -> None:
    band = {"name": "night", "start": "22:00", "end": "06:00", "fares": {"desfire": 120}}
    route = {"fares": {"cash": 200}, "bands": [band]}
    rules = parse_fare_table(
        {"version": 1, "fares": {"desfire": 80, "cash": 150}, "routes": {"12": route}}
    )
    assert rules.fare_for("12", Medium.CASH, NIGHT) == 200
    assert rules.fare_for("12", Medium.DESFIRE, NIGHT) == 120


def test_a_band_within_one_day_ends_before_its_end_time() -> None:
    band = {"name": "peak", "start": "07:00", "end": "09:30", "fares": {"desfire": 90}}
    rules = parse_fare_table(
        {"version": 1, "fares": {"desfire": 80}, "routes": {"5": {"bands": [band]}}}
    )
    fares = [
        rules.fare_for("5", Medium.DESFIRE, time(h, m))
        for h, m in [(6, 59), (7, 0), (9, 29), (9, 30)]
    ]
    assert fares == [80, 90, 90, 80]


# --- bad tables ------------------------------------------------------------------


def _parent(table: dict[str, Any], path: str) -> tuple[Any, Any]:
    """The container holding the value at ``path`` ("a/b/0/c"), and its key."""
    node: Any = table
    *parents, last = path.split("/")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node, int(last) if isinstance(node, list) else last


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(table: dict[str, Any]) -> None:
        node, last = _parent(table, path)
        node[last] = value

    return change


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def change(table: dict[str, Any]) -> None:
        node, last = _parent(table, path)
        del node[last]

    return change


BAD_TABLES = [
    ("missing version", _delete("version"), "version", "is missing; add `version = 1`"),
    (
        "version as text",
        _set("version", "1"),
        "version",
        "must be a whole number of at least 1, got '1'",
    ),
    ("version zero", _set("version", 0), "version", "at least 1, got 0"),
    ("version as a boolean", _set("version", True), "version", "got True"),
    ("fare as text", _set("fares/classic", "80"), "fares.classic", "must be a whole number"),
    ("negative fare", _set("fares/cash", -150), "fares.cash", "at least 0, got -150"),
    ("fare as a float", _set("fares/desfire", 80.5), "fares.desfire", "got 80.5"),
    ("unknown medium", _set("fares/clasic", 80), "fares.clasic", "did you mean classic?"),
    ("missing fares", _delete("fares"), "fares", "is missing"),
    ("unknown top key", _set("fare", {}), "fare", "is not a known key; did you mean fares?"),
    (
        "percent over 100",
        _set("concessions/pensioner/percent", 150),
        "concessions.pensioner.percent",
        "must be a whole number from 0 to 100, got 150",
    ),
    (
        "unknown category",
        _set("concessions/retiree", {"percent": 0}),
        "concessions.retiree",
        "known: standard",
    ),
    (
        "concession not a table",
        _set("concessions/student", 50),
        "concessions.student",
        "must be a table",
    ),
    (
        "concession misspelt key",
        _set("concessions/student", {"percnt": 50}),
        "concessions.student.percnt",
        "did you mean percent?",
    ),
    (
        "negative transfer percent",
        _set("transfer/percent", -1),
        "transfer.percent",
        "from 0 to 100",
    ),
    (
        "transfer without window",
        _delete("transfer/window_minutes"),
        "transfer.window_minutes",
        "is missing",
    ),
    ("passback in fractions", _set("passback/seconds", 1.5), "passback.seconds", "got 1.5"),
    (
        "negative companions",
        _set("passback/max_companions", -1),
        "passback.max_companions",
        "at least 0",
    ),
    ("positive floor", _set("balance/floor", 80), "balance.floor", "at most 0, got 80"),
    ("negative cap", _set("cap/daily", -1), "cap.daily", "at least 0"),
    ("route not a table", _set("routes/92", 100), "routes.92", "must be a table"),
    ("route misspelt key", _set("routes/92/fare", {}), "routes.92.fare", "did you mean fares?"),
    ("bands not a list", _set("routes/12/bands", {}), "routes.12.bands", "must be a list"),
    (
        "hour 25",
        _set("routes/12/bands/0/start", "25:00"),
        "routes.12.bands[0].start",
        'like "22:00"',
    ),
    (
        "empty band",
        _set("routes/12/bands/0/end", "22:00"),
        "routes.12.bands[0].end",
        "must differ from start",
    ),
    (
        "band without fares",
        _delete("routes/12/bands/0/fares"),
        "routes.12.bands[0].fares",
        "is missing",
    ),
    (
        "band with unknown medium",
        _set("routes/12/bands/0/fares/card", 1),
        "routes.12.bands[0].fares.card",
        "not a known medium",
    ),
]


@pytest.mark.parametrize(
    ("change", "key_path", "words"),
    [case[1:] for case in BAD_TABLES],
    ids=[f"a table with {case[0]} is refused" for case in BAD_TABLES],
)
def test_a_bad_table_is_refused_naming_the_key(
    change: Callable[[dict[str, Any]], None], key_path: str, words: str
) -> None:
    table = copy.deepcopy(shipped_table())
    change(table)
    with pytest.raises(FareTableError) as error:
        parse_fare_table(table)
    assert error.value.key_path == key_path
    assert str(error.value).startswith(f"fares.toml: {key_path} ")
    assert words in str(error.value)


def test_the_error_names_the_exact_key_and_fix_for_a_bad_percent() -> None:
    table = shipped_table()
    table["concessions"]["pensioner"]["percent"] = 150
    with pytest.raises(FareTableError) as error:
        parse_fare_table(table)
    assert str(error.value) == (
        "fares.toml: concessions.pensioner.percent must be a whole number from 0 to 100, got 150"
    )


def test_a_table_from_the_ledger_is_named_as_such_in_the_error() -> None:
    with pytest.raises(FareTableError, match=r"^ledger: version is missing"):
        parse_fare_table({"fares": {}}, source="ledger")


def test_something_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(FareTableError, match="fare table must be a table, got"):
        parse_fare_table([1, 2, 3])  # type: ignore[arg-type]


# --- fuzzed tables -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-300, 300) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: str = "") -> list[str]:
    """Every key path in a table, as "a/b/0/c", parents before children."""
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    found: list[str] = []
    for key, value in children:
        path = f"{prefix}{key}"
        found += [path, *_paths(value, path + "/")]
    return found


@given(st.sampled_from(_paths(shipped_table())), json_values)
def test_any_garbled_value_in_the_table_is_accepted_or_refused_naming_a_key(
    path: str, garbage: Any
) -> None:
    table = copy.deepcopy(shipped_table())
    _set(path, garbage)(table)
    try:
        parse_fare_table(table)
    except FareTableError as error:
        assert str(error).startswith(f"fares.toml: {error.key_path} ")
        assert path.split("/")[0] == error.key_path.split(".")[0]


@given(st.text(max_size=8))
def test_any_band_start_text_is_either_a_time_or_a_clear_error(start: str) -> None:
    table = shipped_table()
    table["routes"]["12"]["bands"][0]["start"] = start
    try:
        parse_fare_table(table)
    except FareTableError as error:
        assert error.key_path == "routes.12.bands[0].start"
