"""The driver console over real HTTP on loopback: the inspector arms "check the
next card", the passenger taps on the real reader, the console lists the
answer; and the status shows how old the balance list is."""

from __future__ import annotations

import http.cookiejar
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests import shift_samples as day
from tests.test_inspection_tap import Bus, bus, desfire
from validator.console import Console
from validator.console_pages import list_status

__all__ = ["bus"]

NOW = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
DAY = timedelta(hours=24)


class Browser:
    """A cookie-keeping HTTP client that follows the console's redirects."""

    def __init__(self, port: int) -> None:
        self.home = f"http://127.0.0.1:{port}"
        jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self._opener = urllib.request.build_opener(jar)

    def get(self) -> str:
        with self._opener.open(self.home + "/", timeout=10) as page:
            return str(page.read().decode("utf-8"))

    def post(self, path: str, **form: str) -> str:
        body = urllib.parse.urlencode(form).encode()
        with self._opener.open(self.home + path, data=body, timeout=10) as page:
            return str(page.read().decode("utf-8"))


@pytest.fixture
def console(bus: Bus) -> Iterator[Browser]:
    status = {"list": list_status(4, "2026-03-02T03:27:00.000Z", NOW, DAY)}
    served = Console(bus.crew, lambda: status, port=0)
    served.start()
    yield Browser(served.port)
    served.stop()


def test_the_inspector_arms_the_check_on_the_console_and_sees_the_tapped_cards_answer(
    bus: Bus, console: Browser
) -> None:
    console.post("/sign-in", crew_id="2040", pin=day.CONDUCTOR_PIN)
    page = console.post("/inspect-tap")
    assert "Tap the card, phone or code on the validator within 30 s" in page
    assert 'id="inspection-waiting">Waiting for a card until 08:30:30' in page
    assert bus.feedback.lines[-1] == "Inspection: tap the card"
    bus.tap(desfire())
    page = console.get()
    assert 'id="last-inspection">08:30 · NOT paid on this bus since 08:30' in page
    assert "inspection-waiting" not in page and 'id="inspect-tap"' in page


def test_the_inspector_can_cancel_a_check_that_waits(bus: Bus, console: Browser) -> None:
    console.post("/sign-in", crew_id="2040", pin=day.CONDUCTOR_PIN)
    console.post("/inspect-tap")
    page = console.post("/inspect-cancel")
    assert "Inspection cancelled" in page and "inspection-waiting" not in page
    assert bus.tap(desfire()).decision.fare == 80


def test_arming_needs_a_signed_in_crew(bus: Bus, console: Browser) -> None:
    page = console.post("/inspect-tap")
    assert 'id="sign-in"' in page and bus.crew.inspection.armed_until() is None


def test_the_status_shows_the_lists_age(console: Browser) -> None:
    console.post("/sign-in", crew_id="2040", pin=day.CONDUCTOR_PIN)
    assert "list: 3 min old (version 4)" in console.get()


@pytest.mark.parametrize(
    ("received", "said"),
    [
        ("2026-03-02T03:29:40.000Z", "under a minute old (version 7)"),
        ("2026-03-02T03:27:00.000Z", "3 min old (version 7)"),
        ("2026-03-02T02:31:00.000Z", "59 min old (version 7)"),
        ("2026-03-02T01:30:00.000Z", "2 h old (version 7)"),
        ("2026-03-03T03:30:00.000Z", "under a minute old (version 7)"),  # clock behind
    ],
)
def test_the_list_age_reads_in_minutes_then_hours(received: str, said: str) -> None:
    assert list_status(7, received, NOW, DAY) == said


def test_a_list_older_than_the_allowed_age_warns_that_the_degraded_policy_is_on() -> None:
    line = list_status(7, "2026-02-27T03:30:00.000Z", NOW, DAY)
    assert line == "3 days old (version 7) — OLDER THAN 24 h: degraded policy on, sync the list"
    assert list_status(7, "2026-03-01T02:30:00.000Z", NOW, DAY).startswith("25 h old")
    assert "OLDER" not in list_status(7, "2026-03-01T03:30:00.000Z", NOW, DAY)


def test_a_list_never_received_from_the_ledger_says_so() -> None:
    assert list_status(0, None, NOW, DAY) == "not from the ledger yet (version 0)"
    assert list_status(3, "garbage", NOW, DAY) == "received garbage (version 3)"
