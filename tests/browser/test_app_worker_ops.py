"""The worker console's operations screens in a real Chromium against a real uvicorn with the
demo, as the demo accounts: the work-item inbox sorted by due time with SLA labels, a
resident's appeal (raised over GraphQL as a demo owner) arriving live, dispatched, accepted,
resolved in the screen and then rated by the resident, another closed; a live alarm pushed
over MQTT acknowledged and cleared by the grid worker; a resident refused with a message."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from jiedao.core.testing.browser import DEMO_PASSWORD, axe_violations, csp_violations, demo_streets, log_in, screenshot
from jiedao.core.testing.uvicorn_server import UvicornServer

WAIT = 30
SLA_LABELS = {"按期", "即将到期", "已超期", "无期限", "待居民评价"}
SLA_CLASS = {"按期": "ok", "即将到期": "soon", "已超期": "late", "无期限": "ok", "待居民评价": "ok"}
RAISE = "mutation($input: RaiseTopicInput!) { raiseTopic(input: $input) { topic { id } errors { field message } } }"
RATE = "mutation($input: RateWorkItemInput!) { rateWorkItem(input: $input) { workItem { state rating } errors { field message } } }"
ITEMS = "query { workItems(first: 100, open: true) { edges { node { id subject title state } } } }"


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def graphql(server: UvicornServer, token: str, query: str, variables: dict | None = None) -> dict:
    """One GraphQL request over HTTP as the holder of ``token``; its data (errors fail the test)."""
    answer = httpx.post(f"{server.url}/graphql/changqing", json={"query": query, "variables": variables or {}},
                        headers={"authorization": f"Bearer {token}"}, timeout=WAIT).json()
    assert not answer.get("errors"), answer
    return answer["data"]


def token_of(server: UvicornServer, username: str) -> str:
    """Log in over GraphQL as a demo account."""
    query = "mutation($input: LoginInput!) { login(input: $input) { token errors { message } } }"
    answer = httpx.post(f"{server.url}/graphql/changqing", json={"query": query, "variables": {"input": {"username": username, "password": DEMO_PASSWORD}}}, timeout=WAIT).json()
    return answer["data"]["login"]["token"]


def raise_appeal(server: UvicornServer, owner: str, title: str) -> str:
    """A demo owner raises a street-wide appeal (诉求); the global ID of its work item."""
    raised = graphql(server, owner, RAISE, {"input": {"title": title, "description": "楼道里堆满杂物，影响通行", "streetWide": True}})["raiseTopic"]
    assert raised["errors"] == []
    [item] = [edge["node"] for edge in graphql(server, owner, ITEMS)["workItems"]["edges"] if edge["node"]["subject"] == raised["topic"]["id"]]
    return item["id"]


def inbox_rows(driver) -> list[dict]:
    """The inbox's rows as shown: id, due time attribute and SLA label."""
    return driver.execute_script(
        "return [...document.querySelectorAll('.ops-item')].map(e => ({id: e.dataset.id, due: e.dataset.due, state: e.dataset.state,"
        " sla: e.querySelector('[data-sla]').textContent.trim(), title: e.querySelector('.ops-item-title').textContent}))"
    )


def click(driver, element_id: str) -> None:
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, element_id))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", driver.find_element(By.ID, element_id))
    driver.find_element(By.ID, element_id).click()


def state_shown(driver) -> str:
    return driver.find_element(By.ID, "ops-item-state").get_attribute("data-state")


