"""The secure media as ISO-DEP applications of the nfcpy reader: DESFire
transport cards, the operator's app on a phone, EMV bank cards and wallets.

``secure_media_applications(setup)`` gives them in the order the reader
tries them:

1. DESFire, selected at the PICC level (``90 5A 00 00 03 000000 00``), which
   every DESFire card accepts: so a DESFire card without our application (a
   clone that copied a UID, a foreign card) reaches our code and is declined
   as NOT_GENUINE, as is one that fails AES authentication. A bad CMAC is
   GARBAGE; a card torn away is CARD_LEFT (present again).
2. The operator's app (SELECT of its AID): the token bytes go to the core
   unverified, as ``Presentation.credential``.
3. EMV (SELECT PPSE): Visa, Mastercard and UnionPay. The clear PAN never
   leaves this module: the presentation carries its keyed token (HMAC under
   the fleet key) and the masked PAN only.

The nfc exchange raises ``CardExchangeFailed``; the protocol code expects its
own ``CardLeft``: ``_leaving`` adapts one to the other.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from drivers.desfire import (
    DEFAULT_PROFILE,
    DesfireFailure,
    DesfireProblem,
    DesfireProfile,
    read_transport_card,
)
from drivers.desfire import CardLeft as DesfireCardLeft
from drivers.emv import EmvFailure, EmvRead, TerminalData, read_emv, read_problem
from drivers.emv.reader import PPSE, select_command
from drivers.emv.reader import CardLeft as EmvCardLeft
from drivers.nfc.applications import CardExchangeFailed, Exchange, IsoDepApplication
from drivers.phone_app import APP_AID, AppProblem, AppReadFailure, read_app_token
from validator.model import Medium, Presentation
from validator.pan import mask_pan, pan_token
from validator.ports import CardRead, ReadFailure, ReadProblem

__all__ = [
    "SELECT_DESFIRE_PICC",
    "TRANSIT_RIDS",
    "SecureMediaSetup",
    "app_application",
    "desfire_application",
    "emv_application",
    "secure_media_applications",
]

log = logging.getLogger(__name__)

SELECT_DESFIRE_PICC = bytes.fromhex("905A00000300000000")
DESFIRE_UID_LENGTH = 7  # AN10922 diversification needs the card's fixed 7-byte UID
TRANSIT_RIDS = ("A000000003", "A000000004", "A000000333")  # Visa, Mastercard, UnionPay
FRAME_LOGGER = "nfc.clf.transport"  # logs every radio frame below DEBUG: a bank card's hold its PAN
_OK = b"\x90\x00"

Result = CardRead | ReadFailure

_DESFIRE_PROBLEMS = {
    DesfireProblem.AUTH_FAILED: ReadProblem.NOT_GENUINE,
    DesfireProblem.NO_APPLICATION: ReadProblem.NOT_GENUINE,
    DesfireProblem.BAD_MAC: ReadProblem.GARBAGE,
    DesfireProblem.CARD_LEFT: ReadProblem.CARD_LEFT,
    DesfireProblem.GARBAGE: ReadProblem.GARBAGE,
}
_APP_PROBLEMS = {
    AppProblem.CARD_LEFT: ReadProblem.CARD_LEFT,
    AppProblem.NO_APPLICATION: ReadProblem.UNSUPPORTED,
    AppProblem.REFUSED: ReadProblem.UNSUPPORTED,
    AppProblem.GARBAGE: ReadProblem.GARBAGE,
}


@dataclass(frozen=True, slots=True)
class SecureMediaSetup:
    """Which secure media this reader takes; None leaves a medium off."""

    desfire_master: bytes | None = field(default=None, repr=False)
    desfire_profile: DesfireProfile = DEFAULT_PROFILE
    fleet_key: bytes | None = field(default=None, repr=False)
    app: bool = False  # the operator's app (needs pinned ledger keys in the core)
    today: Callable[[], date] = date.today  # the bus's local date, for the EMV PDOL
    amount_tiyn: int = 0  # "amount, authorised" in the PDOL; the fare is settled later


def secure_media_applications(setup: SecureMediaSetup) -> list[IsoDepApplication]:
    applications = []
    if setup.desfire_master is not None:
        applications.append(desfire_application(setup.desfire_master, setup.desfire_profile))
    if setup.app:
        applications.append(app_application())
    if setup.fleet_key is not None:
        applications.append(emv_application(setup.fleet_key, setup.today, setup.amount_tiyn))
    return applications


# --- adapters ---------------------------------------------------------------------


def _leaving(card_left: type[Exception], exchange: Exchange) -> Exchange:
    """``exchange``, raising ``card_left`` when the card leaves the field."""

    def adapted(apdu: bytes) -> bytes:
        try:
            return exchange(apdu)
        except CardExchangeFailed as failure:
            if failure.problem is ReadProblem.CARD_LEFT:
                raise card_left(failure.detail) from failure
            raise

    return adapted


def _primed(exchange: Exchange, command: bytes, answer: bytes) -> Exchange:
    """``exchange`` that answers the first ``command`` with the ``answer`` the
    card already gave the reader's SELECT, saving a round trip."""
    pending = [answer]

    def primed(apdu: bytes) -> bytes:
        if pending and apdu == command:
            return pending.pop()
        pending.clear()
        return exchange(apdu)

    return primed


