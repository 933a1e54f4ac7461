"""The sync loop inside a running validator: the real composition root (nfcpy
reader over udp with emulated cards, real store, real pipeline) beside the
real sync service talking to the real ledger through the fault proxy.

Taps are answered while the ledger is down or hanging; the log says once
that it is unreachable and once that it is back; the backlog then drains;
new fare tables reach the pipeline; an old list puts it in the degraded
policy."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from drivers.nfc import CardEmulator, ClassicCard
from ledger.admin_client import AdminClient
from sync import SyncService, enroll, open_service
from sync.service import Hooks
from tests.faultproxy import FaultProxy
from tests.helpers import free_udp_port
from tests.sync_support import admin, bus_config, ledger, proxy
from validator.app import App, build_app
from validator.list_policy import ListMode
from validator.model import Reason
from validator.pipeline import Answer

__all__ = ["admin", "ledger", "proxy"]  # fixtures


@dataclass
class Validator:
    app: App
    service: SyncService
    emulator: CardEmulator

    def tap(self, uid: str, hold: float = 0.3) -> Answer:
        self.emulator.place(ClassicCard(bytes.fromhex(uid)))
        timer = threading.Timer(hold, self.emulator.remove)
        timer.start()
        answer = None
        while answer is None:
            answer = self.app.pipeline.step(timeout=0.5)
        timer.join()
        return answer


@pytest.fixture
def validator(tmp_path: Path, admin: AdminClient, proxy: FaultProxy) -> Iterator[Validator]:
    port = free_udp_port()
    config = bus_config(tmp_path / "data", proxy.url, max_list_age=1.0)
    config = replace(
        config,
        nfc=replace(
            config.nfc, path=f"udp:127.0.0.1:{port}", poll_timeout=0.2, removal_timeout=0.5
        ),
        feedback=replace(config.feedback, backend="recording", display="none"),
        ledger=replace(config.ledger, timeout=2.0),
    )
    code = admin.enrollment_code(config.device.bus_number)
    key = tmp_path / "data" / "device-ed25519.pem"
    enroll(proxy.url, code, data_dir=tmp_path / "data", device_id=config.device.id, key_path=key,
           timeout=5)  # fmt: skip
    with CardEmulator("127.0.0.1", port) as emulator:
        app = build_app(config, stream=io.StringIO())
        pipeline = app.pipeline

        def set_mode(mode: ListMode) -> None:
            pipeline.list_mode = mode

        hooks = Hooks(pipeline.set_rules, set_mode)
        service = open_service(config, app.store, tmp_path / "data", hooks)
        try:
            yield Validator(app, service, emulator)
        finally:
            service.stop()
            app.close()


def wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


def issue(admin: AdminClient, uid: str, balance: int = 1000) -> str:
    return str(admin.issue_card(balance=balance, uid=uid)["card_number"])


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "sync" and text in r.getMessage()]


def test_taps_are_answered_while_the_ledger_is_down_and_the_backlog_drains_once_it_is_back(
    validator: Validator, admin: AdminClient, proxy: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sync")
    uids = ["04C0FF01", "04C0FF02", "04C0FF03"]
    cards = [issue(admin, uid) for uid in uids]
    validator.service.run_once()  # the list arrives
    proxy.down = True
    validator.service.start()
    wait_until(lambda: validator.service.backoff.failures >= 3)  # retrying, backing off
    answers = [validator.tap(uid) for uid in uids]
    assert [a.decision.reason for a in answers] == [Reason.PAID] * 3
    proxy.fail("delay", on="GET /v1/time", seconds=4)  # then a ledger that hangs
    proxy.down = False
    answers.append(validator.tap(uids[0], hold=0.2))  # passback: not charged again
    wait_until(lambda: validator.app.store.ledger.uploaded_seq == 4)
    wait_until(lambda: validator.service.availability.online is True)
    assert len(messages(caplog, "is unreachable")) == 1
    assert len(messages(caplog, "is reachable again")) == 1
    assert [admin.card(card)["balance"] for card in cards] == [920, 920, 920]


def test_a_new_fare_table_from_the_ledger_is_charged_on_the_next_tap(
    validator: Validator, admin: AdminClient
) -> None:
    from ledger.seed import default_fare_table

    issue(admin, "04C0FF11")
    table = default_fare_table()
    table["routes"] = {}
    table["fares"] = {medium: fare + 10 for medium, fare in table["fares"].items()}
    admin.call("PUT", "/v1/admin/fares", {"table": table})
    report = validator.service.run_once()
    assert report.fares is not None and report.fares >= 2
    answer = validator.tap("04C0FF11")
    assert (answer.decision.reason, answer.decision.fare) == (Reason.PAID, 90)


def test_an_old_list_puts_the_validator_in_the_degraded_policy_once(
    validator: Validator, admin: AdminClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sync")
    issue(admin, "04C0FF21", balance=50)  # one fare would take it to -30: credit
    service = validator.service
    service.run_once()
    assert not service.check_list_age().degraded
    assert validator.tap("04C0FF21").decision.reason is Reason.PAID  # on credit, fresh list
    service.clock = lambda: datetime.now(UTC) + timedelta(hours=2)  # max_list_age is 1 h
    for _ in range(3):
        mode = service.check_list_age()
    assert mode.degraded and "no rides on credit" in mode.describe()
    assert len(messages(caplog, "DEGRADED")) == 1
    issue(admin, "04C0FF22", balance=50)
    service.clock = lambda: datetime.now(UTC)
    service.run_once()  # a fresh list: back to normal
    assert not service.check_list_age().degraded
    service.clock = lambda: datetime.now(UTC) + timedelta(hours=2)
    service.check_list_age()
    answer = validator.tap("04C0FF22")
    assert (answer.decision.reason, answer.decision.balance_after) == (
        Reason.INSUFFICIENT_FUNDS,
        50,
    )


def test_tickets_sold_for_this_bus_arrive_with_the_sync(
    validator: Validator, admin: AdminClient
) -> None:
    bus = validator.app.config.device.bus_number
    sold = admin.call("POST", "/v1/gateway/sms", {"phone": "+77011234567", "short_number": "7575",
                                                  "text": f"12 {bus}"})  # fmt: skip
    report = validator.service.run_once()
    assert report.tickets == 1
    (ticket,) = validator.app.store.ledger.tickets(datetime.now(UTC))
    assert ticket["code"] == sold["ticket"]["code"] and "***" in ticket["contact"]
    assert validator.service.run_once().tickets == 0  # not twice
