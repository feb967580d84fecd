"""The web cockpit in a real headless Chromium against a real uvicorn server (the shared kit of
``core/testing/browser.py``): log in, see the tiles and charts, switch to English, watch a
figure change, a live alarm arrive; on the demo: a resident told why, units and percentages in
both languages, a 24-hour clock, the street map with its alarm colours, CSP and axe clean."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from jiedao.core.identity import service
from jiedao.core.testing.fixtures import TEST_PASSWORD, build_registry
from jiedao.core.testing.browser import axe_violations, csp_violations, DEMO_PASSWORD, demo_streets, screenshot, socket_urls
from jiedao.core.testing.uvicorn_server import UvicornServer
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.testing.organisations import make_organisation
from jiedao.plugins.dashboard.tests.conftest import add_items, cockpit_streets, register_residents

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


def shown_text(driver, css: str) -> str | None:
    """The visible text of the first element matching ``css``, read in one step (None if absent).

    The cockpit redraws its tiles, work panel and map on every refresh; an element found in one
    WebDriver call may be gone by the next (a stale element), so never hold on to one."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e && e.innerText.trim()", css)


def tile_text(driver, key: str) -> str:
    """The value shown on the KPI tile ``key`` ("" while it is not drawn)."""
    return shown_text(driver, f'.tile[data-key="{key}"] .value') or ""


def open_cockpit(driver, server: UvicornServer, username: str, password: str, *, refresh: int = 2, lang: str | None = None) -> None:
    """Open ``/cockpit/changqing`` (in ``lang`` when given) and log in with the page's own form."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{server.url}/cockpit/changqing?refresh={refresh}")
    assert "数字驾驶舱" in driver.title
    if lang:
        driver.execute_script("sessionStorage.setItem('jiedao.cockpit.lang', arguments[0])", lang)
        driver.refresh()
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()


def log_in(driver, server: UvicornServer, refresh: int = 2) -> None:
    """Log in as the probe street's grid worker and wait for the first tiles."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(1920, 1080)
    open_cockpit(driver, server, "wang", TEST_PASSWORD, refresh=refresh)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.tile[data-key="probe.residents.registered"]'))


def test_the_cockpit_page_logs_in_draws_figures_and_refreshes(browser, database, probe_plugin_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with UvicornServer(cockpit_streets(), database, extra_plugin_paths=[probe_plugin_path], seed=seed) as server:
        log_in(browser, server)
        # 12 owners registered now + 5 in the last week; 4 in the week before
        assert tile_text(browser, "probe.residents.registered").startswith("17")
        assert "▲" in shown_text(browser, '.tile[data-key="probe.residents.registered"] .trend')
        assert tile_text(browser, "probe.units.area").startswith("1,080")
        assert shown_text(browser, '#work-panel [data-work="onTimeRate"] .value') == "50%"
        assert shown_text(browser, '#work-panel [data-work="satisfactionRate"] .value') == "50%"
        assert shown_text(browser, '#work-panel [data-work="overdue"] .value') == "1 件"
        rows = browser.execute_script(
            "return [...document.querySelectorAll('#overdue-by-organisation tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()))")
        assert rows == [["凤起物业", "1 件"]]
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
        WebDriverWait(browser, 30).until(lambda d: tile_text(d, "probe.residents.registered").startswith("20"))

        browser.find_element(By.ID, "lang").click()
        WebDriverWait(browser, 10).until(lambda d: "Residents registered" in shown_text(d, "#kpis"))
        assert browser.find_element(By.CSS_SELECTOR, "[data-i18n=hotspots]").text == "Hotspot warnings"

        assert tile_text(browser, "probe.residents.registered") == "20 people"
        assert screenshot(browser, "cockpit-probe-en-1920x1080").stat().st_size > 10_000
        browser.set_window_size(390, 844)
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "kpis").size["width"] <= 390)
        screenshot(browser, "cockpit-phone")
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
        urls = socket_urls(browser)
        assert urls and not any(token in url or "token=" in url for url in urls)
        assert csp_violations(browser) == []
        screenshot(browser, "cockpit-live-alarm")


TWENTY_FOUR_HOURS = re.compile(r"\b([01]\d|2[0-3]):[0-5]\d:[0-5]\d\b")


def assert_24_hour_clock(driver) -> None:
    from selenium.webdriver.common.by import By

    updated = driver.find_element(By.ID, "updated").text
    assert TWENTY_FOUR_HOURS.search(updated), updated
    assert not re.search(r"AM|PM|上午|下午", updated), updated


def test_a_resident_is_told_why_the_cockpit_stays_closed(browser, demo_database):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with UvicornServer(demo_streets(), demo_database) as server:
        open_cockpit(browser, server, "changqing-owner1", DEMO_PASSWORD)
        WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "cockpit-error").is_displayed())
        message = browser.find_element(By.ID, "cockpit-error").text
        assert message.startswith("没有权限：") and "dashboard.cockpit.view" in message
        assert not browser.find_element(By.ID, "cockpit").is_displayed()  # no empty panels
        browser.find_element(By.ID, "lang").click()
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "cockpit-error").text.startswith("Not allowed: "))
        assert axe_violations(browser) == []
        assert csp_violations(browser) == []


async def located_buildings(kernel) -> int:
    from sqlalchemy import func, select

    from jiedao.core.models import Building

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return await session.scalar(select(func.count()).select_from(Building).where(Building.longitude.is_not(None)))


