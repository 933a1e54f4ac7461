"""Lists from the real ledger through the real sync client: applied in one
transaction when they verify, refused (and nothing changed) when signed by
another key, older than the list held, expired, meant for another device,
cut short or tampered with."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.admin_client import AdminClient
from ledger.envelope import StreamSigner, public_key_text
from ledger.serve import LedgerServer
from ledger.signing import load_signing_key
from sync import DocumentRefused
from sync.client import Download
from sync.keys import load_enrollment, save_enrollment
from sync.lists import prepare_update
from tests.faultproxy import FaultProxy
from tests.sync_support import Bus, admin, enrolled_bus, ledger, proxy
from validator.model import CardStatus

__all__ = ["admin", "ledger", "proxy"]  # fixtures

NOW = datetime.now(UTC)


def issue(admin: AdminClient, balance: int = 500, **fields: object) -> str:
    return str(admin.issue_card(balance=balance, **fields)["card_number"])


def state(bus: Bus) -> tuple[int, int, int]:
    return bus.store.list_version, bus.store.card_count(), bus.store.watermark


def test_a_snapshot_then_a_delta_bring_balances_blocks_and_uids_to_the_bus(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    topped, lost = issue(admin, 100, uid="04AA0001"), issue(admin, 900)
    first = bus.service.run_once().applied
    assert first is not None and first.mode == "snapshot"
    admin.top_up(topped, 400)
    admin.block(lost, "stolen")
    second = bus.service.run_once().applied
    assert second is not None and second.mode == "delta" and second.version > first.version
    assert bus.store.card_number_for_uid("04aa0001") == topped
    topped_account = bus.store.account(topped, NOW)
    lost_account = bus.store.account(lost, NOW)
    assert topped_account is not None and topped_account.list_balance == 500
    assert lost_account is not None and lost_account.status is CardStatus.BLOCKED
    assert bus.store.is_denied(lost)
    admin.call("POST", f"/v1/admin/cards/{lost}/unblock")
    bus.service.run_once()
    assert not bus.store.is_denied(lost)


def test_the_watermark_of_the_list_covers_the_uploaded_taps_so_nothing_counts_twice(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    card = issue(admin, 1000)
    bus.service.run_once()
    bus.tap(card, 80)
    before = bus.store.account(card, NOW)
    assert before is not None and before.available == 920  # list 1000, one fare pending
    bus.service.run_once()  # upload, then a delta that includes the fare
    after = bus.store.account(card, NOW)
    assert bus.store.watermark == 1
    assert after is not None and (after.list_balance, after.pending_fares) == (920, 0)


def test_a_list_signed_by_another_key_is_refused_and_nothing_changes(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    issue(admin)
    enrollment = load_enrollment(bus.data)
    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    save_enrollment(bus.data, replace(enrollment, ledger_public_key=other))
    bus.service.enrollment = load_enrollment(bus.data)
    report = bus.service.run_once()
    assert report.applied is None and state(bus) == (0, 0, 0)
    assert any("bad signature" in problem for problem in report.problems)


def test_an_older_list_is_refused_no_rollback(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    issue(admin)
    old = bus.service.client.lists(since=0)  # a genuine list, kept by someone on the path
    bus.service.run_once()
    issue(admin)
    bus.service.run_once()
    held = bus.store.list_version
    with pytest.raises(DocumentRefused, match="older"):
        prepare_update(old, ledger_key(bus), bus.device_id, held, NOW)
    assert bus.store.list_version == held


def test_an_expired_list_is_refused(tmp_path: Path, admin: AdminClient, proxy: FaultProxy) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    issue(admin)
    bus.service.clock = lambda: datetime.now(UTC) + timedelta(hours=49)  # lists live 48 h
    report = bus.service.run_once()
    assert report.applied is None and state(bus) == (0, 0, 0)
    assert any("expired" in problem for problem in report.problems)


def test_a_list_meant_for_another_device_is_refused(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus, other = enrolled_bus(tmp_path, admin, proxy.url), enrolled_bus(tmp_path, admin, proxy.url)
    theirs = other.service.client.lists(since=0)
    with pytest.raises(DocumentRefused, match="another device"):
        prepare_update(theirs, ledger_key(bus), bus.device_id, 0, NOW)


def test_a_list_cut_short_or_altered_on_the_way_is_refused(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    issue(admin, 700)
    genuine = bus.service.client.lists(since=0)
    text = gzip.decompress(genuine.data)
    cut = Download(text[: len(text) // 2], gzipped=False)
    altered = Download(text.replace(b",700,", b",999,", 1), gzipped=False)
    for download in (cut, altered, Download(genuine.data[:-20], gzipped=True)):
        with pytest.raises(DocumentRefused):
            prepare_update(download, ledger_key(bus), bus.device_id, 0, NOW)


def test_a_signed_list_with_a_malformed_row_is_refused_whole(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy, ledger: LedgerServer
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    good = ["c", "9643000000000099999", None, 100, "standard", "active", None, None, None, None]
    bad = ["c", "9643000000000099998", None, "lots", "standard", "active", None, None, None, None]
    signer = StreamSigner(load_signing_key(ledger.data_dir))  # a ledger with a bug signs it
    header = {
        "kind": "lists", "format": 1, "mode": "snapshot", "version": 5, "since": None,
        "device_id": bus.device_id, "watermark": 0, "issued_at": "2025-01-01T00:00:00.000Z",
        "expires_at": (NOW + timedelta(hours=1)).isoformat(),
    }  # fmt: skip
    body = signer.line(header) + signer.line(good) + signer.line(bad) + signer.trailer()
    update = prepare_update(Download(body, False), ledger_key(bus), bus.device_id, 0, NOW)
    with pytest.raises(ValueError, match="wrong shape"):
        bus.store.ledger.apply_list(update, NOW)
    assert state(bus) == (0, 0, 0)  # not even the good row


def ledger_key(bus: Bus) -> Ed25519PublicKey:
    return load_enrollment(bus.data).ledger_key


def test_status_json_reports_the_list_version_and_age(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    from sync.status import gather
    from validator.list_policy import DegradedPolicy

    bus = enrolled_bus(tmp_path, admin, proxy.url)
    issue(admin)
    bus.service.run_once()
    view = gather(bus.store, datetime.now(UTC), timedelta(hours=24), DegradedPolicy.CAP_CREDIT, {})
    assert view["online"] is True and view["backlog"] == 0 and not view["degraded"]
    assert view["list"]["version"] == bus.store.list_version and view["list"]["age_s"] < 60
    json.dumps(view)