def test_the_inbox_sorts_by_due_time_and_an_appeal_arrives_live_and_is_dispatched_handled_and_rated(second_browser, demo_database):
    driver = second_browser  # a desktop: the community worker at the office
    with UvicornServer(demo_streets(), demo_database) as server:
        owner = token_of(server, "changqing-owner1")
        log_in(driver, server, "changqing-worker", path="w/inbox")
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".ops-item"))
        rows = inbox_rows(driver)
        dues = [row["due"] for row in rows]
        timed = [due for due in dues if due]
        assert timed == sorted(timed, key=lambda due: time.mktime(time.strptime(due[:19], "%Y-%m-%dT%H:%M:%S")))  # soonest first
        assert dues == timed + [""] * (len(dues) - len(timed))  # no due time: last
        assert {row["sla"] for row in rows} <= SLA_LABELS and "已超期" in {row["sla"] for row in rows}
        assert all(driver.find_elements(By.CSS_SELECTOR, f".ops-item[data-id='{row['id']}'] .sla-{SLA_CLASS[row['sla']]}") for row in rows)
        # a resolved item waits for its resident, not its handler: it is not shown as late
        assert {row["sla"] for row in rows if row["state"] == "RESOLVED"} <= {"待居民评价"}
        assert {row["state"] for row in rows if row["sla"] == "已超期"} <= {"NEW", "DISPATCHED", "ACCEPTED", "IN_PROGRESS", "RETURNED", "REOPENED"}
        assert axe_violations(driver) == []
        screenshot(driver, "worker-inbox")

        # a resident raises an appeal: it appears in the open inbox without a reload
        driver.execute_script("window.__stillHere = true")
        item = raise_appeal(server, owner, "3幢楼道堆物需清理")
        WebDriverWait(driver, WAIT).until(lambda d: any(row["id"] == item for row in inbox_rows(d)))
        assert driver.execute_script("return window.__stillHere") is True
        row = next(row for row in inbox_rows(driver) if row["id"] == item)
        assert row["sla"] in SLA_LABELS

        # the worker dispatches it to themselves, accepts it and resolves it in the screen
        driver.find_element(By.CSS_SELECTOR, f".ops-item[data-id='{item}']").click()
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "ops-item-state"))
        assert state_shown(driver) == "NEW" and "3幢楼道堆物需清理" in body_text(driver)
        click(driver, "ops-dispatch")  # without an assignee: refused in the page, naming what is missing
        WebDriverWait(driver, WAIT).until(lambda d: "请选择组织或填写账号" in d.find_element(By.ID, "ops-action-error").text)
        driver.find_element(By.ID, "ops-username").send_keys("changqing-worker")
        driver.find_element(By.ID, "ops-note").send_keys("请社区先行处理")
        click(driver, "ops-dispatch")
        WebDriverWait(driver, WAIT).until(lambda d: state_shown(d) == "DISPATCHED")
        assert "changqing-worker" in driver.find_element(By.ID, "ops-item-assignee").text
        click(driver, "ops-accept")
        WebDriverWait(driver, WAIT).until(lambda d: state_shown(d) == "ACCEPTED")
        Select(driver.find_element(By.ID, "ops-outcome")).select_by_value("FIXED")
        driver.find_element(By.ID, "ops-note").send_keys("杂物已清理")
        click(driver, "ops-resolve")
        WebDriverWait(driver, WAIT).until(lambda d: state_shown(d) == "RESOLVED")
        assert [step.get_attribute("data-action") for step in driver.find_elements(By.CSS_SELECTOR, "#ops-timeline [data-action]")] == ["open", "dispatch", "accept", "resolve"]
        assert "杂物已清理" in body_text(driver)
        assert axe_violations(driver) == []
        screenshot(driver, "worker-work-item")

        # the resident rates it: the open page follows live
        rated = graphql(server, owner, RATE, {"input": {"id": item, "rating": "SATISFIED"}})["rateWorkItem"]
        assert rated == {"workItem": {"state": "CONFIRMED", "rating": "SATISFIED"}, "errors": []}
        WebDriverWait(driver, WAIT).until(lambda d: state_shown(d) == "CONFIRMED")
        assert not driver.find_elements(By.ID, "ops-actions-title")

        # another appeal is dispatched to the property company and then closed by the worker
        other = raise_appeal(server, owner, "小区门口路灯不亮")
        driver.get(f"{server.url}/app/changqing/w/inbox/{other}")
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#ops-organisation option:nth-child(2)"))
        choice = Select(driver.find_element(By.ID, "ops-organisation"))
        company = next(option.text for option in choice.options if "物业" in option.text)
        choice.select_by_visible_text(company)
        click(driver, "ops-dispatch")
        WebDriverWait(driver, WAIT).until(lambda d: company in d.find_element(By.ID, "ops-item-assignee").text)
        driver.find_element(By.ID, "ops-note").send_keys("已与业主沟通，转市政处理")
        click(driver, "ops-close")
        WebDriverWait(driver, WAIT).until(lambda d: state_shown(d) == "CLOSED")
        closed = graphql(server, token_of(server, "changqing-worker"), "query($id: ID!) { workItem(id: $id) { state closed assigneeOrganisationName } }", {"id": other})
        assert closed["workItem"] == {"state": "CLOSED", "closed": True, "assigneeOrganisationName": company}
        assert csp_violations(driver) == []


