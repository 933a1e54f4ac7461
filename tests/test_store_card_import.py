"""The depot's card list CSV: accepted whole, or refused with every bad line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from offline_store import CardImportError, CardRow, OfflineStore, parse_cards_csv
from validator.model import CardStatus, Category

HEADER = "card_number,uid,balance,category,status"
GOOD = [
    "9643000000000000001,a1b2c3d4,1240,standard,active",
    "9643000000000000002,,0,pensioner,active",
    "9643000000000000003,04A1B2C3D4E5F6,-80,student,blocked",
]


def csv_text(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(CardImportError) as refused:
        parse_cards_csv(text)
    return refused.value.problems


def test_a_good_list_is_parsed_with_uids_in_upper_case() -> None:
    cards = parse_cards_csv(csv_text(*GOOD))
    assert cards[0] == CardRow(
        "9643000000000000001", "A1B2C3D4", 1240, Category.STANDARD, CardStatus.ACTIVE
    )
    assert cards[1].uid is None
    assert (cards[2].balance, cards[2].status) == (-80, CardStatus.BLOCKED)


def test_columns_may_come_in_any_order_with_an_optional_expiry() -> None:
    header = "status,expires,category,balance,uid,card_number"
    cards = parse_cards_csv(
        csv_text("active,2026-06-30,veteran,5,,9643000000000000009", header=header)
    )
    assert cards == [
        CardRow(
            "9643000000000000009", None, 5, Category.VETERAN, CardStatus.ACTIVE, date(2026, 6, 30)
        )
    ]


def test_blank_lines_and_a_byte_order_mark_are_ignored() -> None:
    assert len(parse_cards_csv("\ufeff" + csv_text(GOOD[0], "", GOOD[1]))) == 2


NEW = "9643000000000000004"
BAD_LINES = [
    ("964300000000000001,,1,standard,active", "card number '964300000000000001' is not 19 digits"),
    (f"{NEW},A1B2C3,1,standard,active", "uid 'A1B2C3' is not 8 or 14 hexadecimal digits"),
    (f"{NEW},ZZB2C3D4,1,standard,active", "uid 'ZZB2C3D4' is not 8 or 14 hexadecimal digits"),
    (f"{NEW},,abc,standard,active", "balance 'abc' is not a whole number of tenge"),
    (f"{NEW},,12.5,standard,active", "balance '12.5' is not a whole number of tenge"),
    (f"{NEW},,1,royalty,active", "category 'royalty' is not one of: standard, pensioner"),
    (f"{NEW},,1,standard,lost", "status 'lost' is not one of: active, blocked"),
    (f"{NEW},,1,standard", "4 fields, the header has 5"),
    ("9643000000000000001,,1,standard,active", "card number 9643000000000000001 already appears"),
    (f"{NEW},A1B2C3D4,1,standard,active", "uid A1B2C3D4 already appears on line 2"),
]


@pytest.mark.parametrize(("bad_line", "problem"), BAD_LINES)
def test_each_bad_value_is_reported_with_its_line_number(bad_line: str, problem: str) -> None:
    problems = problems_of(csv_text(*GOOD, bad_line))
    assert len(problems) == 1
    assert problems[0].startswith(f"line 5: {problem}")


def test_a_bad_expiry_date_is_reported() -> None:
    text = csv_text("9643000000000000001,,1,standard,active,2025-02-30", header=HEADER + ",expires")
    assert problems_of(text) == [
        "line 2: expiry date '2025-02-30' is not a real date written YYYY-MM-DD"
    ]


def test_every_problem_is_reported_up_to_twenty() -> None:
    bad = [f"96430000000000000{n:02d},,x,standard,active" for n in range(30)]
    with pytest.raises(CardImportError) as refused:
        parse_cards_csv(csv_text(*bad))
    assert len(refused.value.problems) == 20
    assert refused.value.problems[0].startswith("line 2: balance 'x'")
    assert "stopped after the first 20" in str(refused.value)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("card_number,uid,balance,category", "line 1: missing column 'status'"),
        (HEADER + ",colour", "line 1: unknown column 'colour'"),
        (HEADER + ",uid", "line 1: column 'uid' appears twice"),
        ("", "line 1: the file is empty"),
    ],
)
def test_a_wrong_header_is_a_clear_error(header: str, problem: str) -> None:
    assert problems_of(header + "\n")[0].startswith(problem)


def test_a_bad_list_loads_nothing(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path, "bus-042") as store:
        with pytest.raises(CardImportError):
            store.import_cards(parse_cards_csv(csv_text(*GOOD, "bad,,1,standard,active")), 2)
        assert (store.card_count(), store.list_version) == (0, 0)


def test_a_uid_taken_by_another_stored_card_rolls_the_whole_import_back(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path, "bus-042") as store:
        store.import_cards(parse_cards_csv(csv_text(*GOOD)), 1)
        reissued = csv_text(
            "9643000000000000001,,999,standard,active",
            "9643000000000000008,04A1B2C3D4E5F6,50,standard,active",
        )
        with pytest.raises(CardImportError, match="already belongs to another card"):
            store.import_cards(parse_cards_csv(reissued), 2)
        assert (store.card_count(), store.list_version) == (3, 1)
        assert store.card_number_for_uid("A1B2C3D4") == "9643000000000000001"


def test_a_large_list_imports_in_one_go(tmp_path: Path) -> None:
    lines = [f"{9643000000000000000 + n},{n:08X},{n},standard,active" for n in range(20_000)]
    with OfflineStore.open(tmp_path, "bus-042") as store:
        assert store.import_cards(parse_cards_csv(csv_text(*lines)), list_version=5) == 20_000
        assert store.card_count() == 20_000
        assert store.card_number_for_uid("00004E1F") == "9643000000000019999"
