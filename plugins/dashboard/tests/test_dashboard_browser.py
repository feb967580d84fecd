"""The web cockpit in a real headless Chromium against a real uvicorn server: log in, see the
tiles and charts, switch to English, watch a figure change, and a live alarm arrive."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jiedao.core.identity import service
from jiedao.core.testing.fixtures import TEST_PASSWORD, build_registry
from jiedao.core.testing.services import require_service
from jiedao.core.testing.uvicorn_server import UvicornServer
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.testing.organisations import make_organisation
from jiedao.plugins.dashboard.tests.conftest import add_items, cockpit_streets, register_residents

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def chromium_missing() -> str | None:
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(binary) and os.access(binary, os.X_OK)):
            return f"{binary} not found (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed"
    return None


#: Run before the page's own scripts: records what the Content-Security-Policy blocked and
#: the URLs of the WebSockets the page opens.
WATCH_PAGE = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
window.__socketUrls = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (url, protocols) { window.__socketUrls.push(String(url)); return new NativeWebSocket(url, protocols); };
window.WebSocket.prototype = NativeWebSocket.prototype;
"""


def csp_violations(driver) -> list[str]:
    return driver.execute_script("return window.__cspViolations")


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium driven through chromedriver; fails instead of skipping under CI."""
    require_service(chromium_missing())
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1920,1080"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_PAGE})
    yield driver
    driver.quit()


@pytest.fixture
def database(sqlite_template, tmp_path) -> str:
    path = tmp_path / "browser.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def seed(kernel) -> None:
    """A compound in changqing, registrations over the last days, and a grid worker."""
    registry = await build_registry(kernel, "changqing", buildings=3, units_per_building=4)
    now = datetime.now(UTC)
    await register_residents(kernel, "changqing", registry["units"][0], [now - timedelta(days=d, hours=1) for d in (1, 2, 2, 3, 5)], elderly=True)
    await register_residents(kernel, "changqing", registry["units"][1], [now - timedelta(days=9)] * 4)
    async with kernel.db.transaction() as session:
        user = await service.create_user(session, "wang", TEST_PASSWORD)
        await service.grant(session, user, await service.street_by_slug(session, "changqing"), "grid_worker", actor="test")
    kernel.registry = registry
    # the work loop: closed on time and late (rated 满意 / 不满意), one overdue item of the 物业
    wuye = await make_organisation(kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "凤起物业")
    b = registry["buildings"][0]
    await add_items(
        kernel,
        {"category": "repair", "state": "CONFIRMED", "rating": "SATISFIED", "building_id": b, "assignee_org_id": wuye,
         "opened_at": now - timedelta(days=3), "due_at": now - timedelta(days=1), "closed_at": now - timedelta(days=2)},
        {"category": "repair", "state": "CLOSED", "rating": "UNSATISFIED", "building_id": b, "assignee_org_id": wuye,
         "opened_at": now - timedelta(days=4), "due_at": now - timedelta(days=3), "closed_at": now - timedelta(days=2)},
        {"category": "repair", "state": "IN_PROGRESS", "building_id": b, "assignee_org_id": wuye,
         "opened_at": now - timedelta(days=4), "due_at": now - timedelta(hours=5)},
    )


def tile_value(driver, key: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'.tile[data-key="{key}"] .value').text


def log_in(driver, server: UvicornServer, refresh: int = 2) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{server.url}/cockpit/changqing?refresh={refresh}")
    assert "数字驾驶舱" in driver.title
    driver.find_element(By.ID, "username").send_keys("wang")
    driver.find_element(By.ID, "password").send_keys(TEST_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.tile[data-key="probe.residents.registered"]'))


def test_the_cockpit_page_logs_in_draws_figures_and_refreshes(browser, database, probe_plugin_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with UvicornServer(cockpit_streets(), database, extra_plugin_paths=[probe_plugin_path], seed=seed) as server:
        log_in(browser, server)
        # 12 owners registered now + 5 in the last week; 4 in the week before
        assert tile_value(browser, "probe.residents.registered").startswith("17")
        assert "▲" in browser.find_element(By.CSS_SELECTOR, '.tile[data-key="probe.residents.registered"] .trend').text
        assert tile_value(browser, "probe.units.area").startswith("1,080")
        work = browser.find_element(By.ID, "work-panel")
        assert work.find_element(By.CSS_SELECTOR, '[data-work="onTimeRate"] .value').text == "50%"
        assert work.find_element(By.CSS_SELECTOR, '[data-work="satisfactionRate"] .value').text == "50%"
        assert work.find_element(By.CSS_SELECTOR, '[data-work="overdue"] .value').text == "1"
        rows = work.find_elements(By.CSS_SELECTOR, "#overdue-by-organisation tbody tr")
        assert [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows] == [["凤起物业", "1"]]
        from selenium.webdriver.support.select import Select

        Select(browser.find_element(By.ID, "series-key")).select_by_value("probe.residents.registered")
        Select(browser.find_element(By.ID, "breakdown-key")).select_by_value("probe.residents.registered|age_group")
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#series-chart .main-svg .scatterlayer .trace .point"))
        WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#breakdown-chart .main-svg .barlayer .point")) == 2)
        assert browser.execute_script("return sessionStorage.getItem('jiedao.cockpit.changqing.token')")

        # polling: a new registration shows up without reloading the page
        async def more(kernel):
            await register_residents(kernel, "changqing", kernel.registry["units"][2], [datetime.now(UTC)] * 3)

        server.call(more)
        WebDriverWait(browser, 30).until(lambda d: tile_value(d, "probe.residents.registered").startswith("20"))

        browser.find_element(By.ID, "lang").click()
        WebDriverWait(browser, 10).until(lambda d: "Residents registered" in d.find_element(By.ID, "kpis").text)
        assert browser.find_element(By.CSS_SELECTOR, "[data-i18n=hotspots]").text == "Hotspot warnings"

        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "cockpit-1920x1080.png"))
        browser.set_window_size(390, 844)
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "kpis").size["width"] <= 390)
        browser.save_screenshot(str(ARTIFACTS / "cockpit-phone.png"))
        assert (ARTIFACTS / "cockpit-1920x1080.png").stat().st_size > 10_000
        assert csp_violations(browser) == []


def test_a_live_alarm_appears_in_the_feed(browser, database, probe_plugin_path):
    """With the sensors plugin enabled, the page subscribes to ``alarmChanged`` over WebSocket."""
    from jiedao.core.plugins import discover

    if "sensors" not in discover().plugins:
        pytest.skip("no plugin offers alarmChanged here; the feed then polls (tested above)")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with UvicornServer(cockpit_streets(), database, extra_plugin_paths=[probe_plugin_path], seed=seed) as server:
        log_in(browser, server, refresh=60)
        WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.live") == "1")

        async def raise_alarm(kernel):
            # the sensors plugin's own in-process feed, as its ingester uses it
            from jiedao.plugins.sensors.models import Alarm
            from jiedao.plugins.sensors.service.alarms import Change
            from jiedao.plugins.sensors.service.publish import feed_of

            now = datetime.now(UTC)
            alarm = Alarm(id=4242, device_pk=1, type="SMOKE", severity="CRITICAL", status="ACTIVE_UNACK",
                          message="3幢 烟感报警", raised_at=now, updated_at=now, repeat_count=0, escalation_level=0)
            feed_of(kernel).put(kernel.street_id("changqing"), Change("raised", alarm, None))

        server.call(raise_alarm)
        WebDriverWait(browser, 30).until(lambda d: "3幢 烟感报警" in d.find_element(By.ID, "feed").text)
        assert "CRITICAL" in browser.find_element(By.ID, "feed").text
        # the token went in connection_init, not in the URL (URLs end up in access logs)
        token = browser.execute_script("return sessionStorage.getItem('jiedao.cockpit.changqing.token')")
        urls = browser.execute_script("return window.__socketUrls")
        assert urls and not any(token in url or "token=" in url for url in urls)
        assert csp_violations(browser) == []
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "cockpit-live-alarm.png"))
