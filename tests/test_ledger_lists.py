"""Signed lists, fare tables and routes from the real ledger."""

from __future__ import annotations

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.admin_client import AdminClient
from ledger.envelope import SignedStreamError, read_signed_stream, verify_signed_stream
from ledger.serve import LedgerServer
from tests.test_ledger_fixtures import TIMEOUT, Bus, admin, bus, card, ledger

__all__ = ["admin", "bus", "ledger"]  # fixtures

OTHER_KEY = Ed25519PrivateKey.generate().public_key()


def cards_in(rows: list[list[object]]) -> dict[object, list[object]]:
    return {row[1]: row for row in rows if row[0] == "c"}


def test_a_snapshot_verifies_with_the_ledger_key_and_fails_with_another(
    bus: Bus, admin: AdminClient
) -> None:
    number = card(admin, balance=700, category="student")
    body = bus.get("/v1/lists").content
    header, rows = verify_signed_stream(body, bus.ledger_key, "lists")
    assert header["mode"] == "snapshot" and header["device_id"] == bus.device_id
    assert cards_in(rows)[number][3:6] == [700, "student", "active"]
    with pytest.raises(SignedStreamError, match="bad signature"):
        verify_signed_stream(body, OTHER_KEY, "lists")


def test_a_delta_carries_only_the_cards_changed_since_and_verifies(
    bus: Bus, admin: AdminClient
) -> None:
    untouched, topped_up = card(admin), card(admin, balance=100)
    version = verify_signed_stream(bus.get("/v1/lists").content, bus.ledger_key, "lists")[0][
        "version"
    ]
    admin.top_up(topped_up, 400)
    body = bus.get("/v1/lists", since=version).content
    header, rows = verify_signed_stream(body, bus.ledger_key, "lists")
    assert header["mode"] == "delta" and header["since"] == version
    assert header["version"] > version
    assert cards_in(rows)[topped_up][3] == 500 and untouched not in cards_in(rows)
    with pytest.raises(SignedStreamError):
        verify_signed_stream(body, OTHER_KEY, "lists")


def test_a_device_far_behind_or_unknown_gets_a_snapshot(bus: Bus) -> None:
    header, _ = verify_signed_stream(
        bus.get("/v1/lists", since=10**9).content, bus.ledger_key, "lists"
    )
    assert header["mode"] == "snapshot"


def test_the_list_tells_the_device_its_watermark(bus: Bus, admin: AdminClient) -> None:
    number = card(admin, balance=1000)
    bus.upload([bus.tap(number, fare=80) for _ in range(2)])
    header, rows = verify_signed_stream(bus.get("/v1/lists").content, bus.ledger_key, "lists")
    assert header["watermark"] == 2
    assert cards_in(rows)[number][3] == 840


def test_a_blocked_card_is_on_the_deny_list_and_off_it_after_unblocking(
    bus: Bus, admin: AdminClient
) -> None:
    number = card(admin)
    admin.block(number, "stolen")
    header, rows = verify_signed_stream(bus.get("/v1/lists").content, bus.ledger_key, "lists")
    assert ["d", number, "card", "stolen"] in rows
    admin.call("POST", f"/v1/admin/cards/{number}/unblock")
    _, delta = verify_signed_stream(
        bus.get("/v1/lists", since=header["version"]).content, bus.ledger_key, "lists"
    )
    assert ["u", number] in delta and cards_in(delta)[number][5] == "active"


def test_a_list_cut_short_does_not_verify(bus: Bus) -> None:
    lines = bus.get("/v1/lists").content.split(b"\n")
    with pytest.raises(SignedStreamError, match="cut short"):
        list(read_signed_stream(lines[:-2], bus.ledger_key, "lists"))


def test_a_list_with_a_changed_balance_does_not_verify(bus: Bus, admin: AdminClient) -> None:
    card(admin, balance=300)
    body = bus.get("/v1/lists").content.replace(b",300,", b",9300,", 1)
    with pytest.raises(SignedStreamError, match="bad signature"):
        verify_signed_stream(body, bus.ledger_key, "lists")


def test_a_fare_table_is_not_taken_for_a_list(bus: Bus, ledger: LedgerServer) -> None:
    body = requests.get(f"{ledger.url}/v1/fares", timeout=TIMEOUT).content
    with pytest.raises(SignedStreamError, match="expected a 'lists' document"):
        verify_signed_stream(body, bus.ledger_key, "lists")


def test_a_new_fare_table_is_published_signed_with_the_next_version(
    bus: Bus, admin: AdminClient, ledger: LedgerServer
) -> None:
    table = verify_signed_stream(
        requests.get(f"{ledger.url}/v1/fares", timeout=TIMEOUT).content,
        bus.ledger_key,
        "fare_table",
    )[0]["table"]
    table["fares"]["desfire"] = 90
    version = admin.call("PUT", "/v1/admin/fares", {"table": table})["version"]
    body = requests.get(f"{ledger.url}/v1/fares", timeout=TIMEOUT).content
    header, _ = verify_signed_stream(body, bus.ledger_key, "fare_table")
    assert header["version"] == version == table["version"] + 1
    assert header["table"]["fares"]["desfire"] == 90


def test_a_bad_fare_table_is_refused_naming_the_key(
    admin: AdminClient, ledger: LedgerServer
) -> None:
    answer = requests.put(
        f"{ledger.url}/v1/admin/fares",
        json={"table": {"fares": {"desfire": "eighty"}}},
        headers=admin.session.headers,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 422 and answer.json()["key"] == "fares.desfire"


def test_routes_12_and_92_are_published_signed_with_their_stops(
    bus: Bus, ledger: LedgerServer
) -> None:
    body = requests.get(f"{ledger.url}/v1/routes", timeout=TIMEOUT).content
    routes = verify_signed_stream(body, bus.ledger_key, "routes")[0]["routes"]
    assert [route["route"] for route in routes] == ["12", "92"]
    assert all({"lat", "lon", "name"} <= set(stop) for route in routes for stop in route["stops"])
