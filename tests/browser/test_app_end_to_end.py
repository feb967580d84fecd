"""The loops the front end closes, with two people at two browsers, as the demo accounts:

- a resident raises an appeal in the app; a community worker sees it arrive in the console,
  dispatches and handles it; the resident rates the result and the console follows;
- a leak reported over MQTT by the meter box of a resident's flat reaches the grid worker's
  alarm list and the resident's alarm screen while both are open; the grid worker acknowledges
  it and the resident's screen shows that without a reload.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from jiedao.core.testing.browser import DEMO_PASSWORD, csp_violations, demo_streets, log_in, screenshot, socket_urls
from jiedao.core.testing.uvicorn_server import UvicornServer

OWNER, WAIT = "changqing-owner1", 30


def graphql_as(server: UvicornServer, username: str, query: str, variables: dict | None = None) -> dict:
    """One request over HTTP as a demo account; its data (errors fail the test)."""
    login = "mutation($input: LoginInput!) { login(input: $input) { token } }"
    token = httpx.post(f"{server.url}/graphql/changqing", json={"query": login, "variables": {"input": {"username": username, "password": DEMO_PASSWORD}}}).json()
    answer = httpx.post(f"{server.url}/graphql/changqing", json={"query": query, "variables": variables or {}},
                        headers={"authorization": f"Bearer {token['data']['login']['token']}"}).json()
    assert not answer.get("errors"), answer
    return answer["data"]


def element(driver, css: str):
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
    return driver.find_element(By.CSS_SELECTOR, css)


def press(driver, element_id: str) -> None:
    button = element(driver, f"#{element_id}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()


def item_state(driver) -> str:
    return driver.find_element(By.ID, "ops-item-state").get_attribute("data-state")


def test_an_appeal_raised_in_the_app_is_dispatched_in_the_console_and_rated_by_the_resident(browser, second_browser, demo_database):
    resident, worker = browser, second_browser
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(worker, server, "changqing-worker", path="w/inbox")
        element(worker, ".ops-item")
        worker.execute_script("window.__stillHere = true")

        log_in(resident, server, OWNER, path="r/appeals")
        element(resident, "#raise-appeal").click()
        element(resident, "#appeal-title").send_keys("单元门禁坏了")
        resident.find_element(By.ID, "appeal-description").send_keys("1幢1单元门禁刷卡无反应，老人进出不便。")
        resident.find_element(By.ID, "appeal-submit").click()
        assert element(resident, "[data-appeal-state]").text == "待派单"
        item = resident.current_url.rsplit("/", 1)[1]

        # the console shows it without a reload; the worker dispatches, accepts and resolves it there
        element(worker, f".ops-item[data-id='{item}']").click()
        WebDriverWait(worker, WAIT).until(lambda d: d.find_elements(By.ID, "ops-item-state") and item_state(d) == "NEW")
        assert worker.execute_script("return window.__stillHere") is True
        assert "单元门禁坏了" in worker.find_element(By.TAG_NAME, "body").text
        element(worker, "#ops-username").send_keys("changqing-worker")
        press(worker, "ops-dispatch")
        WebDriverWait(worker, WAIT).until(lambda d: item_state(d) == "DISPATCHED")
        press(worker, "ops-accept")
        WebDriverWait(worker, WAIT).until(lambda d: item_state(d) == "ACCEPTED")
        Select(worker.find_element(By.ID, "ops-outcome")).select_by_value("FIXED")
        worker.find_element(By.ID, "ops-note").send_keys("已联系物业更换读卡器")
        press(worker, "ops-resolve")
        WebDriverWait(worker, WAIT).until(lambda d: item_state(d) == "RESOLVED")

        # the resident sees the outcome and rates it; the worker's open page follows
        resident.get(f"{server.url}/app/changqing/r/appeals/{item}")
        WebDriverWait(resident, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-appeal-state]").text == "待评价")
        assert "已联系物业更换读卡器" in resident.find_element(By.TAG_NAME, "body").text
        resident.find_element(By.CSS_SELECTOR, '[data-rating="SATISFIED"]').click()
        resident.find_element(By.ID, "rate-submit").click()
        element(resident, '[data-my-rating][data-rating="SATISFIED"]')
        WebDriverWait(worker, WAIT).until(lambda d: item_state(d) == "CONFIRMED")
        stored = graphql_as(server, "changqing-worker", "query($id: ID!) { workItem(id: $id) { state rating } }", {"id": item})
        assert stored["workItem"] == {"state": "CONFIRMED", "rating": "SATISFIED"}
        assert csp_violations(resident) == [] and csp_violations(worker) == []


def publish(broker, device_id: str, reading: dict) -> None:
    """One reading from ``device_id``, as the device sends it."""
    import aiomqtt

    async def send():
        async with aiomqtt.Client(broker.host, broker.port, identifier=f"e2e-{time.monotonic_ns()}") as device:
            await device.publish(f"jiedao/changqing/devices/{device_id}/telemetry", json.dumps(reading).encode(), qos=1)

    asyncio.run(send())


def test_a_leak_over_mqtt_reaches_both_screens_and_the_grid_workers_acknowledgement_reaches_the_resident(browser, second_browser, demo_database, mqtt_broker, monkeypatch):
    grid, resident = browser, second_browser  # the grid worker on a phone, the family at home
    monkeypatch.setenv("JIEDAO_MQTT_URL", mqtt_broker.url)
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        meter_box = "EM-0001"  # serves changqing-owner1's flat
        devices = graphql_as(server, "changqing-grid", "{ devices(first: 100, kind: ELECTRIC_MONITOR) { edges { node { deviceId openAlarms { type } } } } }")
        assert [e["node"]["openAlarms"] for e in devices["devices"]["edges"] if e["node"]["deviceId"] == meter_box] == [[]]

        log_in(resident, server, OWNER, path="r/alarms")
        element(resident, "[data-devices]")
        WebDriverWait(resident, WAIT).until(lambda d: any("/graphql/changqing" in url for url in socket_urls(d)))
        log_in(grid, server, "changqing-grid", path="w/alarms")
        element(grid, "#ops-alarms-count")
        for driver in (grid, resident):
            driver.execute_script("window.__stillHere = true")

        shown = f".ops-alarm[data-device='{meter_box}']"
        deadline = time.monotonic() + 90
        while not grid.find_elements(By.CSS_SELECTOR, shown):  # published again until ingestion has subscribed
            assert time.monotonic() < deadline, "the leak never reached the grid worker's alarm list"
            publish(mqtt_broker, meter_box, {"residual_current": 450})
            try:
                WebDriverWait(grid, 3).until(lambda d: d.find_elements(By.CSS_SELECTOR, shown))
            except Exception:  # noqa: BLE001 - not yet subscribed: publish again
                pass
        card = '[data-alarm-type="RESIDUAL_CURRENT"]'
        WebDriverWait(resident, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, card))
        assert resident.find_element(By.CSS_SELECTOR, card).get_attribute("data-alarm-status") == "ACTIVE_UNACK"

        grid.find_element(By.CSS_SELECTOR, shown).click()
        press(grid, "ops-acknowledge")
        WebDriverWait(grid, WAIT).until(lambda d: d.find_element(By.ID, "ops-alarm-status").get_attribute("data-status") == "ACKNOWLEDGED")
        WebDriverWait(resident, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, card).get_attribute("data-alarm-status") == "ACKNOWLEDGED")
        assert "工作人员已响应" in resident.find_element(By.CSS_SELECTOR, card).text
        assert resident.execute_script("return window.__stillHere") is True and grid.execute_script("return window.__stillHere") is True
        screenshot(resident, "resident-alarm-acknowledged")
        assert csp_violations(resident) == [] and csp_violations(grid) == []