def test_a_grid_worker_sees_their_inbox_with_sla_labels_and_a_new_item_of_their_grid_arrives_live(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, "changqing-grid", path="w/inbox")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".ops-item") or d.find_elements(By.ID, "ops-inbox-empty"))
        assert not browser.find_elements(By.ID, "ops-inbox-tabs")  # no "all" for a grid worker
        before = {row["id"] for row in inbox_rows(browser)}
        assert all(row["sla"] in SLA_LABELS for row in inbox_rows(browser))

        async def open_in_grid(kernel):  # as a plugin would, in a building of the grid worker's grid
            from sqlalchemy import select

            from jiedao.api.domain import street_transaction
            from jiedao.api.work import WorkSource, open_work_item
            from jiedao.core.identity.models import User
            from jiedao.core.work.people import buildings_of_grids_of

            async with street_transaction(kernel, "changqing") as session:
                user = await session.scalar(select(User.id).where(User.username == "changqing-grid"))
                building = await session.scalar(buildings_of_grids_of(user).limit(1))
                item = await open_work_item(session, subject="Inspection:ops-test", title="消防通道被占用", category="inspection",
                                            source=WorkSource.INSPECTION, building_id=building)
                return item.id

        browser.execute_script("window.__stillHere = true")
        server.call(open_in_grid)
        WebDriverWait(browser, WAIT).until(lambda d: "消防通道被占用" in {row["title"] for row in inbox_rows(d)})
        assert browser.execute_script("return window.__stillHere") is True
        assert len({row["id"] for row in inbox_rows(browser)} - before) == 1
        assert csp_violations(browser) == []


def test_a_property_company_member_receives_its_dispatched_appeal_live_and_handles_it(second_browser, demo_database):
    driver = second_browser
    with UvicornServer(demo_streets(), demo_database) as server:
        wuye, worker, owner = (token_of(server, name) for name in ("changqing-wuye", "changqing-worker", "changqing-owner1"))
        [company] = [acting["organisation"] for acting in graphql(server, wuye, "query { me { organisations { organisation { id name } } } }")["me"]["organisations"]]
        log_in(driver, server, "changqing-wuye", path="w/inbox")
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "ops-inbox-count"))
        item = raise_appeal(server, owner, "地下车库积水")
        dispatch = "mutation($input: AssignWorkItemInput!) { dispatchWorkItem(input: $input) { errors { message } } }"
        assert graphql(server, worker, dispatch, {"input": {"id": item, "organisationId": company["id"]}})["dispatchWorkItem"]["errors"] == []
        WebDriverWait(driver, WAIT).until(lambda d: any(row["id"] == item for row in inbox_rows(d)))  # live, for its organisation
        driver.find_element(By.CSS_SELECTOR, f".ops-item[data-id='{item}']").click()
        WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "ops-item-state"))
        assert not driver.find_elements(By.ID, "ops-dispatch") and not driver.find_elements(By.ID, "ops-close")  # staff steps only
        click(driver, "ops-accept")
        WebDriverWait(driver, WAIT).until(lambda d: state_shown(d) == "ACCEPTED")
        driver.find_element(By.ID, "ops-note").send_keys("已安排抽水泵")
        click(driver, "ops-start")
        WebDriverWait(driver, WAIT).until(lambda d: state_shown(d) == "IN_PROGRESS")
        assert "已安排抽水泵" in driver.find_element(By.ID, "ops-timeline").text  # the progress note
        assert "changqing-wuye" in driver.find_element(By.ID, "ops-timeline").text
        assert csp_violations(driver) == []


