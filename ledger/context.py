"""What every endpoint works with: the database, the signing key, the admin
token and the settings, held on ``app.state.ledger``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Header, Request

from ledger.db import Database
from ledger.errors import LedgerError


@dataclass(frozen=True, slots=True)
class Settings:
    list_ttl: timedelta = timedelta(hours=48)  # a list expires this long after it is issued
    delta_limit: int = 250_000  # more changed rows than this: send a snapshot instead
    clock_skew_s: int = 300  # device timestamps within ± this many seconds
    ticket_validity: timedelta = timedelta(minutes=60)
    timezone: str = "Asia/Almaty"  # local day for statistics
    max_batch_rows: int = 10_000
    max_body_bytes: int = 32 * 1024 * 1024  # after gunzip
    short_numbers: tuple[str, ...] = field(default=("7575",))
    average_speed_kmh: float = 18.0  # the arrival board's estimate of a bus's speed
    position_max_age: timedelta = timedelta(minutes=15)  # older positions: not on the board


@dataclass(frozen=True, slots=True)
class Ledger:
    db: Database
    key: Ed25519PrivateKey
    admin_token: str
    settings: Settings


def ledger_of(request: Request) -> Ledger:
    ledger = request.app.state.ledger
    assert isinstance(ledger, Ledger)
    return ledger


LedgerDep = Annotated[Ledger, Depends(ledger_of)]


def require_admin(
    ledger: LedgerDep,
    authorization: Annotated[str | None, Header(description="Bearer <admin token>")] = None,
) -> None:
    """Admin endpoints need ``Authorization: Bearer <token from the data dir>``."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(token.encode("utf-8"), ledger.admin_token.encode("utf-8")):
        raise LedgerError(401, "admin_token_required", "send Authorization: Bearer <admin token>")


AdminDep = Depends(require_admin)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``, as the journal writes times."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
