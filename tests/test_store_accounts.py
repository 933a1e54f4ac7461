"""What the store tells the decision about a card at the moment of a tap."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from offline_store import CardRow, OfflineStore, TapRecord
from validator.model import Boarding, CardStatus, Category, Medium, Outcome, Reason, Tenge

ALMATY = timezone(timedelta(hours=5))
NOW = datetime(2025, 3, 1, 18, 0, tzinfo=ALMATY)
CARD = "9643000000000000001"
OTHER = "9643000000000000002"


def card(number: str = CARD, uid: str | None = "A1B2C3D4", **extra: Any) -> CardRow:
    return replace(CardRow(number, uid, 1000, Category.STANDARD, CardStatus.ACTIVE), **extra)


def boarding(at: datetime, fare: int = 80, number: str = CARD, riders: int = 1) -> TapRecord:
    accepted = riders > 0
    return TapRecord(
        time=at,
        mono_ns=0,
        medium=Medium.CLASSIC,
        card_number=number,
        uid=None,
        route="12",
        direction="forward",
        fare=fare,
        riders=riders,
        balance_after=None,
        result=Outcome.ACCEPTED if accepted else Outcome.DECLINED,
        reason=Reason.PAID if accepted else Reason.INSUFFICIENT_FUNDS,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OfflineStore]:
    opened = OfflineStore.open(tmp_path, "bus-042")
    opened.import_cards([card(), card(OTHER, "04A1B2C3D4E5F6")], list_version=7)
    yield opened
    opened.close()


def test_a_classic_card_is_found_by_its_uid_in_any_case(store: OfflineStore) -> None:
    assert store.card_number_for_uid("a1b2c3d4") == CARD
    assert store.card_number_for_uid("04A1B2C3D4E5F6") == OTHER
    assert store.card_number_for_uid("DEADBEEF") is None


def test_an_unlisted_card_has_no_account(store: OfflineStore) -> None:
    assert store.account("9643000000000009999", NOW) is None


def test_a_listed_card_shows_its_list_state(store: OfflineStore) -> None:
    account = store.account(CARD, NOW)
    assert account is not None
    assert (account.list_balance, account.available, account.spent_today) == (1000, 1000, 0)
    assert (account.status, account.category, account.deny_listed) == (
        CardStatus.ACTIVE,
        Category.STANDARD,
        False,
    )


def test_expiry_and_the_deny_list_reach_the_account(store: OfflineStore) -> None:
    store.import_cards([card(expires=date(2025, 12, 31))], list_version=8)
    store.deny(CARD, "reported stolen", NOW)
    account = store.account(CARD, NOW)
    assert account is not None
    assert account.expires == date(2025, 12, 31)
    assert account.deny_listed
    assert store.is_denied(CARD)


def test_fares_above_the_watermark_are_pending(store: OfflineStore) -> None:
    for minutes in (1, 2, 3):
        store.record(boarding(NOW - timedelta(hours=minutes), fare=80))
    store.record(boarding(NOW, fare=80, number=OTHER))
    store.set_watermark(1)  # the list already includes seq 1
    account = store.account(CARD, NOW)
    assert account is not None
    assert account.pending_fares == 160
    assert account.available == 1000 - 160


def test_a_watermark_beyond_the_journal_is_refused(store: OfflineStore) -> None:
    store.record(boarding(NOW))
    with pytest.raises(ValueError, match="outside this journal"):
        store.set_watermark(5)
    assert store.watermark == 0


def test_recent_boardings_are_the_last_day_newest_first(store: OfflineStore) -> None:
    store.record(boarding(NOW - timedelta(hours=30), fare=80))  # too old
    store.record(boarding(NOW - timedelta(hours=2), fare=80))
    store.record(boarding(NOW - timedelta(hours=1), fare=0, riders=0))  # declined
    store.record(boarding(NOW - timedelta(minutes=10), fare=40, riders=2))
    account = store.account(CARD, NOW)
    assert account is not None
    assert account.recent == (
        Boarding(NOW - timedelta(minutes=10), "12", Tenge(40), 2),
        Boarding(NOW - timedelta(hours=2), "12", Tenge(80), 1),
    )


def test_at_most_ten_recent_boardings_are_given(store: OfflineStore) -> None:
    for n in range(12):
        store.record(boarding(NOW - timedelta(minutes=n)))
    account = store.account(CARD, NOW)
    assert account is not None
    assert len(account.recent) == 10
    assert account.recent[0].at == NOW


def test_the_lists_last_boarding_on_another_bus_is_merged_by_time(store: OfflineStore) -> None:
    other_bus = NOW - timedelta(minutes=30)
    store.import_cards(
        [card(last_boarding_at=other_bus, last_boarding_route="7", last_boarding_fare=80)], 8
    )
    store.record(boarding(NOW - timedelta(hours=1)))
    store.record(boarding(NOW - timedelta(minutes=5)))
    account = store.account(CARD, NOW)
    assert account is not None
    assert [(b.route, b.at) for b in account.recent] == [
        ("12", NOW - timedelta(minutes=5)),
        ("7", other_bus),
        ("12", NOW - timedelta(hours=1)),
    ]


def test_spent_today_counts_from_local_midnight(store: OfflineStore) -> None:
    local_midnight = datetime(2025, 3, 1, 0, 0, tzinfo=ALMATY)
    store.record(boarding(local_midnight - timedelta(minutes=1), fare=80))  # yesterday
    store.record(boarding(local_midnight + timedelta(minutes=1), fare=80))
    store.record(boarding(NOW - timedelta(hours=1), fare=40))
    account = store.account(CARD, NOW)
    assert account is not None
    assert account.spent_today == 120


def test_an_import_replaces_the_balance_and_records_the_list_version(
    store: OfflineStore,
) -> None:
    changed = CardRow(CARD, "A1B2C3D4", 250, Category.PENSIONER, CardStatus.BLOCKED)
    assert store.import_cards([changed], list_version=9) == 1
    account = store.account(CARD, NOW)
    assert account is not None
    assert (account.list_balance, account.category, account.status) == (
        250,
        Category.PENSIONER,
        CardStatus.BLOCKED,
    )
    assert (store.list_version, store.card_count()) == (9, 2)


def test_fare_tables_keep_the_highest_version(store: OfflineStore) -> None:
    assert store.fare_table() is None
    store.set_fare_table(3, '{"routes": {}}', signature="c2ln")
    store.set_fare_table(2, '{"old": true}')
    assert store.fare_table() == (3, '{"routes": {}}')


def test_the_watermark_and_list_version_survive_a_restart(tmp_path: Path) -> None:
    with OfflineStore.open(tmp_path, "bus-042") as store:
        store.import_cards([card()], list_version=4)
        store.record(boarding(NOW))
        store.set_watermark(1)
    with OfflineStore.open(tmp_path, "bus-042") as store:
        assert (store.watermark, store.list_version) == (1, 4)


def test_times_in_the_list_and_journal_are_utc(store: OfflineStore) -> None:
    store.record(boarding(NOW))
    assert store.journal()[0].at == NOW.astimezone(UTC)
