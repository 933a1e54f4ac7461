"""Transport cards: issue, top up, block and unblock; the authoritative balances.

Card numbers are 19 digits in the Onay style: the issuer prefix ``9643``, a
14-digit serial and a Luhn check digit. Every change gives the card the next
list version, so the next delta carries it to the buses.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import Field

from ledger.context import AdminDep, Ledger, LedgerDep, iso, utc_now
from ledger.db import log_card_changes, meta_bump, next_list_version, raise_changes_floor
from ledger.errors import LedgerError
from ledger.inputs import CARD_NUMBER, MAX_MONEY, UID, Body, Money, PositiveMoney
from validator.model import CardStatus, Category

router = APIRouter(tags=["cards"], dependencies=[AdminDep])

ISSUER_PREFIX = "9643"
CardNumber = Annotated[str, Path(pattern=CARD_NUMBER, examples=["9643000000000000013"])]
_CARD_COLUMNS = (
    "card_number, uid, balance, category, status, expires, last_boarding_at,"
    " last_boarding_route, last_boarding_fare, version, issued_at"
)


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits + it`` pass the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def card_number_for(serial: int) -> str:
    body = f"{ISSUER_PREFIX}{serial:014d}"
    return body + luhn_check_digit(body)


class IssueCard(Body):
    card_number: str | None = Field(default=None, pattern=CARD_NUMBER)
    uid: str | None = Field(default=None, pattern=UID, description="MIFARE UID, hex")
    category: Category = Category.STANDARD
    balance: Money = 0
    expires: date | None = None


class IssueMany(Body):
    count: int = Field(strict=True, ge=1, le=1_000_000)
    category: Category = Category.STANDARD
    balance: Money = 0


class TopUp(Body):
    amount: PositiveMoney
    reference: str | None = Field(default=None, max_length=64, description="idempotency key")


class Block(Body):
    reason: Literal["lost", "stolen", "operator"] = "lost"


@router.post("/v1/admin/cards", status_code=201)
def issue_card(request: IssueCard, ledger: LedgerDep) -> dict[str, Any]:
    """Issue one card; the number is generated unless given."""
    try:
        with ledger.db.write() as conn:
            number = request.card_number or card_number_for(meta_bump(conn, "card_serial"))
            uid = request.uid.upper() if request.uid else None
            expires = request.expires.isoformat() if request.expires else None
            version = _insert_cards(
                conn, [(number, uid, request.balance, request.category, expires)]
            )
            log_card_changes(conn, version, [number])
    except sqlite3.IntegrityError:
        raise LedgerError(409, "card_exists", "a card with this number or UID exists") from None
    return card_view(ledger, number)


@router.post("/v1/admin/cards/batch", status_code=201)
def issue_many(request: IssueMany, ledger: LedgerDep) -> dict[str, Any]:
    """Issue ``count`` cards with consecutive serials (for setting up a fleet or a bench)."""
    with ledger.db.write() as conn:
        first = meta_get_serial(conn) + 1
        conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('card_serial', ?)", (first + request.count - 1,)
        )
        rows = (
            (card_number_for(serial), None, request.balance, request.category, None)
            for serial in range(first, first + request.count)
        )
        raise_changes_floor(conn, _insert_cards(conn, rows))  # older lists get a snapshot
    last = first + request.count - 1
    return {"count": request.count, "first": card_number_for(first), "last": card_number_for(last)}


def meta_get_serial(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'card_serial'").fetchone()
    return int(row[0]) if row else 0


def _insert_cards(conn: sqlite3.Connection, rows: Any) -> int:
    version, now = next_list_version(conn), iso(utc_now())
    conn.executemany(
        "INSERT INTO cards(card_number, uid, balance, category, status, expires, version,"
        " issued_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
        ((*row, version, now) for row in rows),
    )
    return version


@router.get("/v1/admin/cards/{card_number}")
def get_card(card_number: CardNumber, ledger: LedgerDep) -> dict[str, Any]:
    """The card as the ledger knows it: authoritative balance, status, category."""
    return card_view(ledger, card_number)


def card_view(ledger: Ledger, card_number: str) -> dict[str, Any]:
    with ledger.db.read() as conn:
        cursor = conn.execute(
            f"SELECT {_CARD_COLUMNS} FROM cards WHERE card_number = ?", (card_number,)
        )
        row = cursor.fetchone()
        names = [column[0] for column in cursor.description]
    if row is None:
        raise LedgerError(404, "unknown_card", f"no card {card_number}")
    return dict(zip(names, row, strict=True))


@router.post("/v1/admin/cards/{card_number}/top-up")
def top_up(card_number: CardNumber, request: TopUp, ledger: LedgerDep) -> dict[str, Any]:
    """Add money; a repeated ``reference`` is answered without adding twice."""
    with ledger.db.write() as conn:
        done = _previous_top_up(conn, request.reference, card_number)
        if done is None:
            balance = _change_balance(conn, card_number, request.amount)
            conn.execute(
                "INSERT INTO topups(card_number, amount, reference, at, balance_after)"
                " VALUES (?, ?, ?, ?, ?)",
                (card_number, request.amount, request.reference, iso(utc_now()), balance),
            )
    return {"card_number": card_number, "balance": card_view(ledger, card_number)["balance"]}


def _previous_top_up(conn: sqlite3.Connection, reference: str | None, card: str) -> int | None:
    if reference is None:
        return None
    row = conn.execute(
        "SELECT card_number, balance_after FROM topups WHERE reference = ?", (reference,)
    ).fetchone()
    if row is not None and row[0] != card:
        raise LedgerError(409, "reference_reused", "this reference belongs to another card")
    return None if row is None else int(row[1])


def _change_balance(conn: sqlite3.Connection, card_number: str, amount: int) -> int:
    version = next_list_version(conn)
    row = conn.execute(
        "UPDATE cards SET balance = balance + ?, version = ? WHERE card_number = ?"
        " RETURNING balance",
        (amount, version, card_number),
    ).fetchone()
    if row is None:
        raise LedgerError(404, "unknown_card", f"no card {card_number}")
    log_card_changes(conn, version, [card_number])
    if abs(row[0]) > MAX_MONEY:
        raise LedgerError(422, "balance_too_large", "the balance would exceed 10^9 tenge")
    return int(row[0])


@router.post("/v1/admin/cards/{card_number}/block")
def block(card_number: CardNumber, request: Block, ledger: LedgerDep) -> dict[str, Any]:
    """Block a lost or stolen card: it goes on the deny list with the next version."""
    _set_status(ledger, card_number, CardStatus.BLOCKED, request.reason)
    return card_view(ledger, card_number)


@router.post("/v1/admin/cards/{card_number}/unblock")
def unblock(card_number: CardNumber, ledger: LedgerDep) -> dict[str, Any]:
    _set_status(ledger, card_number, CardStatus.ACTIVE, "unblocked")
    return card_view(ledger, card_number)


def _set_status(ledger: Ledger, card_number: str, status: CardStatus, reason: str) -> None:
    with ledger.db.write() as conn:
        version = next_list_version(conn)
        changed = conn.execute(
            "UPDATE cards SET status = ?, version = ? WHERE card_number = ?",
            (status, version, card_number),
        ).rowcount
        if not changed:
            raise LedgerError(404, "unknown_card", f"no card {card_number}")
        log_card_changes(conn, version, [card_number])
        set_denied(conn, card_number, "card", reason, status is CardStatus.BLOCKED, version)


def set_denied(
    conn: sqlite3.Connection, token: str, kind: str, reason: str, active: bool, version: int
) -> None:
    """Put a card number or EMV token on the deny list (or take it off)."""
    conn.execute(
        "INSERT INTO deny(token, kind, reason, active, version) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(token) DO UPDATE SET reason = excluded.reason,"
        " active = excluded.active, version = excluded.version",
        (token, kind, reason, int(active), version),
    )