def _failure(problem: ReadProblem, detail: str, uid: bytes, medium: Medium) -> ReadFailure:
    log.debug("card %s…: %s", uid.hex().upper()[:4], detail)
    return ReadFailure(problem, detail, uid=uid.hex().upper(), medium=medium)


# --- DESFire ----------------------------------------------------------------------


def desfire_application(master_key: bytes, profile: DesfireProfile) -> IsoDepApplication:
    handler = partial(_read_desfire, master_key, profile)
    return IsoDepApplication("DESFire transport card", SELECT_DESFIRE_PICC, handler)


def _read_desfire(
    master_key: bytes, profile: DesfireProfile, exchange: Exchange, _selected: bytes, uid: bytes
) -> Result:
    if len(uid) != DESFIRE_UID_LENGTH:
        detail = "DESFire with a random or short UID: not a card of this system"
        return _failure(ReadProblem.NOT_GENUINE, detail, uid, Medium.DESFIRE)
    result = read_transport_card(_leaving(DesfireCardLeft, exchange), uid, profile, master_key)
    if isinstance(result, DesfireFailure):
        detail = f"DESFire {result.problem.value}: {result.detail}"
        return _failure(_DESFIRE_PROBLEMS[result.problem], detail, uid, Medium.DESFIRE)
    record = result.record
    return CardRead(
        Presentation(
            Medium.DESFIRE,
            uid=uid.hex().upper(),
            card_number=record.card_number,
            expires=record.expires,
        )
    )


# --- the operator's app -----------------------------------------------------------


def app_application() -> IsoDepApplication:
    return IsoDepApplication.by_aid("operator app", APP_AID, _read_app)


def _read_app(exchange: Exchange, selected: bytes, uid: bytes) -> Result:
    adapted = _leaving(EmvCardLeft, exchange)
    token = read_app_token(_primed(adapted, select_command(APP_AID), selected + _OK))
    if isinstance(token, AppReadFailure):
        detail = f"app {token.problem.value}: {token.detail}"
        return _failure(_APP_PROBLEMS[token.problem], detail, uid, Medium.APP_NFC)
    return CardRead(Presentation(Medium.APP_NFC, uid=uid.hex().upper(), credential=token))


# --- EMV --------------------------------------------------------------------------


def emv_application(
    fleet_key: bytes, today: Callable[[], date], amount_tiyn: int = 0
) -> IsoDepApplication:
    """Bank cards; from now on nfcpy's frame log stays off, whatever the root level."""
    frames = logging.getLogger(FRAME_LOGGER)
    frames.setLevel(max(logging.DEBUG, frames.level))
    handler = partial(_read_bank_card, fleet_key, today, amount_tiyn)
    return IsoDepApplication.by_aid("EMV", PPSE, handler)


def _read_bank_card(
    fleet_key: bytes,
    today: Callable[[], date],
    amount_tiyn: int,
    exchange: Exchange,
    selected: bytes,
    uid: bytes,
) -> Result:
    terminal = TerminalData(
        amount=amount_tiyn,
        unpredictable_number=os.urandom(4),
        transaction_date=today(),
        accepted_rids=TRANSIT_RIDS,
    )
    adapted = _leaving(EmvCardLeft, exchange)
    result = read_emv(_primed(adapted, select_command(PPSE), selected + _OK), terminal)
    if isinstance(result, EmvFailure):
        detail = f"EMV {result.problem.value}: {result.detail}"
        return _failure(read_problem(result), detail, uid, Medium.EMV)
    return _bank_card(result, fleet_key, uid)


def _bank_card(read: EmvRead, fleet_key: bytes, uid: bytes) -> Result:
    """Tokenise and mask the PAN here; the ``EmvRead`` holding it goes no further."""
    try:
        token, masked = pan_token(read.pan, fleet_key), mask_pan(read.pan)
    except ValueError:
        return _failure(ReadProblem.GARBAGE, "EMV: unusable PAN", uid, Medium.EMV)
    presentation = Presentation(
        Medium.EMV, uid=uid.hex().upper(), pan_token=token, masked_pan=masked, expires=read.expiry
    )
    return CardRead(presentation)