async def raise_alarm_in_a_quiet_building(kernel) -> str:
    """A smoke alarm in the first located building with no open alarm; its global ID."""
    from sqlalchemy import select

    from jiedao.core.models import Building
    from jiedao.plugins.sensors.models import Alarm, Device
    from jiedao.schema.ids import encode_global_id

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        alarmed = select(Alarm.building_id).where(Alarm.status != "CLEARED", Alarm.building_id.is_not(None))
        building = await session.scalar(select(Building.id).where(Building.longitude.is_not(None), Building.id.not_in(alarmed)).order_by(Building.id))
        device = Device(device_id="cockpit-test-smoke", kind="SMOKE", building_id=building)
        session.add(device)
        await session.flush()
        now = datetime.now(UTC)
        session.add(Alarm(device_pk=device.id, building_id=building, type="SMOKE", severity="CRITICAL", status="ACTIVE_UNACK", message="烟感报警",
                          raised_at=now, updated_at=now, repeat_count=0, escalation_level=0))
    return encode_global_id("Building", building)


def test_the_demo_cockpit_speaks_one_language_at_a_time_and_maps_the_street(browser, demo_database):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with UvicornServer(demo_streets(), demo_database) as server:
        browser.set_window_size(1920, 1080)
        open_cockpit(browser, server, "changqing-grid", DEMO_PASSWORD, lang="zh")
        WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, '.tile[data-key="sensors.alarms.open"]')
                                          and d.execute_script("return document.body.dataset.mapDrawn"))
        # Chinese: whole messages with Chinese measure words; ratios as percentages; a 24-hour clock
        assert re.fullmatch(r"[\d,]+ 条", tile_text(browser, "sensors.alarms.open"))
        assert re.fullmatch(r"[\d,]+ 家", tile_text(browser, "credit.inspections.due"))
        assert tile_text(browser, "mediation.agreement_rate") == "100%"
        assert_24_hour_clock(browser)
        csv = browser.find_element(By.ID, "series-csv")
        assert csv.text.endswith("导出 CSV") and csv.get_attribute("role") == "button"
        # an export the server refuses says why; it is not saved as a .csv file (the page's own
        # download() with a metric the street lacks: the selects, which the refresh reads, stay as they are)
        browser.execute_script("download({key: 'no.such.metric'})")
        WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "export-error").is_displayed())
        assert browser.find_element(By.ID, "export-error").text.startswith("导出失败：")
        assert "no.such.metric" in browser.find_element(By.ID, "export-error").text

        # the map: one shape per located building, with a legend and names for screen readers
        located = server.call(located_buildings)
        labels = browser.execute_script("return [...document.querySelectorAll('#map-buildings g.building')].map(e => e.getAttribute('aria-label'))")
        assert located > 50 and len(labels) == located
        assert all(labels)
        assert "有未消除报警" in browser.find_element(By.ID, "map-legend").text
        assert axe_violations(browser) == []
        screenshot(browser, "cockpit")
        browser.execute_script("document.getElementById('map-panel').scrollIntoView()")
        screenshot(browser, "cockpit-map")

        building = server.call(raise_alarm_in_a_quiet_building)
        shape = f'#map-buildings g.building[data-building="{building}"]'
        # the map is redrawn on every refresh: read a shape in one step, never hold on to it
        read = "const e = document.querySelector(arguments[0]); return e && {alarms: e.dataset.alarms, cls: e.getAttribute('class'), label: e.getAttribute('aria-label')}"
        assert browser.execute_script(read, shape)["alarms"] == "0"
        WebDriverWait(browser, 30).until(lambda d: (d.execute_script(read, shape) or {}).get("alarms") == "1")
        drawn = browser.execute_script(read, shape)
        assert "alarm" in drawn["cls"].split() and "1 条未消除报警" in drawn["label"]

        # English: the same figures in English words only
        browser.find_element(By.ID, "lang").click()
        WebDriverWait(browser, 30).until(lambda d: re.fullmatch(r"[\d,]+ alarms?", tile_text(d, "sensors.alarms.open")))
        assert re.fullmatch(r"[\d,]+ enterprises?", tile_text(browser, "credit.inspections.due"))
        assert tile_text(browser, "mediation.agreement_rate") == "100%"
        kpis = shown_text(browser, "#kpis")
        assert not re.search(r"\d+ ?[条家件项台次]", kpis), kpis
        WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "updated").text.startswith("Updated"))
        assert_24_hour_clock(browser)
        WebDriverWait(browser, 30).until(lambda d: "1 open alarm" in ((d.execute_script(read, shape) or {}).get("label") or ""))
        assert axe_violations(browser) == []
        assert csp_violations(browser) == []


def test_an_intranet_tile_server_is_drawn_under_the_map_and_allowed_by_the_policy(browser, demo_database):
    """With ``map_tiles`` set, tiles of that origin (here one nobody answers on) lie under the
    buildings and the page's policy lets exactly that origin serve images: no CSP violation."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    streets = demo_streets()
    streets["changqing"]["dashboard"] = {**streets["changqing"].get("dashboard", {}), "map_tiles": "http://localhost:9/tiles/{z}/{x}/{y}.png"}
    with UvicornServer(streets, demo_database) as server:
        browser.set_window_size(1920, 1080)
        open_cockpit(browser, server, "changqing-grid", DEMO_PASSWORD, refresh=60)
        WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.body.dataset.mapDrawn"))
        tiles = [t.get_attribute("href") for t in browser.find_elements(By.CSS_SELECTOR, "#map-tiles image")]
        assert tiles and all(re.fullmatch(r"http://localhost:9/tiles/1[0-9]/\d+/\d+\.png", t) for t in tiles), tiles[:3]
        # the tiles' zoom and numbers are those of Hangzhou (about 120.17E 30.27N)
        z, x, y = (int(n) for n in re.search(r"/(\d+)/(\d+)/(\d+)\.png", tiles[0]).groups())
        assert abs(x / 2**z * 360 - 180 - 120.17) < 0.1
        assert browser.find_elements(By.CSS_SELECTOR, "#map-buildings g.building")
        assert csp_violations(browser) == []
