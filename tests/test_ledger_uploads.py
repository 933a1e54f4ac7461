"""Tap uploads against the real ledger: exactly once, in order, chain intact."""

from __future__ import annotations

import gzip
import json

import pytest

from ledger.admin_client import AdminClient
from ledger.envelope import verify_signed_stream
from ledger.uploads import row_hash as ledger_row_hash
from ledger.wire import columnar_batch
from offline_store.hashing import GENESIS_HASH, row_hash
from tests.test_ledger_fixtures import Bus, admin, bus, card, ledger

__all__ = ["admin", "bus", "ledger"]  # fixtures


def test_an_upload_is_applied_once_even_when_sent_twice(bus: Bus, admin: AdminClient) -> None:
    number = card(admin, balance=1000)
    rows = [bus.tap(number, fare=80) for _ in range(3)]
    first, again = bus.upload(rows), bus.upload(rows)
    assert first.json() | {"list_version": 0} == {
        "accepted": 3, "duplicates": 0, "watermark": 3, "next_seq": 4,
        "last_hash": rows[-1]["hash"], "list_version": 0,
    }  # fmt: skip
    assert again.status_code == 200
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 3)
    assert admin.card(number)["balance"] == 1000 - 3 * 80


def test_a_batch_overlapping_a_previous_one_stores_only_the_new_rows(
    bus: Bus, admin: AdminClient
) -> None:
    number = card(admin, balance=1000)
    rows = [bus.tap(number, fare=100) for _ in range(5)]
    bus.upload(rows[:3])
    answer = bus.upload(rows[1:])
    assert (answer.json()["accepted"], answer.json()["duplicates"]) == (2, 2)
    assert answer.json()["watermark"] == 5
    assert admin.card(number)["balance"] == 500


def test_a_sequence_gap_is_answered_with_the_seq_to_send(bus: Bus) -> None:
    rows = [bus.tap(None, fare=0, result="declined", reason="unknown_card") for _ in range(6)]
    bus.upload(rows[:2])
    answer = bus.upload(rows[4:])
    assert answer.status_code == 409
    assert answer.json()["error"] == "sequence_gap" and answer.json()["expected_seq"] == 3


def test_a_tampered_row_is_rejected_naming_its_seq(bus: Bus, admin: AdminClient) -> None:
    number = card(admin, balance=1000)
    rows = [bus.tap(number) for _ in range(4)]
    rows[2] = rows[2] | {"fare": 0}  # changed after it was hashed
    answer = bus.upload(rows)
    assert answer.status_code == 422
    assert answer.json()["error"] == "hash_mismatch" and answer.json()["seq"] == 3
    assert admin.card(number)["balance"] == 1000  # nothing of the batch applied


def test_a_tampered_row_in_the_plain_rows_format_is_rejected_naming_its_seq(bus: Bus) -> None:
    rows = [bus.tap(None, fare=0) for _ in range(3)]
    rows[1] = rows[1] | {"route": "92"}
    answer = bus.upload_rows(rows)
    assert answer.status_code == 422 and answer.json()["seq"] == 2


def test_a_batch_that_disagrees_with_rows_the_ledger_holds_is_refused(bus: Bus) -> None:
    rows = [bus.tap(None, fare=0) for _ in range(3)]
    bus.upload(rows)
    forged, prev = [], GENESIS_HASH
    for row in rows:
        fields = row | {"route": "92"}
        fields |= {"prev_hash": prev, "hash": row_hash(fields, prev)}
        forged.append(fields)
        prev = fields["hash"]
    answer = bus.upload(forged)
    assert answer.status_code == 409 and answer.json()["error"] == "chain_conflict"


def test_balances_are_reduced_by_the_accepted_fares_only(bus: Bus, admin: AdminClient) -> None:
    number = card(admin, balance=500)
    rows = [
        bus.tap(number, fare=80),
        bus.tap(number, fare=0, result="declined", reason="insufficient_funds"),
        bus.tap(number, fare=40, reason="concession"),
    ]
    bus.upload(rows)
    assert admin.card(number)["balance"] == 500 - 80 - 40
    assert admin.card(number)["last_boarding_route"] == "12"