def test_a_resident_opening_the_worker_screens_is_told_they_may_not(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, "changqing-owner1", path="w/inbox")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "ops-forbidden"))
        assert "没有权限" in browser.find_element(By.ID, "ops-forbidden").text
        assert not browser.find_elements(By.CSS_SELECTOR, ".ops-item")
        browser.get(f"{server.url}/app/changqing/w/alarms")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "ops-forbidden"))
        assert axe_violations(browser) == []
        assert csp_violations(browser) == []


def publish_smoke(broker, device_id: str) -> None:
    """Publish one smoke reading as ``device_id`` to the broker (as the detector would)."""
    import aiomqtt

    async def send():
        async with aiomqtt.Client(broker.host, broker.port, identifier=f"ops-test-{time.monotonic_ns()}") as device:
            await device.publish(f"jiedao/changqing/devices/{device_id}/telemetry", json.dumps({"smoke": 1}).encode(), qos=1)

    asyncio.run(send())


def test_a_grid_worker_acknowledges_and_clears_a_live_alarm_pushed_over_mqtt(browser, demo_database, mqtt_broker, monkeypatch):
    monkeypatch.setenv("JIEDAO_MQTT_URL", mqtt_broker.url)
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        grid = token_of(server, "changqing-grid")
        devices = graphql(server, grid, "query { devices(first: 100, kind: SMOKE_DETECTOR) { edges { node { deviceId openAlarms { type } } } } }")
        device = next(edge["node"]["deviceId"] for edge in devices["devices"]["edges"] if not edge["node"]["openAlarms"])
        log_in(browser, server, "changqing-grid", path="w/alarms")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "ops-alarms-count"))
        assert not browser.find_elements(By.CSS_SELECTOR, f".ops-alarm[data-device='{device}']")
        browser.execute_script("window.__stillHere = true")
        deadline = time.monotonic() + 60
        while not browser.find_elements(By.CSS_SELECTOR, f".ops-alarm[data-device='{device}']"):  # until ingestion is connected
            assert time.monotonic() < deadline, "the alarm never appeared in the page"
            publish_smoke(mqtt_broker, device)
            try:
                WebDriverWait(browser, 2).until(lambda d: d.find_elements(By.CSS_SELECTOR, f".ops-alarm[data-device='{device}']"))
            except Exception:  # noqa: BLE001 - publish again
                pass
        assert browser.execute_script("return window.__stillHere") is True  # live, not reloaded
        row = browser.find_element(By.CSS_SELECTOR, f".ops-alarm[data-device='{device}']")
        assert row.get_attribute("data-status") == "ACTIVE_UNACK"
        alarm = row.get_attribute("data-id")
        assert axe_violations(browser) == []
        screenshot(browser, "worker-alarms")

        row.click()
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "ops-alarm-status"))
        assert "涉及住户" in body_text(browser)
        click(browser, "ops-acknowledge")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "ops-alarm-status").get_attribute("data-status") == "ACKNOWLEDGED")
        browser.find_element(By.ID, "ops-comment").send_keys("已到现场，正在排查")
        click(browser, "ops-comment-send")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "ops-comments") and "已到现场" in d.find_element(By.ID, "ops-comments").text)
        click(browser, "ops-clear")  # no outcome yet: the page says which field is missing
        WebDriverWait(browser, WAIT).until(lambda d: "请选择处置结果" in d.find_element(By.ID, "ops-alarm-error").text)
        Select(browser.find_element(By.ID, "ops-alarm-outcome-select")).select_by_value("COOKING_OR_STEAM")
        browser.find_element(By.ID, "ops-alarm-note").send_keys("住户炒菜油烟，已开窗通风")
        assert axe_violations(browser) == []
        screenshot(browser, "worker-alarm")
        click(browser, "ops-clear")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "ops-alarm-status").get_attribute("data-status") == "CLEARED")

        query = "query($id: ID!) { node(id: $id) { ... on Alarm { status outcome acknowledgedBy clearedBy comments { author text } } } }"
        stored = graphql(server, grid, query, {"id": alarm})["node"]
        assert stored == {"status": "CLEARED", "outcome": "COOKING_OR_STEAM", "acknowledgedBy": "changqing-grid", "clearedBy": "changqing-grid",
                          "comments": [{"author": "changqing-grid", "text": "已到现场，正在排查"}]}
        assert csp_violations(browser) == []

