"""The degraded policy: what changes when the balance list is too old.

A list older than ``sync.max_list_age`` no longer vouches for balances, deny
entries or bank cards seen elsewhere, so the validator takes less risk:

- ``cap_credit``: no ride on credit. A tap that would take the balance below
  zero is declined ("top up your card"), whatever floor the fare table allows.
- ``decline_unknown``: as ``cap_credit``, and a bank card the ledger has not
  confirmed no longer rides once on trust (declined as not confirmed yet).
  Cards absent from the list are declined in every mode.

Pure: the list's age and the policy come in, a :class:`ListMode` comes out;
:func:`restrict` applies it to one verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from validator.judge import Verdict
from validator.model import Decision, Outcome, Reason, Tenge, is_aware

__all__ = ["DegradedPolicy", "ListMode", "list_mode", "restrict"]


class DegradedPolicy(StrEnum):
    DECLINE_UNKNOWN = "decline_unknown"
    CAP_CREDIT = "cap_credit"


@dataclass(frozen=True, slots=True)
class ListMode:
    """Normal (the default), or degraded under ``policy`` because of ``age``."""

    degraded: bool = False
    policy: DegradedPolicy = DegradedPolicy.DECLINE_UNKNOWN
    age: timedelta | None = None
    max_age: timedelta | None = None

    def describe(self) -> str:
        if not self.degraded:
            return "normal"
        rules = "no rides on credit"
        if self.policy is DegradedPolicy.DECLINE_UNKNOWN:
            rules += ", bank cards not confirmed by the ledger are declined"
        return (
            f"DEGRADED ({self.policy.value}): the balance list is {_hours(self.age)} old, "
            f"more than the {_hours(self.max_age)} allowed; {rules} until a new list arrives"
        )


def list_mode(
    received_at: datetime | None, now: datetime, max_age: timedelta, policy: DegradedPolicy
) -> ListMode:
    """Degraded when the list was received more than ``max_age`` before ``now``.
    A list that never came from a ledger (``None``: loaded at the depot) is not aged."""
    if received_at is None:
        return ListMode(policy=policy, max_age=max_age)
    if not (is_aware(received_at) and is_aware(now)):
        raise ValueError("list_mode needs timezone-aware datetimes")
    age = max(now - received_at, timedelta(0))
    return ListMode(degraded=age > max_age, policy=policy, age=age, max_age=max_age)


def restrict(verdict: Verdict, mode: ListMode) -> Verdict:
    """The verdict as the degraded policy allows it (unchanged when normal)."""
    decision = verdict.decision
    if not mode.degraded or decision.outcome is not Outcome.ACCEPTED:
        return verdict
    if decision.reason is Reason.FIRST_RIDE and mode.policy is DegradedPolicy.DECLINE_UNKNOWN:
        return _declined(verdict, Decision(Outcome.DECLINED, Reason.FIRST_RIDE_USED))
    before = decision.balance_after
    if before is not None and before < 0 and decision.fare > 0:
        balance = Tenge(before + decision.fare)  # what the card had before this tap
        refused = Decision(Outcome.DECLINED, Reason.INSUFFICIENT_FUNDS, balance_after=balance)
        return _declined(verdict, refused)
    return verdict


def _declined(verdict: Verdict, decision: Decision) -> Verdict:
    return replace(verdict, decision=decision, token_use=None)


def _hours(span: timedelta | None) -> str:
    if span is None:
        return "?"
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 10 else f"{hours:.1f} h"
