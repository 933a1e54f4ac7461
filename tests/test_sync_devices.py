"""Enrollment and device identity against the real ledger: the key and the
pin are private files, unknown and revoked devices are refused, and a
refused device keeps every tap for later."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest

from ledger.admin_client import AdminClient
from ledger.envelope import key_id
from ledger.serve import LedgerServer
from ledger.signing import load_signing_key
from offline_store import OfflineStore
from sync import LedgerRefused, NotEnrolled, enroll, open_service
from sync.keys import DEVICE_KEY_FILE, ENROLLMENT_FILE, load_enrollment, save_enrollment
from tests.faultproxy import FaultProxy
from tests.sync_support import admin, bus_config, enrolled_bus, ledger, proxy, tap_record
from validator.unit_files import generate_device_key, write_file

__all__ = ["admin", "ledger", "proxy"]  # fixtures


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_enrollment_makes_a_private_key_and_pins_the_ledgers_key(
    tmp_path: Path, admin: AdminClient, ledger: LedgerServer
) -> None:
    config = bus_config(tmp_path, ledger.url)
    code = admin.enrollment_code(config.device.bus_number)
    key = tmp_path / DEVICE_KEY_FILE
    enrolled = enroll(
        ledger.url, code, data_dir=tmp_path, device_id=config.device.id, key_path=key, timeout=5
    )
    assert mode(key) == 0o600 and mode(tmp_path / ENROLLMENT_FILE) == 0o600
    assert enrolled.ledger_key_id == key_id(load_signing_key(ledger.data_dir).public_key())
    assert load_enrollment(tmp_path) == enrolled
    again = enroll(  # the answer was lost: the same key and code may ask again
        ledger.url, code, data_dir=tmp_path, device_id=config.device.id, key_path=key, timeout=5
    )
    assert again.ledger_public_key == enrolled.ledger_public_key


def test_a_used_code_is_refused_to_another_device(
    tmp_path: Path, admin: AdminClient, ledger: LedgerServer
) -> None:
    code = admin.enrollment_code("B777")

    def enroll_as(name: str) -> None:
        key = tmp_path / f"{name}.pem"
        enroll(ledger.url, code, data_dir=tmp_path / name, device_id=name, key_path=key, timeout=5)

    enroll_as("A-1")
    with pytest.raises(LedgerRefused, match="enrollment_code_used"):
        enroll_as("B-1")
    assert not (tmp_path / "B-1" / ENROLLMENT_FILE).exists()


def test_an_unknown_device_is_refused_and_keeps_its_taps(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    config = replace(bus.config, device=replace(bus.config.device, id="NEVER-ENROLLED"))
    write_file(stranger / DEVICE_KEY_FILE, generate_device_key(), 0o600)
    save_enrollment(stranger, replace(load_enrollment(bus.data), device_id="NEVER-ENROLLED"))
    with OfflineStore.open(stranger, "NEVER-ENROLLED") as store:
        store.record(tap_record(None))
        service = open_service(config, store, stranger)
        with pytest.raises(LedgerRefused, match="unknown_device"):
            service.run_once()
        assert store.ledger.uploaded_seq == 0 and len(store.journal()) == 1


def test_a_revoked_device_is_refused_and_keeps_its_taps(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    bus.tap(None)
    bus.service.run_once()
    bus.tap(None)
    admin.revoke(bus.device_id)
    with pytest.raises(LedgerRefused, match="device_revoked"):
        bus.service.run_once()
    assert bus.store.ledger.uploaded_seq == 1 and bus.journal_seqs() == [1, 2]


def test_a_device_whose_key_was_swapped_is_refused(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    bus.tap(None)
    write_file(bus.data / DEVICE_KEY_FILE, generate_device_key(), 0o600)
    impostor = open_service(bus.config, bus.store, bus.data)
    with pytest.raises(LedgerRefused, match="bad_signature"):
        impostor.run_once()
    assert bus.store.ledger.uploaded_seq == 0


def test_a_device_key_open_to_others_is_not_used(
    tmp_path: Path, admin: AdminClient, proxy: FaultProxy
) -> None:
    bus = enrolled_bus(tmp_path, admin, proxy.url)
    (bus.data / DEVICE_KEY_FILE).chmod(0o644)
    with pytest.raises(NotEnrolled, match="chmod 600"):
        open_service(bus.config, bus.store, bus.data)
