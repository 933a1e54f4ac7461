"""Bank-card taps accepted offline wait for deferred authorisation. The
acquirer's answer comes back here; a declined token goes on the deny list
with the next list version, so every bus refuses it from the next delta on.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from ledger.cards import set_denied
from ledger.context import AdminDep, LedgerDep
from ledger.db import next_list_version
from ledger.errors import LedgerError

router = APIRouter(tags=["emv"], dependencies=[AdminDep])

Token = Annotated[str, Path(pattern=r"^[A-Za-z0-9+/=_:.-]{1,128}$")]


@router.get("/v1/admin/emv/pending")
def pending(ledger: LedgerDep) -> list[dict[str, Any]]:
    """Bank-card taps not yet authorised, oldest first."""
    with ledger.db.read() as conn:
        rows = conn.execute(
            "SELECT device_id, seq, token, fare, time FROM emv_pending"
            " WHERE status = 'pending' ORDER BY time LIMIT 1000"
        ).fetchall()
    names = ("device_id", "seq", "token", "fare", "time")
    return [dict(zip(names, row, strict=True)) for row in rows]


@router.post("/v1/admin/emv/{token}/decline")
def decline(token: Token, ledger: LedgerDep) -> dict[str, Any]:
    """The acquirer declined this token: deny-list it."""
    with ledger.db.write() as conn:
        changed = conn.execute(
            "UPDATE emv_pending SET status = 'declined' WHERE token = ? AND status = 'pending'",
            (token,),
        ).rowcount
        if not changed:
            raise LedgerError(404, "no_pending_taps", "no pending bank-card taps for this token")
        set_denied(conn, token, "emv", "declined", True, next_list_version(conn))
    return {"token": token, "declined_taps": changed, "deny_listed": True}


@router.post("/v1/admin/emv/{token}/authorise")
def authorise(token: Token, ledger: LedgerDep) -> dict[str, Any]:
    """The acquirer approved the pending taps of this token."""
    with ledger.db.write() as conn:
        changed = conn.execute(
            "UPDATE emv_pending SET status = 'authorised' WHERE token = ? AND status = 'pending'",
            (token,),
        ).rowcount
    return {"token": token, "authorised_taps": changed}
