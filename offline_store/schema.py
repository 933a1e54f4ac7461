"""The database schema as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. Migration *n*
is ``MIGRATIONS[n - 1]``; new ones are appended, never edited.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def _create_cards(db: sqlite_utils.Database) -> None:
    db.table("cards").create(
        {
            "card_number": str,
            "uid": str,
            "status": str,
            "category": str,
            "balance": int,
            "expires": str,
            "list_version": int,
            "last_boarding_at": str,
            "last_boarding_route": str,
            "last_boarding_fare": int,
        },
        pk="card_number",
        not_null={"status", "category", "balance", "list_version"},
    )
    db.table("cards").create_index(["uid"], index_name="cards_by_uid", unique=True)


def _create_deny_list(db: sqlite_utils.Database) -> None:
    db.table("deny_list").create(
        {"key": str, "reason": str, "added_at": str},
        pk="key",
        not_null={"reason", "added_at"},
    )


def _create_fare_tables(db: sqlite_utils.Database) -> None:
    db.table("fare_tables").create(
        {"version": int, "body": str, "signature": str, "installed_at": str},
        pk="version",
        not_null={"body", "installed_at"},
    )


def _create_journal(db: sqlite_utils.Database) -> None:
    db.table("journal").create(
        {
            "seq": int,
            "device_id": str,
            "uuid": str,
            "time": str,
            "mono_ns": int,
            "medium": str,
            "card_number": str,
            "uid": str,
            "route": str,
            "direction": str,
            "fare": int,
            "riders": int,
            "balance_after": int,
            "result": str,
            "reason": str,
            "prev_hash": str,
            "hash": str,
            "pan_token": str,
            "masked_pan": str,
            "extra": str,
        },
        pk="seq",
        not_null={
            "device_id",
            "uuid",
            "time",
            "mono_ns",
            "medium",
            "route",
            "direction",
            "fare",
            "riders",
            "result",
            "reason",
            "prev_hash",
            "hash",
        },
    )
    db.table("journal").create_index(["card_number", "seq"], index_name="journal_by_card")
    db.table("journal").create_index(["pan_token", "seq"], index_name="journal_by_pan_token")


def _create_used_tokens(db: sqlite_utils.Database) -> None:
    """The replay cache: single-use token ids (hex) spent here, kept until
    their expiry plus the clock leeway; ``seq`` is the journal row that spent it."""
    db.table("used_tokens").create(
        {"token_id": str, "keep_until": str, "seq": int},
        pk="token_id",
        not_null={"keep_until", "seq"},
    )
    db.table("used_tokens").create_index(["keep_until"], index_name="used_tokens_by_expiry")


def _create_emv_tokens(db: sqlite_utils.Database) -> None:
    """Bank cards by PAN token: the last first ride taken here without
    confirmation, and when the ledger confirmed the card (deferred authorisation)."""
    db.table("emv_tokens").create(
        {"pan_token": str, "first_ride_at": str, "confirmed_at": str},
        pk="pan_token",
    )


def _create_meta(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key", not_null={"value"})


def create_everything(db: sqlite_utils.Database) -> None:
    """Migration 1: every table and index of the first release."""
    _create_cards(db)
    _create_deny_list(db)
    _create_fare_tables(db)
    _create_journal(db)
    _create_used_tokens(db)
    _create_emv_tokens(db)
    _create_meta(db)


def create_tickets(db: sqlite_utils.Database) -> None:
    """Migration 2: the SMS and messenger tickets the ledger sold for this bus,
    as sync received them (``id`` is the ledger's; contacts arrive masked)."""
    db.table("tickets").create(
        {
            "id": int,
            "code": str,
            "channel": str,
            "contact": str,
            "route": str,
            "fare": int,
            "sold_at": str,
            "valid_until": str,
            "received_at": str,
        },
        pk="id",
        not_null={"code", "route", "fare", "valid_until", "received_at"},
    )
    db.table("tickets").create_index(["code"], index_name="tickets_by_code", unique=True)
    db.table("tickets").create_index(["valid_until"], index_name="tickets_by_expiry")


def create_route_stops_and_positions(db: sqlite_utils.Database) -> None:
    """Migration 3: the stops of every route as the ledger's signed route data
    gave them (``seq`` is the order along the route; one version for all), and
    the queue of GPS positions waiting for upload to the arrival board."""
    db.table("route_stops").create(
        {"route": str, "seq": int, "stop_id": str, "name": str, "lat": float, "lon": float},
        pk=("route", "seq"),
        not_null={"stop_id", "name", "lat", "lon"},
    )
    db.table("positions").create(
        {"time": str, "route": str, "lat": float, "lon": float, "stop_id": str},
        pk="time",
        not_null={"route", "lat", "lon"},
    )


def add_ticket_used_at(db: sqlite_utils.Database) -> None:
    """Migration 4: when a conductor checked each SMS or messenger ticket on
    this bus (NULL: not yet), so a second check says "already used"."""
    db.table("tickets").add_column("used_at", str)


def add_deny_list_version(db: sqlite_utils.Database) -> None:
    """Migration 5: the list version that last wrote each deny entry (NULL:
    denied on this bus), so a snapshot applied in slices can take off, at its
    end, the entries it no longer holds."""
    db.table("deny_list").add_column("list_version", int)


MIGRATIONS: tuple[Migration, ...] = (
    create_everything,
    create_tickets,
    create_route_stops_and_positions,
    add_ticket_used_at,
    add_deny_list_version,
)

SCHEMA_VERSION = len(MIGRATIONS)
