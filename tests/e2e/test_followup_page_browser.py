"""The follow-up page in a real headless browser (Debian's chromium through Selenium).

The embedded app (every service, SQLite, the runner thread following the event table)
serves the page at /app/ over real HTTP; the browser signs in with a token, opens a
queue, opens a claim, resolves its item and sees the queue's count drop; it also opens
the account, aging and KPI screens and checks their charts are drawn. With
REVCYCLE_SCREENSHOTS set to a folder (docs/screenshots is the committed one) the main
screens are saved there as PNG; otherwise in the test's temporary folder.

Without chromium/chromedriver the test skips, except under CI=true where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from revcycle.embedded import EmbeddedApp, build_embedded_app
from shared.auth import ROLE_ACCOUNTS_READ, ROLE_CLAIMS_READ, issue_token
from shared.config import DEV_JWT_SECRET, BaseServiceSettings
from testsupport.followup import StandIns, office_morning

ORG = "org-riverbend"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, EmbeddedApp]]:
    import uvicorn

    settings = BaseServiceSettings(data_dir=tmp_path, organization_id=ORG)
    built = build_embedded_app(settings)
    events = StandIns(built.store, ORG, settle=built.project)
    office_morning(events, datetime.now(UTC).date())
    built.project()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(built.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="page-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the page server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", built
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        built.embedded.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromedriver are required (apt-get install chromium-driver)")
        pytest.skip("chromium/chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1360,1000"):
        options.add_argument(arg)
    options.add_argument("--disable-dev-shm-usage")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("REVCYCLE_SCREENSHOTS") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_specialist_opens_a_queue_resolves_a_claims_item_and_sees_the_count_drop(
    served: tuple[str, EmbeddedApp], browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    base, _built = served
    shots = _shots(tmp_path)
    wait = WebDriverWait(browser, 30)
    jwt = issue_token(
        subject="specialist-1",
        organization_id=ORG,
        roles=[ROLE_CLAIMS_READ, ROLE_ACCOUNTS_READ, "followup:work"],
        secret=DEV_JWT_SECRET,
    )

    def count(queue: str) -> str:
        row = wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, f'tr[data-queue="{queue}"]'))
        )
        return str(row.find_element(By.CSS_SELECTOR, ".queue-count").text)

    # Sign in: a wrong token is refused on the page, the right one opens the queues.
    browser.get(f"{base}/app/")
    wait.until(ec.visibility_of_element_located((By.ID, "token"))).send_keys("not-a-token")
    browser.find_element(By.ID, "sign-in-button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "sign-in-error"), "sign in again"))
    browser.save_screenshot(str(shots / "sign-in.png"))
    token_box = browser.find_element(By.ID, "token")
    token_box.clear()
    token_box.send_keys(jwt)
    browser.find_element(By.ID, "sign-in-button").click()
    wait.until(ec.presence_of_element_located((By.ID, "queues")))
    assert count("rejections") == "1"
    assert count("held") == "1"
    assert count("denials.authorization") == "1"
    assert "specialist-1" in browser.find_element(By.ID, "who").text
    # The dollars-at-stake chart is drawn (one bar per non-empty queue).
    bars = browser.find_elements(By.CSS_SELECTOR, "#queue-chart rect")
    assert len(bars) >= 4
    browser.save_screenshot(str(shots / "queues.png"))

    # Open the rejections queue, then its claim.
    browser.find_element(By.CSS_SELECTOR, 'tr[data-queue="rejections"] a.queue-link').click()
    link = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#items a.claim-link")))
    assert link.text == "clm-b"
    items = browser.find_element(By.ID, "items").text
    assert "A7:21: Subscriber id not on file" in items and "$145.00" in items
    browser.save_screenshot(str(shots / "queue-items.png"))
    link.click()

    wait.until(ec.text_to_be_present_in_element((By.ID, "claim-status"), "rejected"))
    timeline = browser.find_element(By.ID, "timeline").text
    assert "claim.created" in timeline and "claim.rejected" in timeline
    browser.save_screenshot(str(shots / "claim.png"))

    # Work the item: claim it, then resolve it as resubmitted with a note.
    browser.find_element(By.CSS_SELECTOR, "button.claim-item").click()
    wait.until(ec.presence_of_element_located((By.ID, "work-history")))
    wait.until(ec.text_to_be_present_in_element((By.ID, "work-history"), "work_item.claimed"))
    browser.find_element(By.CSS_SELECTOR, "input.note").send_keys("member id fixed")
    Select(browser.find_element(By.CSS_SELECTOR, "select.outcome")).select_by_value("resubmitted")
    browser.find_element(By.CSS_SELECTOR, "button.resolve-item").click()
    wait.until(ec.presence_of_element_located((By.ID, "no-open-items")))
    history = browser.find_element(By.ID, "work-history").text
    assert "work_item.resolved" in history

    # Back on the queues the rejection is gone.
    browser.find_element(By.ID, "nav-queues").click()
    wait.until(ec.presence_of_element_located((By.ID, "queues")))
    wait.until(
        ec.text_to_be_present_in_element(
            (By.CSS_SELECTOR, 'tr[data-queue="rejections"] .queue-count'), "0"
        )
    )
    assert count("rejections") == "0"
    assert count("held") == "1"

    # The denied claim shows its CARC meaning; its account page shows both claims.
    browser.get(f"{base}/app/#/claim/clm-d")
    wait.until(ec.presence_of_element_located((By.ID, "adjustments")))
    assert "197" in browser.find_element(By.ID, "adjustments").text
    browser.save_screenshot(str(shots / "claim-denied.png"))
    browser.get(f"{base}/app/#/account/{ORG}:PCN-A")
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#view h1"), "Account"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "view"), "clm-d"))
    assert "clm-a" in browser.find_element(By.ID, "view").text
    browser.save_screenshot(str(shots / "account.png"))

    # Aging as a chart (one stacked bar per payer) and KPIs as charts.
    browser.find_element(By.ID, "nav-aging").click()
    wait.until(ec.presence_of_element_located((By.ID, "aging-chart")))
    assert browser.find_elements(By.CSS_SELECTOR, "#aging-chart rect")
    assert "87726" in browser.find_element(By.ID, "aging").text
    browser.save_screenshot(str(shots / "aging.png"))
    browser.find_element(By.ID, "nav-kpis").click()
    wait.until(ec.presence_of_element_located((By.ID, "denial-chart")))
    cards = browser.find_element(By.ID, "kpi-cards").text
    assert "Initial denial rate" in cards and "33.33%" in cards
    browser.save_screenshot(str(shots / "kpis.png"))

    # No script error anywhere on the way (console errors are logged by chromium).
    errors = [
        entry
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "401" not in entry["message"]
    ]
    assert errors == []
