"""The driver console in a real headless Chromium: sign in with the PIN, set
the route, sell a ticket and see it listed; check the next card tapped.

Needs Debian's chromium and chromium-driver (apt-get install -y chromium
chromium-driver) and the selenium package; skipped with the reason otherwise.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import shift_samples as day
from tests.test_crew_service import Bus, make_bus, write_unit
from validator.console import Console

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="Chromium missing: apt-get install -y chromium chromium-driver",
)


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[Bus]:
    yield from make_bus(write_unit(tmp_path, 'kind = "dummy"'))


@pytest.fixture
def console(bus: Bus) -> Iterator[Console]:
    status = {"ledger": "offline", "backlog": "0 rows", "list age": "1 h", "GPS": "no fix"}
    served = Console(bus.crew, lambda: status, port=0)
    served.start()
    yield served
    served.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=DRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def test_the_conductor_signs_in_sells_a_ticket_and_sees_it_listed(
    bus: Bus, console: Console, browser: object
) -> None:
    from selenium.webdriver.common.by import By

    driver = browser  # a selenium WebDriver
    home = f"http://127.0.0.1:{console.port}/"
    driver.get(home)  # type: ignore[attr-defined]
    _fill(driver, "crew_id", "1017")
    _fill(driver, "pin", "0000")
    _press(driver, "sign-in")
    assert "2" in driver.find_element(By.ID, "message").text  # type: ignore[attr-defined]
    assert not driver.find_elements(By.ID, "sell")  # type: ignore[attr-defined]
    _fill(driver, "crew_id", "1017")
    _fill(driver, "pin", day.DRIVER_PIN)
    _press(driver, "sign-in")
    _fill(driver, "route", "12")
    _press(driver, "set-route")
    bus.at(6, 20)
    _press(driver, "sell")
    message = driver.find_element(By.ID, "message").text  # type: ignore[attr-defined]
    assert message.startswith("VAL-0042-000001")
    sales = driver.find_element(By.ID, "sales").text  # type: ignore[attr-defined]
    assert "VAL-0042-000001" in sales and "printed" in sales
    assert "150" in driver.find_element(By.ID, "cash-total").text  # type: ignore[attr-defined]
    assert day.DRIVER_PIN not in driver.current_url  # type: ignore[attr-defined]


def _fill(driver: object, field: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.ID, field)  # type: ignore[attr-defined]
    box.clear()
    box.send_keys(text)


def _press(driver: object, button: str) -> None:
    """Click and wait for the next page (every form answers with a redirect)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")  # type: ignore[attr-defined]
    driver.find_element(By.ID, button).click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(page))  # type: ignore[arg-type]


def test_the_inspector_checks_the_next_card_and_sees_the_answer_listed(
    bus: Bus, console: Console, browser: object
) -> None:
    from selenium.webdriver.common.by import By

    driver = browser  # a selenium WebDriver
    driver.get(f"http://127.0.0.1:{console.port}/")  # type: ignore[attr-defined]
    _fill(driver, "crew_id", "2040")
    _fill(driver, "pin", day.CONDUCTOR_PIN)
    _press(driver, "sign-in")
    bus.at(6, 30)
    _press(driver, "inspect-tap")
    waiting = driver.find_element(By.ID, "inspection-waiting").text  # type: ignore[attr-defined]
    assert waiting == "Waiting for a card until 06:30:30"
    answer = bus.tap(30)  # the passenger's card on the reader: inspected, not charged
    assert answer.line == "NOT paid on this bus since 05:00" and answer.decision.fare == 0
    driver.refresh()  # type: ignore[attr-defined]
    last = driver.find_element(By.ID, "last-inspection").text  # type: ignore[attr-defined]
    assert last == "06:30 · NOT paid on this bus since 05:00"
    assert not driver.find_elements(By.ID, "inspection-waiting")  # type: ignore[attr-defined]
