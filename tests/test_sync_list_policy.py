"""The degraded policy (pure): an old list means no credit, and under
decline_unknown no bank card rides on trust; a fresh list changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from validator.judge import Verdict
from validator.list_policy import DegradedPolicy, ListMode, list_mode, restrict
from validator.model import Decision, Medium, Outcome, Presentation, Reason, Tenge

NOW = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
CARD = Presentation(Medium.DESFIRE, card_number="9643000000000000016")
BANK = Presentation(Medium.EMV)


def verdict(reason: Reason, fare: int, balance: int | None, who: Presentation = CARD) -> Verdict:
    outcome = Outcome.ACCEPTED if fare or reason is Reason.ALREADY_PAID else Outcome.DECLINED
    decision = Decision(
        outcome, reason, Tenge(fare), 1, None if balance is None else Tenge(balance)
    )
    return Verdict(who, None, decision)


@pytest.mark.parametrize(
    ("age", "degraded"),
    [(timedelta(0), False), (DAY, False), (DAY + timedelta(seconds=1), True), (10 * DAY, True)],
)
def test_a_list_is_old_once_it_passes_the_allowed_age(age: timedelta, degraded: bool) -> None:
    mode = list_mode(NOW - age, NOW, DAY, DegradedPolicy.CAP_CREDIT)
    assert mode.degraded is degraded


def test_a_list_loaded_at_the_depot_never_counts_as_old() -> None:
    assert not list_mode(None, NOW, DAY, DegradedPolicy.DECLINE_UNKNOWN).degraded


OLD = ListMode(True, DegradedPolicy.DECLINE_UNKNOWN, 2 * DAY, DAY)
OLD_CAP = ListMode(True, DegradedPolicy.CAP_CREDIT, 2 * DAY, DAY)


@pytest.mark.parametrize(
    ("mode", "before", "after"),
    [
        (ListMode(), verdict(Reason.PAID, 80, -30), Reason.PAID),  # fresh: credit allowed
        (OLD, verdict(Reason.PAID, 80, -30), Reason.INSUFFICIENT_FUNDS),
        (OLD_CAP, verdict(Reason.PAID, 80, -30), Reason.INSUFFICIENT_FUNDS),
        (OLD, verdict(Reason.PAID, 80, 0), Reason.PAID),  # down to zero is not credit
        (OLD, verdict(Reason.FIRST_RIDE, 80, None, BANK), Reason.FIRST_RIDE_USED),
        (OLD_CAP, verdict(Reason.FIRST_RIDE, 80, None, BANK), Reason.FIRST_RIDE),
        (OLD, verdict(Reason.ALREADY_PAID, 0, -30), Reason.ALREADY_PAID),  # paid already
        (OLD, verdict(Reason.UNKNOWN_CARD, 0, None), Reason.UNKNOWN_CARD),
    ],
)
def test_an_old_list_restricts_what_may_ride(
    mode: ListMode, before: Verdict, after: Reason
) -> None:
    assert restrict(before, mode).decision.reason is after


def test_a_ride_refused_for_credit_shows_the_balance_the_card_has() -> None:
    refused = restrict(verdict(Reason.PAID, 80, -30), OLD).decision
    assert (refused.outcome, refused.balance_after, refused.fare) == (Outcome.DECLINED, 50, 0)


def test_the_degraded_mode_says_what_it_does() -> None:
    assert "no rides on credit" in OLD.describe() and "bank cards" in OLD.describe()
    assert "bank cards" not in OLD_CAP.describe() and ListMode().describe() == "normal"
