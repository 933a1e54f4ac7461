"""Properties of the decision that hold for every card, table and clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

from hypothesis import assume, given
from hypothesis import strategies as st

from validator.decide import decide
from validator.fares import (
    BalanceRules,
    FareRules,
    PassbackRules,
    RouteFares,
    TimeBand,
    TransferRules,
)
from validator.model import (
    Account,
    Boarding,
    CardStatus,
    Category,
    Decision,
    Medium,
    Presentation,
    Tenge,
    TripContext,
)

ROUTES = ["12", "92", "7"]

# Small fixed amounts make boundaries (balance exactly at the floor) likely.
tenge = st.builds(
    Tenge, st.sampled_from([0, 1, 40, 79, 80, 81, 150]) | st.integers(min_value=0, max_value=2_000)
)
zones = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-12), max_value=timedelta(hours=14))
)
moments = st.datetimes(timezones=zones)
fares = st.dictionaries(st.sampled_from(Medium), tenge).map(MappingProxyType)

bands = st.builds(TimeBand, name=st.just("band"), start=st.times(), end=st.times(), fares=fares)
route_fares = st.builds(RouteFares, fares=fares, bands=st.lists(bands, max_size=2).map(tuple))
rules_strategy = st.builds(
    FareRules,
    version=st.integers(min_value=1, max_value=10),
    fares=fares,
    routes=st.dictionaries(st.sampled_from(ROUTES), route_fares).map(MappingProxyType),
    concessions=st.dictionaries(
        st.sampled_from(Category), st.integers(min_value=0, max_value=100)
    ).map(MappingProxyType),
    transfer=st.builds(
        TransferRules,
        window=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=2)),
        percent=st.integers(min_value=0, max_value=100),
    ),
    passback=st.builds(
        PassbackRules,
        window=st.timedeltas(min_value=timedelta(0), max_value=timedelta(minutes=2)),
        max_companions=st.integers(min_value=0, max_value=5),
    ),
    balance=st.builds(
        BalanceRules,
        floor=st.builds(
            Tenge, st.sampled_from([0, -80]) | st.integers(min_value=-500, max_value=0)
        ),
        low_warning=st.builds(Tenge, st.integers(min_value=-100, max_value=1_000)),
    ),
    daily_cap=tenge,
)
boardings = st.builds(
    Boarding,
    at=moments,
    route=st.sampled_from(ROUTES),
    fare=tenge,
    riders=st.integers(min_value=0, max_value=4),
)
accounts = st.builds(
    Account,
    card_number=st.just("9398000000000000012"),
    status=st.sampled_from(CardStatus),
    category=st.sampled_from(Category),
    list_balance=st.builds(
        Tenge,
        st.integers(min_value=-100, max_value=200) | st.integers(min_value=-1_000, max_value=5_000),
    ),
    pending_fares=tenge,
    expires=st.none() | st.dates(),
    deny_listed=st.booleans(),
    recent=st.lists(boardings, max_size=5).map(tuple),
    spent_today=tenge,
)
presentations = st.builds(Presentation, medium=st.sampled_from(Medium), companion=st.booleans())
trips = st.builds(TripContext, route=st.sampled_from([*ROUTES, "unknown"]))


@given(presentations, st.none() | accounts, rules_strategy, trips, moments)
def test_decide_answers_every_well_typed_tap(
    presentation: Presentation,
    account: Account | None,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
) -> None:
    decision = decide(presentation, account, rules, trip, now)
    assert decision.fare >= 0
    if not decision.accepted:
        assert (decision.fare, decision.riders, decision.low_balance) == (0, 0, False)


@given(presentations, accounts, rules_strategy, trips, moments)
def test_an_accepted_charge_never_takes_the_balance_below_the_floor(
    presentation: Presentation,
    account: Account,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
) -> None:
    decision = decide(presentation, account, rules, trip, now)
    if decision.accepted:
        assert decision.balance_after == account.available - decision.fare
        assert decision.fare == 0 or decision.balance_after >= rules.balance.floor


@given(presentations, accounts, rules_strategy, trips, moments, st.integers(-2, 2))
def test_a_charge_is_accepted_exactly_when_it_leaves_at_least_the_floor(
    presentation: Presentation,
    account: Account,
    rules: FareRules,
    trip: TripContext,
    now: datetime,
    margin: int,
) -> None:
    account = replace(account, status=CardStatus.ACTIVE, deny_listed=False, expires=None)
    rules = replace(rules, fares=MappingProxyType({**rules.fares, presentation.medium: Tenge(80)}))
    rich = decide(presentation, replace(account, list_balance=Tenge(10**6)), rules, trip, now)
    assume(rich.accepted and rich.fare > 0)
    balance = Tenge(rules.balance.floor + rich.fare + margin + account.pending_fares)
    decision = decide(presentation, replace(account, list_balance=balance), rules, trip, now)
    assert decision.accepted == (margin >= 0)
    assert decision.balance_after == rules.balance.floor + (
        margin if margin >= 0 else rich.fare + margin
    )


@given(st.sampled_from(Medium), accounts, rules_strategy, trips, moments)
def test_a_concession_never_pays_more_than_the_full_fare(
    medium: Medium, account: Account, rules: FareRules, trip: TripContext, now: datetime
) -> None:
    assume(Category.STANDARD not in rules.concessions)  # a table may reduce "standard" too
    rich = replace(account, list_balance=Tenge(100_000))
    full = decide(Presentation(medium), replace(rich, category=Category.STANDARD), rules, trip, now)
    concession = decide(Presentation(medium), rich, rules, trip, now)
    assert concession.fare <= full.fare
    assert concession.fare <= (rules.fare_for(trip.route, medium, now.time()) or 0)


# --- a sequence of taps, folded into the account as the store would ---------------

taps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=40),  # seconds since the previous tap
        st.sampled_from(ROUTES),
        st.booleans(),  # the +1 key
    ),
    min_size=1,
    max_size=12,
)


def riding(account: Account) -> Account:
    """A card that may ride, not seen before."""
    return replace(account, status=CardStatus.ACTIVE, deny_listed=False, expires=None, recent=())


def fold(account: Account, at: datetime, route: str, decision: Decision, repeats: bool) -> Account:
    """The account after the store has recorded this decision."""
    if not decision.accepted or (decision.riders == 0 and not repeats):
        return account
    boarding = Boarding(at, route, decision.fare, decision.riders)
    return replace(
        account,
        recent=(boarding, *account.recent),
        pending_fares=Tenge(account.pending_fares + decision.fare),
        spent_today=Tenge(account.spent_today + decision.fare),
    )


starts = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones
)


@given(accounts, rules_strategy, st.sampled_from(Medium), taps, starts, st.booleans())
def test_a_card_is_never_charged_twice_inside_the_passback_window_without_the_plus_one_key(
    account: Account,
    rules: FareRules,
    medium: Medium,
    sequence: list[tuple[int, str, bool]],
    start: datetime,
    repeats_recorded: bool,
) -> None:
    account, at = riding(account), start
    rules = replace(rules, fares=MappingProxyType({**rules.fares, medium: Tenge(80)}))
    for gap, route, companion in sequence:
        at += timedelta(seconds=gap)
        decision = decide(
            Presentation(medium, companion=companion), account, rules, TripContext(route), at
        )
        seen_lately = any(at - b.at <= rules.passback.window for b in account.recent)
        if seen_lately and not companion:
            assert (decision.fare, decision.riders) == (0, 0)
        account = fold(account, at, route, decision, repeats_recorded)