def test_a_gzip_body_and_a_plain_body_are_both_accepted(bus: Bus) -> None:
    first = [bus.tap(None, fare=0) for _ in range(2)]
    second = [bus.tap(None, fare=0) for _ in range(2)]
    assert bus.upload(first).status_code == 200  # gzip'd columns/1
    assert bus.upload_rows(second).json()["watermark"] == 4  # plain rows/1


def test_a_batch_of_another_device_is_refused(bus: Bus, admin: AdminClient) -> None:
    other = Bus.enroll(bus.url, admin)
    answer = bus.upload([other.tap(None)])
    assert answer.status_code == 403 and answer.json()["error"] == "wrong_device"


@pytest.mark.parametrize(
    ("body", "encoding", "status"),
    [
        (b"{not json", "", 400),
        (b"[]", "", 422),
        (b'{"format": "columns/1"}', "", 422),
        (b"\x1f\x8b\x08garbage", "gzip", 400),
        (gzip.compress(b"{}")[:-6], "gzip", 400),
        (b"{}", "br", 415),
    ],
)
def test_malformed_bodies_get_a_clear_4xx(
    bus: Bus, body: bytes, encoding: str, status: int
) -> None:
    answer = bus.post("/v1/taps", body, {"Content-Encoding": encoding} if encoding else {})
    assert answer.status_code == status
    assert answer.json()["error"] and answer.json()["message"]


@pytest.mark.parametrize(
    ("column", "value"),
    [("fare", "80"), ("fare", True), ("fare", 8.5), ("mono_ns", 2**70), ("medium", "bitcoin"),
     ("time", "2025-13-45T99:00:00.000Z"), ("card_number", 12), ("uuid", "x")],
)  # fmt: skip
def test_wrong_types_are_refused_with_422_naming_the_field(
    bus: Bus, column: str, value: object
) -> None:
    batch = columnar_batch([bus.tap(None, fare=0)])
    batch["columns"] = dict(batch["columns"]) | {column: value}  # type: ignore[call-overload]
    answer = bus.post("/v1/taps", json.dumps(batch).encode())
    assert answer.status_code == 422, answer.text
    assert column in answer.json()["message"]


def test_the_ledger_hashes_rows_exactly_as_the_offline_store_does(bus: Bus) -> None:
    row = bus.tap("9643000000000000016", uid="04A1B2C3D4E5F6", route="Жол-1")
    fields = {name: row[name] for name in row if name not in ("prev_hash", "hash")}
    assert ledger_row_hash(fields, GENESIS_HASH) == row_hash(fields, GENESIS_HASH)


def test_a_bank_card_tap_waits_for_authorisation_and_a_decline_deny_lists_its_token(
    bus: Bus, admin: AdminClient
) -> None:
    token = "b3f1c2d4e5a6978812345678abcdef01"
    row = bus.tap(None, medium="emv", pan_token=token, masked_pan="415231******1234")
    assert bus.upload([row]).status_code == 200
    assert token in [tap["token"] for tap in admin.call("GET", "/v1/admin/emv/pending")]
    admin.call("POST", f"/v1/admin/emv/{token}/decline")
    _, rows = verify_signed_stream(bus.get("/v1/lists").content, bus.ledger_key, "lists")
    assert ["d", token, "emv", "declined"] in rows


def test_the_ledger_hashes_bank_card_rows_exactly_as_the_offline_store_does(bus: Bus) -> None:
    row = bus.tap(None, medium="emv", pan_token="ab" * 16, masked_pan="415231******1234")
    fields = {name: row[name] for name in row if name not in ("prev_hash", "hash")}
    assert ledger_row_hash(fields, GENESIS_HASH) == row_hash(fields, GENESIS_HASH)
    assert bus.upload_rows([row]).status_code == 200
