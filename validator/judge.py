"""Which rule judges a presentation, and the lookups each rule needs.

- a prepaid ticket (QR from SMS, messenger, a cash ticket printed on another
  bus): ``decide_ticket`` for this bus, spent in the replay cache until its
  window is over, so a second scan here is "already used";
- a signed token (the app over NFC, an app QR, Bluetooth): ``check_credential``, then the account
  it names is decided like a transport card; the token is spent only when
  the tap is accepted;
- a bank card or phone wallet (EMV): ``decide_emv`` on the PAN token's history;
- a transport card (DESFire, Classic, Ultralight): ``decide`` on the account,
  valid no longer than the card's own record says.

The lookups are reads of the offline store and may raise StoreUnavailable;
the decisions themselves are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from offline_store import OfflineStore, TokenUse
from validator.credentials import check_credential, with_card_expiry
from validator.decide import decide
from validator.emv_risk import EmvHistory, FirstRideRules, decide_emv
from validator.fares import FareRules
from validator.model import Account, Decision, Medium, Outcome, Presentation, Reason, TripContext
from validator.tickets import decide_ticket
from validator.tokens import TokenKind, TokenRejection, verify_token

__all__ = ["MediaPolicy", "Verdict", "judge"]


@dataclass(frozen=True, slots=True)
class MediaPolicy:
    """What the secure media need beyond the fare rules. With no pinned keys
    every token is refused as forged."""

    ledger_keys: Mapping[bytes, Ed25519PublicKey] = field(default_factory=dict)
    token_leeway_s: int = 30
    first_ride: FirstRideRules = field(default_factory=FirstRideRules)
    bus_number: str = ""  # this bus, as tickets name it ("" takes no ticket)
    ticket_leeway_s: int = 60  # clock difference allowed on a ticket's window


@dataclass(frozen=True, slots=True)
class Verdict:
    """A decision with what the journal needs to record it."""

    presentation: Presentation  # with the card number a token named, once verified
    account: Account | None
    decision: Decision
    token_use: TokenUse | None = None  # a single-use token this tap spends


def judge(
    presentation: Presentation,
    store: OfflineStore,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
    policy: MediaPolicy,
) -> Verdict:
    if presentation.medium is Medium.TICKET:
        return _judge_ticket(presentation, store, trip, now, policy)
    if presentation.credential is not None:
        return _judge_token(presentation, presentation.credential, store, rules, trip, now, policy)
    if presentation.medium is Medium.EMV:
        return _judge_bank_card(presentation, store, rules, trip, now, policy)
    return _judge_account(presentation, store, rules, trip, now)


def _judge_token(
    presentation: Presentation,
    credential: bytes,
    store: OfflineStore,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
    policy: MediaPolicy,
) -> Verdict:
    keys, leeway = policy.ledger_keys, policy.token_leeway_s
    checked = check_credential(credential, keys, now, leeway, store.used_tokens)
    bare = replace(presentation, credential=None)
    if isinstance(checked, Decision):
        return Verdict(bare, None, checked)
    named = replace(bare, card_number=checked.card_number)
    verdict = _judge_account(named, store, rules, trip, now)
    if not verdict.decision.accepted:
        return verdict
    return replace(verdict, token_use=TokenUse(checked.token_id, checked.keep_until))


def _judge_ticket(
    presentation: Presentation,
    store: OfflineStore,
    trip: TripContext,
    now: datetime,
    policy: MediaPolicy,
) -> Verdict:
    bare, leeway = replace(presentation, credential=None), policy.token_leeway_s
    if presentation.credential is None:
        return Verdict(bare, None, Decision(Outcome.DECLINED, Reason.FORGED))
    kinds = (TokenKind.TICKET,)
    claims = verify_token(presentation.credential, policy.ledger_keys, now, leeway, kinds=kinds)
    if isinstance(claims, TokenRejection) or claims.ticket is None or not claims.token_id:
        expired = isinstance(claims, TokenRejection) and claims.reason.value == "expired"
        reason = Reason.EXPIRED if expired else Reason.FORGED
        return Verdict(bare, None, Decision(Outcome.DECLINED, reason))
    used = claims.token_id in store.used_tokens
    window = policy.ticket_leeway_s
    decision = decide_ticket(
        claims.ticket, trip, policy.bus_number, already_used=used, now=now, leeway_s=window
    )
    if not decision.accepted:
        return Verdict(bare, None, decision)
    keep_until = claims.ticket.valid_until + timedelta(seconds=window)
    return Verdict(bare, None, decision, TokenUse(claims.token_id, keep_until))


def _judge_bank_card(
    presentation: Presentation,
    store: OfflineStore,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
    policy: MediaPolicy,
) -> Verdict:
    token = presentation.pan_token
    history = EmvHistory() if token is None else store.emv_history(token, now)
    decision = decide_emv(presentation, history, rules, trip, now, policy.first_ride)
    return Verdict(presentation, None, decision)


def _judge_account(
    presentation: Presentation,
    store: OfflineStore,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
) -> Verdict:
    account = with_card_expiry(_lookup(presentation, store, now), presentation.expires)
    return Verdict(presentation, account, decide(presentation, account, rules, trip, now))


def _lookup(presentation: Presentation, store: OfflineStore, now: datetime) -> Account | None:
    number = presentation.card_number
    if number is None and presentation.uid is not None:
        number = store.card_number_for_uid(presentation.uid)
    return None if number is None else store.account(number, now)
