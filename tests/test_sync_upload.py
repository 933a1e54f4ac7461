"""Tap uploads through the real sync client to the real ledger, with faults
injected on the way: every tap arrives exactly once, the upload mark moves
only on the ledger's acknowledgement, and nothing leaves the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger.admin_client import AdminClient
from sync import LedgerUnreachable
from tests.faultproxy import FaultProxy
from tests.sync_support import admin, enrolled_bus, ledger, ledger_watermark, proxy

__all__ = ["admin", "ledger", "proxy"]  # fixtures

FARE = 80
TAPS = 10
FAULTS: list[tuple[str, dict[str, Any], int]] = [
    # (fault, options, rows the ledger had already committed when the device gave up)
    ("drop", {}, 0),
    ("error", {}, 0),
    ("reset_after_commit", {}, 4),
    ("delay", {"seconds": 4.0}, 4),  # longer than the client's 1.5 s timeout
]


def issue(admin: AdminClient, balance: int = 1000) -> str:
    return str(admin.issue_card(balance=balance)["card_number"])


@pytest.mark.parametrize(("kind", "options", "committed"), FAULTS)
def test_every_tap_reaches_the_ledger_exactly_once_after_a_failed_upload(
    kind: str,
    options: dict[str, Any],
    committed: int,
    tmp_path: Path,
    admin: AdminClient,
    proxy: FaultProxy,
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url, batch_size=4)
    bus.service.client.timeout = 1.5
    card = issue(admin)
    for _ in range(TAPS):
        bus.tap(card, FARE)
    proxy.fail(kind, on="POST /v1/taps", **options)
    with pytest.raises(LedgerUnreachable):
        bus.service.run_once()
    assert bus.store.ledger.uploaded_seq == 0  # no acknowledgement, no move
    assert ledger_watermark(admin, bus.device_id) == committed
    report = bus.service.run_once()
    assert (report.upload.accepted, report.upload.duplicates) == (TAPS - committed, committed)
    assert ledger_watermark(admin, bus.device_id) == TAPS == bus.store.ledger.uploaded_seq
    assert admin.card(card)["balance"] == 1000 - TAPS * FARE
    assert len(admin.trips(card)) == TAPS
    assert bus.journal_seqs() == list(range(1, TAPS + 1))  # nothing deleted


def test_a_slow_ledger_inside_the_timeout_takes_the_batch_once(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    card = issue(admin)
    for _ in range(3):
        bus.tap(card, FARE)
    proxy.fail("delay", on="POST /v1/taps", seconds=0.3)
    report = bus.service.run_once()
    assert (report.upload.accepted, report.upload.duplicates) == (3, 0)
    assert admin.card(card)["balance"] == 1000 - 3 * FARE


def test_a_ledger_down_for_a_while_gets_the_whole_backlog_once_it_is_back(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url, batch_size=500)
    card = issue(admin, balance=100_000)
    proxy.down = True
    for _ in range(3):  # taps go on while every sync attempt fails
        for _ in range(400):
            bus.tap(card, 10)
        with pytest.raises(LedgerUnreachable):
            bus.service.run_once()
    proxy.down = False
    report = bus.service.run_once()
    assert (report.upload.accepted, report.upload.duplicates, report.upload.batches) == (1200, 0, 3)
    assert report.upload.backlog == 0
    assert admin.card(card)["balance"] == 100_000 - 1200 * 10
    assert bus.service.run_once().upload.batches == 0  # nothing twice


def test_an_upload_cut_in_the_middle_of_the_backlog_resumes_where_the_ledger_stands(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url, batch_size=5)
    card = issue(admin)
    for _ in range(12):
        bus.tap(card, FARE)
    proxy.fail("delay", on="POST /v1/taps", seconds=0)  # the first batch goes through
    proxy.fail("drop", on="POST /v1/taps")  # the second is dropped
    with pytest.raises(LedgerUnreachable):
        bus.service.run_once()
    assert proxy.faults_done == ["delay", "drop"]
    assert bus.store.ledger.uploaded_seq == 5 == ledger_watermark(admin, bus.device_id)
    report = bus.service.run_once()
    assert (report.upload.accepted, report.upload.duplicates) == (7, 0)
    assert bus.store.ledger.uploaded_seq == 12


def test_a_ledger_that_holds_fewer_taps_than_the_mark_gets_the_missing_ones_again(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    card = issue(admin)
    for _ in range(6):
        bus.tap(card, FARE)
    bus.store.ledger.set_uploaded_seq(4)  # as if the ledger had acknowledged 4, then lost them
    report = bus.service.run_once()
    assert report.upload.accepted == 6
    assert ledger_watermark(admin, bus.device_id) == 6
    assert admin.card(card)["balance"] == 1000 - 6 * FARE


def test_declined_taps_of_unknown_cards_are_uploaded_too(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    bus.tap(None)
    bus.tap(None)
    report = bus.service.run_once()
    assert report.upload.accepted == 2 and ledger_watermark(admin, bus.device_id) == 2
