"""The EMV card emulator answers like a card and refuses bad descriptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.emv.card_model import (
    CardModelError,
    EmvCardModel,
    EmvCardSession,
    load_card_model,
)
from drivers.emv.tlv import parse

FIXTURES = Path(__file__).parent / "fixtures" / "emv"
SELECT_PPSE = bytes.fromhex("00A404000E325041592E5359532E444446303100")


def session(name: str) -> EmvCardSession:
    return EmvCardSession(load_card_model(FIXTURES / f"{name}.json"))


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_loads_and_its_records_are_well_formed_unless_meant_not_to(
    path: Path,
) -> None:
    card = load_card_model(path)
    for app in card.applications:
        for data in app.records.values():
            if path.stem != "malformed_record":
                assert parse(data)[0].tag == 0x70


def test_the_visa_card_answers_select_ppse_with_the_exact_fci() -> None:
    response = session("visa")(SELECT_PPSE)
    assert response.hex().upper() == (
        "6F30840E325041592E5359532E4444463031A51EBF0C1B6119"
        "4F07A0000000031010500B56495341204352454449548701019000"
    )


def test_a_ppse_response_from_a_real_card_can_be_replayed() -> None:
    ppse = "6F2F840E325041592E5359532E4444463031A51DBF0C1A61184F07A0000000031010"
    ppse += "500A56495341204445424954870101"
    card = EmvCardModel.from_mapping({"name": "replay", "ppse_response": ppse, "applications": []})
    assert EmvCardSession(card)(SELECT_PPSE).hex().upper() == ppse + "9000"


def test_the_card_refuses_an_unknown_aid_and_gpo_before_select() -> None:
    card = session("visa")
    assert card(bytes.fromhex("00A4040007A000000004101000")) == b"\x6a\x82"
    assert card(bytes.fromhex("80A8000002830000")) == b"\x69\x85"


def test_the_card_refuses_gpo_data_that_does_not_match_its_pdol() -> None:
    card = session("visa")
    card(bytes.fromhex("00A4040007A000000003101000"))
    assert card(bytes.fromhex("80A8000002830000")) == b"\x67\x00"


def test_the_card_answers_a_missing_record_with_6a83() -> None:
    card = session("mastercard")
    card(bytes.fromhex("00A4040007A000000004101000"))
    assert card(bytes.fromhex("00B2091C00")) == b"\x6a\x83"


def test_an_unknown_instruction_is_6d00() -> None:
    assert session("visa")(bytes.fromhex("00CA9F1700")) == b"\x6d\x00"


@pytest.mark.parametrize(
    ("description", "key"),
    [
        ({"applications": []}, "name"),
        ({"name": "x"}, "applications"),
        ({"name": "x", "applications": [{"aid": "zz", "aip": "2000"}]}, "applications[0].aid"),
        ({"name": "x", "applications": [{"aid": "A0", "aip": "2000", "pdol": "9F"}]}, "pdol"),
        (
            {"name": "x", "applications": [{"aid": "A0", "aip": "00", "records": {"1": "70"}}]},
            "records",
        ),
        ({"name": "x", "applications": [{"aid": "A0", "aip": "00", "priority": 300}]}, "priority"),
        (
            {"name": "x", "applications": [{"aid": "A0", "aip": "00", "gpo_format": 3}]},
            "gpo_format",
        ),
    ],
)
def test_a_bad_description_is_refused_naming_the_key(
    description: dict[str, object], key: str
) -> None:
    with pytest.raises(CardModelError, match=key.replace("[", r"\[").replace("]", r"\]")):
        EmvCardModel.from_mapping(description)


def test_an_unreadable_file_is_a_card_model_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CardModelError):
        load_card_model(tmp_path / "bad.json")
