"""Inspection at the QR scanner of a whole validator built by ``build_app``
(crew list beside the unit file, scanner on a real pty): with "check the next
card" armed, a scanned ticket or app code is inspected in the crew's language,
not boarded, and journaled as one crew event."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from drivers.feedback import PanelFeedback, RecordingDisplay
from tests import shift_samples as day
from tests.remote_media_support import CARD, Unit, app_token, qr, ticket_token, unit
from tests.test_crew_service import write_unit
from validator.cash import ticket_qr_text
from validator.model import Category, Outcome, Reason, Signal


def open_trip(bus: Unit) -> RecordingDisplay:
    crew = bus.app.crew
    assert crew is not None, "the crew list beside the unit file was not picked up"
    assert crew.sign_in("1017", day.DRIVER_PIN).ok and crew.choose_route("12", "forward").ok
    assert crew.start_trip().ok
    assert isinstance(bus.app.feedback, PanelFeedback)
    display = bus.app.feedback.display_unit = RecordingDisplay()
    return display


def inspections(bus: Unit) -> list[dict[str, object]]:
    events = [json.loads(row.extra or "{}") for row in bus.journal]
    return [e for e in events if e.get("event") == "inspection"]


def test_a_ticket_scanned_while_armed_is_inspected_in_the_crews_language_not_boarded(
    tmp_path: Path,
) -> None:
    write_unit(tmp_path, 'kind = "none"')  # the crew list and device key beside the unit
    with unit(tmp_path) as bus:
        display = open_trip(bus)
        code = qr(ticket_token())
        assert bus.scan(code).decision.reason is Reason.TICKET
        assert bus.app.crew is not None
        bus.app.crew.arm_inspection()
        assert display.lines[-1] == "Контроль: приложите карту"  # [crew] language = ru
        answer = bus.scan(code)
        assert answer.line.startswith("Билет") and "действует до" in answer.line
        assert display.lines[-1] == answer.line
        assert display.signals[-1] is Signal.TICKET_ARRIVED
        assert [r.medium for r in bus.journal if r.reason != Reason.CREW_EVENT.value] == ["ticket"]
        assert [(e["verdict"], e["presented"]) for e in inspections(bus)] == [("paid", "ticket")]
        again = bus.scan(code)  # disarmed: the ticket is boarded again, and refused as used
        assert again.decision.reason is Reason.TICKET_USED


def test_an_app_code_scanned_while_armed_checks_the_card_it_names(tmp_path: Path) -> None:
    write_unit(tmp_path, 'kind = "none"')
    with unit(tmp_path) as bus:
        open_trip(bus)
        assert bus.app.crew is not None
        bus.app.crew.arm_inspection()
        answer = bus.scan(qr(app_token()))
        assert answer.line.startswith("НЕ оплачено в этом автобусе")
        account = bus.app.store.account(CARD, datetime.now(UTC))
        assert account is not None and account.available == 1000  # not charged
        assert inspections(bus)[0]["verdict"] == "not_paid"
        paid = bus.scan(qr(app_token()))
        assert (paid.decision.reason, paid.decision.fare) == (Reason.PAID, 80)


def test_a_cash_ticket_of_this_bus_scanned_while_armed_is_inspected_as_paid(
    tmp_path: Path,
) -> None:
    write_unit(tmp_path, 'kind = "none"')
    with unit(tmp_path) as bus:
        open_trip(bus)
        crew = bus.app.crew
        assert crew is not None
        sold = crew.sell(Category.STANDARD, 1)
        assert sold.sale is not None
        code = ticket_qr_text(sold.sale, day.DEVICE_KEY).encode() + b"\r\n"
        assert bus.scan(code).decision.outcome is Outcome.DECLINED  # not a boarding code
        crew.arm_inspection()
        answer = bus.scan(code)
        assert inspections(bus)[-1]["verdict"] == "paid", answer.line
