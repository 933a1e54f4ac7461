"""What the validator decides for one tap: every reason, every fare feature."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from validator.decide import decide
from validator.fares import FareRules, parse_fare_table
from validator.model import (
    Account,
    Boarding,
    CardStatus,
    Category,
    Decision,
    Medium,
    Outcome,
    Presentation,
    Reason,
    Tenge,
    TripContext,
)

ALMATY = timezone(timedelta(hours=5), "Almaty")
NOON = datetime(2025, 3, 14, 12, 0, tzinfo=ALMATY)
TODAY = NOON.date()

TABLE: dict[str, Any] = {
    "version": 1,
    "fares": {"desfire": 80, "classic": 80, "emv": 80, "cash": 150, "ticket": 150},
    "routes": {
        "92": {"fares": {"desfire": 100}},
        "5": {"fares": {"desfire": 85}},
        "12": {
            "bands": [
                {"name": "night", "start": "22:00", "end": "06:00", "fares": {"desfire": 120}}
            ]
        },
    },
    "concessions": {
        "pensioner": {"percent": 0},
        "veteran": {"percent": 0},
        "disabled": {"percent": 0},
        "student": {"percent": 50},
        "schoolchild": {"percent": 50},
    },
    "transfer": {"window_minutes": 40, "percent": 0},
    "passback": {"seconds": 15, "max_companions": 3},
    "balance": {"floor": -80, "low_warning": 200},
}
RULES = parse_fare_table(TABLE)
CAPPED = replace(RULES, daily_cap=Tenge(200))
HALF_TRANSFER = parse_fare_table({**TABLE, "transfer": {"window_minutes": 40, "percent": 50}})


def card(**changes: Any) -> Account:
    base = Account(
        card_number="9398000000000000012",
        status=CardStatus.ACTIVE,
        category=Category.STANDARD,
        list_balance=Tenge(1000),
        pending_fares=Tenge(0),
    )
    return replace(base, **changes)


def rode(ago: timedelta, route: str = "12", fare: int = 80, riders: int = 1) -> Boarding:
    return Boarding(at=NOON - ago, route=route, fare=Tenge(fare), riders=riders)


def seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def paid(reason: Reason, fare: int, balance: int, *, low: bool = False) -> Decision:
    return Decision(Outcome.ACCEPTED, reason, Tenge(fare), 1, Tenge(balance), low)


def already_paid(balance: int, *, low: bool = False) -> Decision:
    return Decision(Outcome.ACCEPTED, Reason.ALREADY_PAID, Tenge(0), 0, Tenge(balance), low)


def declined(reason: Reason, balance: int | None = None) -> Decision:
    return Decision(
        Outcome.DECLINED, reason, balance_after=None if balance is None else Tenge(balance)
    )


@dataclass(frozen=True)
class Tap:
    """One tap of a card and what the passenger should see."""

    story: str
    account: Account | None
    expected: Decision
    route: str = "12"
    medium: Medium = Medium.DESFIRE
    at: datetime = NOON
    companion: bool = False
    rules: FareRules = field(default=RULES)


def run(tap: Tap) -> Decision:
    presentation = Presentation(
        tap.medium, card_number="9398000000000000012", companion=tap.companion
    )
    return decide(presentation, tap.account, tap.rules, TripContext(tap.route), tap.at)


def check(taps: list[Tap]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("tap", taps, ids=[t.story for t in taps])


REFUSALS = [
    Tap(
        "a card not in the balance list is declined as unknown", None, declined(Reason.UNKNOWN_CARD)
    ),
    Tap("a deny-listed card is declined", card(deny_listed=True), declined(Reason.DENY_LISTED)),
    Tap("a blocked card is declined", card(status=CardStatus.BLOCKED), declined(Reason.BLOCKED)),
    Tap(
        "a card both deny-listed and blocked is declined as deny-listed",
        card(deny_listed=True, status=CardStatus.BLOCKED),
        declined(Reason.DENY_LISTED),
    ),
    Tap(
        "a card that expired yesterday is declined",
        card(expires=TODAY - timedelta(days=1)),
        declined(Reason.EXPIRED),
    ),
    Tap("a card that expires today still rides", card(expires=TODAY), paid(Reason.PAID, 80, 920)),
    Tap(
        "expiry is judged by the bus's local date, not the UTC date",
        card(expires=date(2025, 3, 15)),
        declined(Reason.EXPIRED),
        at=datetime(2025, 3, 16, 4, 0, tzinfo=ALMATY),  # still the 15th in UTC
    ),
    Tap(
        "a blocked card is declined even inside the passback window",
        card(status=CardStatus.BLOCKED, recent=(rode(seconds(5)),)),
        declined(Reason.BLOCKED),
    ),
    Tap(
        "a medium with no fare on this route is declined",
        card(),
        declined(Reason.NO_FARE),
        medium=Medium.QR_APP,
    ),
]

FARES = [
    Tap("a standard card pays the flat card fare", card(), paid(Reason.PAID, 80, 920)),
    Tap("cash costs more than a card", card(), paid(Reason.PAID, 150, 850), medium=Medium.CASH),
    Tap("a bank card pays the card fare", card(), paid(Reason.PAID, 80, 920), medium=Medium.EMV),
    Tap("the express route 92 costs more by card", card(), paid(Reason.PAID, 100, 900), route="92"),
    Tap(
        "route 92 keeps the default cash fare it does not override",
        card(),
        paid(Reason.PAID, 150, 850),
        route="92",
        medium=Medium.CASH,
    ),
    Tap(
        "a route not in the table pays the default fare",
        card(),
        paid(Reason.PAID, 80, 920),
        route="7",
    ),
    Tap(
        "route 12 charges the night fare at 23:00",
        card(),
        paid(Reason.PAID, 120, 880),
        at=NOON.replace(hour=23),
    ),
    Tap(
        "route 12 charges the night fare until 05:59",
        card(),
        paid(Reason.PAID, 120, 880),
        at=NOON.replace(hour=5, minute=59),
    ),
    Tap(
        "route 12 is back to the day fare at 06:00",
        card(),
        paid(Reason.PAID, 80, 920),
        at=NOON.replace(hour=6),
    ),
    Tap(
        "the night band of route 12 does not apply to route 92",
        card(),
        paid(Reason.PAID, 100, 900),
        route="92",
        at=NOON.replace(hour=23),
    ),
]

CONCESSIONS = [
    Tap(
        f"a {category} rides {'free' if fare == 0 else 'at half fare'}",
        card(category=category),
        paid(Reason.CONCESSION, fare, 1000 - fare),
    )
    for category, fare in [
        (Category.PENSIONER, 0),
        (Category.VETERAN, 0),
        (Category.DISABLED, 0),
        (Category.STUDENT, 40),
        (Category.SCHOOLCHILD, 40),
    ]
] + [
    Tap(
        "a student pays half the express fare",
        card(category=Category.STUDENT),
        paid(Reason.CONCESSION, 50, 950),
        route="92",
    ),
    Tap(
        "a student's half of an odd fare is rounded down to whole tenge",
        card(category=Category.STUDENT),
        paid(Reason.CONCESSION, 42, 958),
        route="5",
    ),
    Tap(
        "a pensioner rides free even with a balance below the floor",
        card(category=Category.PENSIONER, list_balance=Tenge(-500)),
        paid(Reason.CONCESSION, 0, -500, low=True),
    ),
]

TRANSFERS = [
    Tap(
        "a boarding on another route within 40 minutes is a free transfer",
        card(recent=(rode(minutes(10), route="92", fare=100),)),
        paid(Reason.TRANSFER, 0, 1000),
    ),
    Tap(
        "a transfer exactly 40 minutes later is still free",
        card(recent=(rode(minutes(40), route="92", fare=100),)),
        paid(Reason.TRANSFER, 0, 1000),
    ),
    Tap(
        "a boarding 41 minutes later pays again",
        card(recent=(rode(minutes(41), route="92", fare=100),)),
        paid(Reason.PAID, 80, 920),
    ),
    Tap(
        "a second boarding on the same route pays again",
        card(recent=(rode(minutes(10), route="12"),)),
        paid(Reason.PAID, 80, 920),
    ),
    Tap(
        "only one transfer per paid boarding",
        card(recent=(rode(minutes(10), route="92", fare=0), rode(minutes(20), route="7"))),
        paid(Reason.PAID, 80, 920),
    ),
    Tap(
        "the paid ride after a transfer earns a new transfer",
        card(
            recent=(
                rode(minutes(10), "92", 100),
                rode(minutes(20), "7", 0),
                rode(minutes(30), "92"),
            )
        ),
        paid(Reason.TRANSFER, 0, 1000),
    ),
    Tap(
        "a companion tap does not count as a paid boarding for transfers",
        card(
            recent=(
                rode(minutes(10) - seconds(5), "92"),
                rode(minutes(10), "92", 0),
                rode(minutes(20), "7"),
            )
        ),
        paid(Reason.PAID, 80, 920),
    ),
    Tap(
        "a transfer at half price halves the fare",
        card(recent=(rode(minutes(10), route="92"),)),
        paid(Reason.TRANSFER, 40, 960),
        rules=HALF_TRANSFER,
    ),
    Tap(
        "a transfer on top of a student concession halves the half fare",
        card(category=Category.STUDENT, recent=(rode(minutes(10), route="92"),)),
        paid(Reason.TRANSFER, 20, 980),
        rules=HALF_TRANSFER,
    ),
    Tap(
        "a free pensioner keeps the concession reason on a transfer",
        card(category=Category.PENSIONER, recent=(rode(minutes(10), route="92", fare=0),)),
        paid(Reason.CONCESSION, 0, 1000),
    ),
]

PASSBACK = [
    Tap(
        "the same card again 5 seconds later is not charged twice",
        card(pending_fares=Tenge(80), recent=(rode(seconds(5)),)),
        already_paid(920),
    ),
    Tap(
        "a tap stored but never confirmed is not charged again when re-presented",
        card(pending_fares=Tenge(80), recent=(rode(seconds(1)),)),
        already_paid(920),
    ),
    Tap(
        "the same card exactly 15 seconds later is not charged twice",
        card(recent=(rode(seconds(15)),)),
        already_paid(1000),
    ),
    Tap(
        "the same card 16 seconds later pays again",
        card(recent=(rode(seconds(16)),)),
        paid(Reason.PAID, 80, 920),
    ),
    Tap(
        "a card held on the reader is not charged while taps keep coming",
        card(recent=(rode(seconds(10), riders=0), rode(seconds(20), riders=0), rode(seconds(30)))),
        already_paid(1000),
    ),
    Tap(
        "a repeat tap with a low balance still warns",
        card(list_balance=Tenge(150), recent=(rode(seconds(5)),)),
        already_paid(150, low=True),
    ),
    Tap(
        "the +1 key inside the window pays a companion",
        card(recent=(rode(seconds(5)),)),
        paid(Reason.COMPANION, 80, 920),
        companion=True,
    ),
    Tap(
        "a companion of a pensioner pays the full fare",
        card(category=Category.PENSIONER, recent=(rode(seconds(5), fare=0),)),
        paid(Reason.COMPANION, 80, 920),
        companion=True,
    ),
    Tap(
        "a companion pays the night fare at night",
        card(recent=(Boarding(NOON.replace(hour=23) - seconds(5), "12", Tenge(120)),)),
        paid(Reason.COMPANION, 120, 880),
        companion=True,
        at=NOON.replace(hour=23),
    ),
    Tap(
        "the third companion is still accepted",
        card(recent=(rode(seconds(5), riders=1), rode(seconds(10), riders=1), rode(seconds(12)))),
        paid(Reason.COMPANION, 80, 920),
        companion=True,
    ),
    Tap(
        "a fourth companion is declined",
        card(recent=(rode(seconds(5), riders=1), rode(seconds(10), riders=2), rode(seconds(12)))),
        declined(Reason.COMPANION_LIMIT, 1000),
        companion=True,
    ),
    Tap(
        "companions paid one after another count toward the limit",
        card(recent=tuple(rode(seconds(s)) for s in (10, 20, 30, 40))),
        declined(Reason.COMPANION_LIMIT, 1000),
        companion=True,
    ),
    Tap(
        "a companion is declined when the balance cannot cover the fare",
        card(list_balance=Tenge(-10), recent=(rode(seconds(5)),)),
        declined(Reason.INSUFFICIENT_FUNDS, -10),
        companion=True,
    ),
    Tap(
        "the +1 key on a first tap pays for the card holder only",
        card(),
        paid(Reason.PAID, 80, 920),
        companion=True,
    ),
]

FUNDS = [
    Tap(
        "a ride that takes the balance exactly to the floor is accepted",
        card(list_balance=Tenge(0)),
        paid(Reason.PAID, 80, -80, low=True),
    ),
    Tap(
        "a ride that would go one tenge below the floor is declined",
        card(list_balance=Tenge(-1)),
        declined(Reason.INSUFFICIENT_FUNDS, -1),
    ),
    Tap(
        "pending fares of this device count against the balance",
        card(list_balance=Tenge(100), pending_fares=Tenge(120)),
        declined(Reason.INSUFFICIENT_FUNDS, -20),
    ),
    Tap(
        "a balance left at the warning threshold gives no warning",
        card(list_balance=Tenge(280)),
        paid(Reason.PAID, 80, 200),
    ),
    Tap(
        "a balance left one tenge under the threshold warns to top up",
        card(list_balance=Tenge(279)),
        paid(Reason.PAID, 80, 199, low=True),
    ),
]

DAILY_CAP = [
    Tap(
        "a card under the daily cap pays in full",
        card(spent_today=Tenge(80)),
        paid(Reason.PAID, 80, 920),
        rules=CAPPED,
    ),
    Tap(
        "the ride that reaches the cap pays only the rest",
        card(spent_today=Tenge(160)),
        paid(Reason.PAID, 40, 960),
        rules=CAPPED,
    ),
    Tap(
        "a card that reached the daily cap rides free",
        card(spent_today=Tenge(200)),
        paid(Reason.DAILY_CAP, 0, 1000),
        rules=CAPPED,
    ),
    Tap(
        "a card with a zero balance that reached the cap still rides",
        card(spent_today=Tenge(240), list_balance=Tenge(-80)),
        paid(Reason.DAILY_CAP, 0, -80, low=True),
        rules=CAPPED,
    ),
    Tap(
        "without a cap a card pays every ride",
        card(spent_today=Tenge(5000)),
        paid(Reason.PAID, 80, 920),
    ),
]


@check(REFUSALS)
def test_cards_that_may_not_ride(tap: Tap) -> None:
    assert run(tap) == tap.expected


@check(FARES)
def test_the_fare_by_route_medium_and_time_of_day(tap: Tap) -> None:
    assert run(tap) == tap.expected


@check(CONCESSIONS)
def test_social_concessions(tap: Tap) -> None:
    assert run(tap) == tap.expected


@check(TRANSFERS)
def test_transfers(tap: Tap) -> None:
    assert run(tap) == tap.expected


@check(PASSBACK)
def test_anti_passback_and_companions(tap: Tap) -> None:
    assert run(tap) == tap.expected


@check(FUNDS)
def test_the_balance_floor_and_low_balance_warning(tap: Tap) -> None:
    assert run(tap) == tap.expected


@check(DAILY_CAP)
def test_the_daily_cap(tap: Tap) -> None:
    assert run(tap) == tap.expected


def test_a_naive_clock_is_refused_with_a_value_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(
            Presentation(Medium.DESFIRE),
            card(),
            RULES,
            TripContext("12"),
            NOON.replace(tzinfo=None),
        )
