"""A list from the ledger goes in slices, taps go in between, and no state a
tap can see in between makes a card richer than the ledger says."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from offline_store import OfflineStore, TapRecord
from offline_store.list_apply import Pace, Pacer
from offline_store.lists import ListApplied, ListRowsError, ListUpdate, Mode
from validator.model import Medium, Outcome, Reason

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RIDER, TOPPED, LOST = "9643000000000000001", "9643000000000000002", "9643000000000000003"
FILLER = [f"96430000000001{i:05d}" for i in range(40)]


def card_row(number: str, balance: int, uid: str | None = None) -> list[object]:
    return ["c", number, uid, balance, "standard", "active", None, None, None, None]


def update(
    mode: Mode, version: int, watermark: int, rows: Sequence[object], block: int = 100
) -> ListUpdate:
    """The list as the sync client hands it over: blocks of whole lines."""
    text = b"".join(json.dumps(row).replace(" ", "").encode() + b"\n" for row in rows)
    blocks = [text[i : i + block] for i in range(0, len(text), block)]
    whole = _whole_lines(blocks)
    return ListUpdate(mode, version, watermark, "2026-11-22T11:00:00Z", "2026-11-23T11:00:00Z",
                      lambda: iter(whole))  # fmt: skip


def _whole_lines(pieces: list[bytes]) -> list[bytes]:
    out, carry = [], b""
    for piece in pieces:
        joined = carry + piece
        cut = joined.rfind(b"\n") + 1
        out.append(joined[:cut])
        carry = joined[cut:]
    return out


def ride(number: str, fare: int = 100) -> TapRecord:
    return TapRecord(
        time=NOW, mono_ns=0, medium=Medium.DESFIRE, card_number=number, uid=None, route="12",
        direction="forward", fare=fare, riders=1, balance_after=None, result=Outcome.ACCEPTED,
        reason=Reason.PAID,
    )  # fmt: skip


def one_row_slices(between: Callable[[], None]) -> Pacer:
    """A pacer that writes one row a slice and calls ``between`` after each."""
    tiny = Pace(budget=1e-9, pause=0.0)
    return Pacer(busy=tiny, quiet=tiny, rows=1, least=1, most=1, sleep=lambda _: between())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OfflineStore]:
    opened = OfflineStore.open(tmp_path, "bus-042")
    first = [card_row(RIDER, 1000), card_row(TOPPED, 50), card_row(LOST, 700, "04AA0001")]
    opened.ledger.apply_list(update("snapshot", 1, 0, [*first, ["d", LOST, "card", "lost"]]), NOW)
    yield opened
    opened.close()


def available(store: OfflineStore, number: str) -> int | None:
    account = store.account(number, NOW)
    return None if account is None or account.deny_listed else account.available


def test_no_state_between_slices_shows_a_card_richer_than_the_ledger_says(
    store: OfflineStore,
) -> None:
    store.record(ride(RIDER))  # seq 1: the ledger will include it
    store.record(ride(RIDER))  # seq 2: it will not
    seen: list[tuple[int, int | None, int | None]] = []
    second = [card_row(RIDER, 900), *(card_row(n, 10) for n in FILLER), card_row(TOPPED, 550)]

    def look() -> None:
        seen.append((store.list_version, available(store, RIDER), available(store, TOPPED)))

    applied = store.ledger.apply_list(update("delta", 2, 1, second), NOW, one_row_slices(look))
    assert applied.cards == 42 and len(seen) == 42
    assert {version for version, _, _ in seen} == {1}  # the old list until the very end
    assert all(rider is not None and rider <= 800 for _, rider, _ in seen)
    assert (available(store, RIDER), available(store, TOPPED)) == (800, 550)
    assert (store.list_version, store.watermark) == (2, 1)


def test_a_tap_between_two_slices_is_recorded_durably_and_counted_after_the_list(
    store: OfflineStore,
) -> None:
    synchronous: list[int] = []

    def tap() -> None:
        if not synchronous:
            store.record(ride(TOPPED, 50))
        synchronous.append(store.health().synchronous)

    rows = [card_row(TOPPED, 50), *(card_row(n, 10) for n in FILLER)]
    store.ledger.apply_list(update("delta", 2, 0, rows), NOW, one_row_slices(tap))
    assert synchronous[0] == 2  # FULL: the tap's commit waited for the disk
    assert available(store, TOPPED) == 0  # the list's 50 minus the tap it does not include
    assert store.health().synchronous == 2


def test_undeny_rows_take_effect_after_every_card_row_of_the_delta(store: OfflineStore) -> None:
    order: list[bool] = []
    rows = [["u", LOST], card_row(LOST, 700, "04AA0001"), *(card_row(n, 10) for n in FILLER)]
    store.ledger.apply_list(
        update("delta", 2, 0, rows),
        NOW,
        one_row_slices(lambda: order.append(store.is_denied(LOST))),
    )
    assert order[:41] == [True] * 41 and order[-1] is False
    assert not store.is_denied(LOST)


def test_a_snapshot_takes_off_the_cards_and_deny_entries_it_no_longer_holds(
    store: OfflineStore,
) -> None:
    applied = store.ledger.apply_list(update("snapshot", 2, 0, [card_row(RIDER, 400)]), NOW)
    assert (applied.cards, applied.removed, applied.undenied) == (1, 2, 1)
    assert store.card_count() == 1 and available(store, RIDER) == 400
    assert store.card_number_for_uid("04AA0001") is None and not store.is_denied(LOST)


def test_a_uid_moved_to_another_card_in_a_later_slice_ends_on_the_new_card(
    store: OfflineStore,
) -> None:
    rows = [card_row(TOPPED, 50, "04AA0001"), card_row(LOST, 700, None)]
    store.ledger.apply_list(update("delta", 2, 0, rows), NOW, one_row_slices(lambda: None))
    assert store.card_number_for_uid("04aa0001") == TOPPED


def test_a_list_stopped_half_way_keeps_the_old_version_and_goes_in_whole_next_time(
    store: OfflineStore,
) -> None:
    slices = 0

    def power_cut() -> None:
        nonlocal slices
        slices += 1
        if slices == 10:
            raise KeyboardInterrupt  # the process stops between two slices

    rows = [card_row(RIDER, 900), *(card_row(n, 10) for n in FILLER)]
    with pytest.raises(KeyboardInterrupt):
        store.ledger.apply_list(update("delta", 2, 0, rows), NOW, one_row_slices(power_cut))
    assert (store.list_version, store.watermark, store.health().synchronous) == (1, 0, 2)
    again: ListApplied = store.ledger.apply_list(update("delta", 2, 0, rows), NOW)
    assert (again.cards, store.list_version, store.card_count()) == (41, 2, 43)


def test_a_bad_row_stops_the_list_and_the_old_version_stays_in_force(
    store: OfflineStore,
) -> None:
    rows = [*(card_row(n, 10) for n in FILLER), ["c", RIDER, None, "lots", "standard"]]
    with pytest.raises(ListRowsError, match="wrong shape"):
        store.ledger.apply_list(update("delta", 2, 5, rows), NOW, one_row_slices(lambda: None))
    assert (store.list_version, store.watermark) == (1, 0)
    assert available(store, RIDER) == 1000


def test_slices_are_small_while_passengers_tap_and_large_when_the_bus_is_quiet(
    store: OfflineStore,
) -> None:
    busy, quiet = Pace(budget=1e-9, pause=0.0), Pace(budget=10.0, pause=0.0)
    rows = [card_row(n, 10) for n in FILLER]
    tapping = Pacer(busy=busy, quiet=quiet, quiet_after=3600.0)
    store.record(ride(RIDER))  # a tap just now
    store.ledger.apply_list(update("delta", 2, 0, rows, block=1 << 20), NOW, tapping)
    idle = Pacer(busy=busy, quiet=quiet, quiet_after=0.0)
    store.ledger.apply_list(update("delta", 3, 0, rows, block=1 << 20), NOW, idle)
    assert tapping.rows == tapping.least and idle.rows == idle.most
    assert tapping.slices > idle.slices


def test_a_slice_waits_for_the_tap_in_progress_to_finish(store: OfflineStore) -> None:
    tap = ExitStack()
    tap.enter_context(store.tap_in_progress())
    seen: list[int | None] = []

    def between() -> None:  # the pacer's sleep: the tap goes on meanwhile
        seen.append(available(store, RIDER))
        if len(seen) == 3:
            tap.close()  # the tap's journal row is durable: it is done

    patient = Pace(budget=1.0, pause=0.0)
    pacer = Pacer(busy=patient, quiet=patient, defer_at_most=3600.0, sleep=lambda _: between())
    store.ledger.apply_list(update("delta", 2, 0, [card_row(RIDER, 900)]), NOW, pacer)
    assert seen[:3] == [1000, 1000, 1000]  # no row written while the tap was in progress
    assert available(store, RIDER) == 900
