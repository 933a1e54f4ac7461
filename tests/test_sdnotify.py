"""systemd notifications, received on a real AF_UNIX datagram socket standing in
for systemd."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_systemd import FakeSystemd, fake_systemd
from validator.sdnotify import Notifier
from validator.watchdog import out_of_service_status, ready_status


@pytest.fixture
def systemd() -> Iterator[FakeSystemd]:
    with fake_systemd() as fake:
        yield fake


def test_the_daemon_tells_systemd_it_is_ready_with_its_status_in_words(
    systemd: FakeSystemd,
) -> None:
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": systemd.address})
    assert notifier.ready(ready_status("12", 1_000_000, "online"))
    assert systemd.receive() == "READY=1\nSTATUS=Ready: route 12, 1 000 000 cards, ledger online"


def test_watchdog_pings_and_the_stopping_notice_reach_systemd(systemd: FakeSystemd) -> None:
    notifier = Notifier(systemd.address)
    notifier.watchdog()
    notifier.stopping()
    assert [systemd.receive(), systemd.receive()] == ["WATCHDOG=1", "STOPPING=1"]


def test_an_abstract_namespace_socket_named_with_an_at_sign_is_reached() -> None:
    fake = FakeSystemd(f"@validator-test-{uuid.uuid4().hex}")
    try:
        Notifier(fake.address).status("Out of service: the disk is full")
        assert fake.receive() == "STATUS=Out of service: the disk is full"
    finally:
        fake.close()


def test_a_status_with_a_line_break_cannot_smuggle_another_field(systemd: FakeSystemd) -> None:
    Notifier(systemd.address).status("Out of service\nREADY=1")
    assert systemd.receive() == "STATUS=Out of service READY=1"


def test_outside_systemd_every_notification_is_a_quiet_no_op() -> None:
    notifier = Notifier.from_environment({})
    assert not notifier.enabled
    assert not notifier.ready("Ready")
    assert not notifier.watchdog()
    assert not notifier.stopping()


def test_a_notify_socket_that_went_away_does_not_stop_the_daemon(systemd: FakeSystemd) -> None:
    notifier = Notifier(systemd.address)
    systemd.close()
    Path(systemd.address).unlink()
    assert not notifier.watchdog()
    assert not notifier.ready()


def test_a_notify_socket_that_is_not_a_unix_path_turns_notifications_off() -> None:
    assert not Notifier("vsock:2:1234").enabled


def test_the_out_of_service_status_is_the_first_sentence_of_the_storage_message() -> None:
    message = "Storage failed: the disk is full. Free space on the SD card; it recovers."
    assert out_of_service_status(message) == "Out of service: the disk is full"


def test_the_ready_status_counts_cards_in_groups_of_three_and_names_the_ledger() -> None:
    assert (
        ready_status("92", 1, "not configured") == "Ready: route 92, 1 card, no ledger configured"
    )
    assert ready_status("12", 12345, "offline") == "Ready: route 12, 12 345 cards, ledger offline"
