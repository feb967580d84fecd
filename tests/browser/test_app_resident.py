"""The resident screens of the app in a real Chromium against a real uvicorn with the demo, as
the demo owner changqing-owner1: homes with their household and co-owners, notices, voting online
in an open ballot, the turnout and then the result arriving live, raising an appeal and rating it, the home's alarms updated live, emergency contacts,
and the age-friendly mode. The workers' side is played over GraphQL HTTP as the demo's workers.
Every main screen passes axe-core (serious/critical) and its Content-Security-Policy."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from jiedao.core.testing.browser import DEMO_PASSWORD, axe_violations, csp_violations, demo_streets, log_in, screenshot, socket_urls
from jiedao.core.testing.uvicorn_server import UvicornServer

OWNER = "changqing-owner1"


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def open_screen(driver, server, path: str, ready_css: str) -> None:
    """Go to ``/app/changqing/{path}`` in the app and wait until ``ready_css`` shows."""
    driver.get(f"{server.url}/app/changqing/{path}")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ready_css))


def assert_clean(driver) -> None:
    assert axe_violations(driver) == []
    assert csp_violations(driver) == []


def test_the_owner_sees_their_home_and_the_notices_of_their_street(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, OWNER)
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-route="resident-homes"]'))
        menu = {e.get_attribute("data-route") for e in browser.find_elements(By.CSS_SELECTOR, '[data-menu="resident"] [data-route]')}
        assert {"resident-homes", "resident-notices", "resident-ballots", "resident-appeals", "resident-alarms", "resident-contacts"} <= menu
        screenshot(browser, "resident-home")
        browser.find_element(By.CSS_SELECTOR, '[data-route="resident-homes"]').click()
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-unit]"))
        text = body_text(browser)
        assert "1幢 101室" in text and "王马小区" in text and "90.75 平方米" in text
        # the people of the home: owner1 themself (owner), with their household and co-owners
        members = browser.find_elements(By.CSS_SELECTOR, "[data-home-member]")
        assert members and "家庭成员与共有人" in text
        assert any("本人" in m.text and m.get_attribute("data-owner") == "true" for m in members)
        assert all("*" in m.text or not any(c.isdigit() for c in m.text) for m in members), "phones masked"
        assert_clean(browser)
        screenshot(browser, "resident-homes")
        browser.find_element(By.ID, "toggle-language").click()  # complete in English too
        WebDriverWait(browser, 10).until(lambda d: "My homes" in body_text(d))
        assert "1幢, unit 101" in body_text(browser) and "90.75 m²" in body_text(browser)
        browser.find_element(By.ID, "toggle-language").click()
        WebDriverWait(browser, 10).until(lambda d: "我的房屋" in body_text(d))

        open_screen(browser, server, "r/notices", "[data-notice]")
        assert "长庆街道关于开展冬季消防安全检查的公告" in body_text(browser)
        assert_clean(browser)
        screenshot(browser, "resident-notices")
        browser.find_elements(By.CSS_SELECTOR, "[data-notice]")[0].click()
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-notice-body]"))
        assert browser.find_element(By.CSS_SELECTOR, "[data-notice-title]").text == "长庆街道关于开展冬季消防安全检查的公告"
        assert browser.find_element(By.CSS_SELECTOR, "[data-notice-body]").text.strip()
        assert_clean(browser)
        screenshot(browser, "resident-notice")


def graphql_as(server, username: str, query: str, variables: dict | None = None) -> dict:
    """Run ``query`` over HTTP as the demo account ``username`` (a worker's side of a story)."""
    login = httpx.post(f"{server.url}/graphql/changqing", json={"query": LOGIN, "variables": {"u": username, "p": DEMO_PASSWORD}})
    token = login.json()["data"]["login"]["token"]
    body = httpx.post(f"{server.url}/graphql/changqing", json={"query": query, "variables": variables or {}}, headers={"authorization": f"Bearer {token}"}).json()
    assert not body.get("errors"), body
    return body["data"]


LOGIN = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }"


def wait_for(driver, css: str, timeout: float = 30):
    """The first element matching ``css``, once there is one."""
    WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
    return driver.find_element(By.CSS_SELECTOR, css)


def test_the_owner_votes_online_sees_the_turnout_move_and_after_closing_the_result_by_building(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, OWNER, path="r/ballots")
        wait_for(browser, '[data-ballot][data-status="OPEN"]')
        assert_clean(browser)
        screenshot(browser, "resident-ballots")
        browser.find_element(By.CSS_SELECTOR, '[data-ballot][data-status="OPEN"]').click()
        turnout = wait_for(browser, "[data-turnout-owners]")
        before = int(turnout.get_attribute("data-participating"))
        assert "您尚未投票" in body_text(browser)
        assert_clean(browser)
        screenshot(browser, "resident-ballot-open")
        ballot_url = browser.current_url

        browser.find_element(By.ID, "vote-agree").click()
        wait_for(browser, ".vote-confirm .van-dialog__confirm").click()
        wait_for(browser, "[data-voted]")
        WebDriverWait(browser, 30).until(lambda d: int(d.find_element(By.CSS_SELECTOR, "[data-turnout-owners]").get_attribute("data-participating")) == before + 1)
        assert "通过网上投票：同意" in browser.find_element(By.CSS_SELECTOR, "[data-voted]").text
        assert not browser.find_elements(By.ID, "vote-agree")  # one vote per owner group

        ballot_id = ballot_url.rsplit("/", 1)[1]
        # live: staff record a neighbour's paper ballot, then close the ballot — the open page
        # shows the result with the turnout, without a reload (ballotChanged; a resident hears
        # of no single vote: its step in the turnout would say which home just voted)
        browser.execute_script("window.__notReloaded = true")
        WebDriverWait(browser, 30).until(lambda d: server.call(_ballot_listeners) > 0)
        record_paper_vote(server, ballot_id)

        async def close(kernel):  # the voting period is over and the convenor closes it (closeBallot)
            from jiedao.api import now
            from jiedao.api.graphql import decode_id_of
            from jiedao.plugins.deliberation import service
            from jiedao.plugins.deliberation.models import Ballot

            street_id = kernel.street_id("changqing")
            async with kernel.db.transaction(street_id) as session:
                ballot = await session.get(Ballot, decode_id_of(ballot_id, "Ballot"))
                ballot.closes_at = now() - timedelta(minutes=1)
                await session.flush()
                await service.close_ballot(session, street_id, ballot.id)

        server.call(close)
        wait_for(browser, "[data-result]")
        assert browser.execute_script("return window.__notReloaded") is True  # the same page, updated in place
        assert int(browser.find_element(By.CSS_SELECTOR, "article[data-changes]").get_attribute("data-changes")) >= 1
        assert browser.find_element(By.CSS_SELECTOR, "[data-ballot-status]").text == "已结束"
        rows = browser.find_elements(By.CSS_SELECTOR, "[data-by-building] [data-building]")
        assert rows and any("1幢" in row.text for row in rows)
        assert "同意：" in body_text(browser) and not browser.find_elements(By.CSS_SELECTOR, "[data-turnout]")
        # the page was not reloaded: the vote's success toast (a Vant dialog without a name) goes first
        WebDriverWait(browser, 30).until(lambda d: not any(e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, ".van-toast")))
        assert_clean(browser)
        screenshot(browser, "resident-ballot-result")
        browser.find_element(By.CSS_SELECTOR, "[data-result-notice]").click()  # the published result (公示)
        notice = wait_for(browser, "[data-notice-body]")
        assert "门禁" in browser.find_element(By.CSS_SELECTOR, "[data-notice-title]").text and "1幢" in notice.text


def test_the_owner_raises_an_appeal_follows_it_and_rates_the_result(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, OWNER, path="r/appeals")
        wait_for(browser, "#raise-appeal").click()
        wait_for(browser, "#appeal-submit").click()  # nothing written yet: the form says what is missing
        assert wait_for(browser, "[data-form-error]").text == "请填写标题"
        browser.find_element(By.ID, "appeal-title").send_keys("楼道灯不亮")
        browser.find_element(By.ID, "appeal-description").send_keys("1单元三楼楼道灯坏了一周，晚上看不清台阶。")
        assert_clean(browser)
        screenshot(browser, "resident-appeal-new")
        browser.find_element(By.ID, "appeal-submit").click()
        state = wait_for(browser, "[data-appeal-state]")
        assert state.text == "待派单"
        item_id = browser.current_url.rsplit("/", 1)[1]

        # the street dispatches it to the grid worker, who takes it on and resolves it
        step = "mutation($id: ID!) { %s(input: {id: $id%s}) { workItem { state } errors { message } } }"
        graphql_as(server, "changqing-worker", step % ("dispatchWorkItem", ', assigneeUsername: "changqing-grid"'), {"id": item_id})
        for action, extra in (("acceptWorkItem", ""), ("startWorkItem", ""), ("resolveWorkItem", ', note: "已更换楼道灯", outcome: FIXED')):
            answer = graphql_as(server, "changqing-grid", step % (action, extra), {"id": item_id})
            assert next(iter(answer.values()))["errors"] == []

        browser.get(f"{server.url}/app/changqing/r/appeals/{item_id}")
        WebDriverWait(browser, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-appeal-state]").text == "待评价")
        actions = [e.get_attribute("data-action") for e in browser.find_elements(By.CSS_SELECTOR, "[data-timeline] [data-action]")]
        assert actions == ["resolve", "start", "accept", "dispatch", "open"]  # newest first
        assert "已更换楼道灯" in body_text(browser)
        assert_clean(browser)
        screenshot(browser, "resident-appeal-rate")
        browser.find_element(By.CSS_SELECTOR, '[data-rating="BASICALLY_SATISFIED"]').click()
        browser.find_element(By.ID, "rate-submit").click()
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-my-rating][data-rating="BASICALLY_SATISFIED"]'))
        assert browser.find_element(By.CSS_SELECTOR, "[data-appeal-state]").text == "已办结"
        stored = graphql_as(server, "changqing-worker", "query($id: ID!) { workItem(id: $id) { state rating raisedBy { name } } }", {"id": item_id})
        assert stored["workItem"]["state"] == "CONFIRMED" and stored["workItem"]["rating"] == "BASICALLY_SATISFIED"

        browser.get(f"{server.url}/app/changqing/r/appeals")
        assert wait_for(browser, f'[data-item="{item_id}"]').get_attribute("data-state") == "CONFIRMED"
        assert_clean(browser)
        screenshot(browser, "resident-appeals")


async def _ballot_listeners(kernel) -> int:
    """How many subscribers changqing's ballot feed has (the page's ballotChanged)."""
    from jiedao.plugins.deliberation.graphql.live import ballot_feed

    return ballot_feed(kernel).listeners(kernel.street_id("changqing"))


def record_paper_vote(server, ballot_id: str) -> None:
    """A community worker records a PAPER vote (AGREE) for a unit of the ballot that has not voted."""
    worker = "changqing-worker"
    buildings = graphql_as(server, worker, "query($id: ID!) { ballot(id: $id) { buildings { id } } }", {"id": ballot_id})["ballot"]["buildings"]
    for building in buildings:
        units = graphql_as(server, worker, """query($b: ID!) { units(first: 100, buildingId: $b) { edges { node { id
            ballots { ballot { id } vote { channel } } } } } }""", {"b": building["id"]})["units"]["edges"]
        for edge in units:
            entries = [e for e in edge["node"]["ballots"] if e["ballot"]["id"] == ballot_id]
            if entries and entries[0]["vote"] is None:
                answer = graphql_as(server, worker, """mutation($b: ID!, $u: ID!) {
                  recordVote(input: {ballotId: $b, unitId: $u, choice: AGREE, channel: PAPER}) { errors { code message } } }""",
                                    {"b": ballot_id, "u": edge["node"]["id"]})
                assert answer["recordVote"]["errors"] == []
                return
    raise AssertionError("no unit of the ballot is left to vote")


def test_the_home_alarm_screen_shows_a_workers_acknowledgement_without_reloading(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:

        async def leak(kernel):  # the meter box serving owner1's flat reports a leak, as the ingester hands it over
            from jiedao.api import now
            from jiedao.plugins.sensors.ingest import store
            from jiedao.plugins.sensors.service.payloads import Address
            from jiedao.plugins.sensors.service.store import Inbound

            topic = "jiedao/changqing/devices/EM-0001/telemetry"
            await store(kernel, "changqing", [Inbound(Address("changqing", "EM-0001", "telemetry"), topic, json.dumps({"residual_current": 420}).encode(), now())])

        server.call(leak)
        log_in(browser, server, OWNER, path="r/alarms")
        card = wait_for(browser, '[data-alarm-type="RESIDUAL_CURRENT"]')
        assert card.get_attribute("data-alarm-status") == "ACTIVE_UNACK" and "待处理" in card.text
        devices = [e.get_attribute("data-device-kind") for e in browser.find_elements(By.CSS_SELECTOR, "[data-devices] [data-device-kind]")]
        assert devices == ["ELECTRIC_MONITOR"] and "电表箱监测" in body_text(browser)  # the meter box of owner1's floor
        assert_clean(browser)
        screenshot(browser, "resident-alarms")
        WebDriverWait(browser, 30).until(lambda d: any("/graphql/changqing" in url for url in socket_urls(d)))
        marker = browser.execute_script("window.__notReloaded = true; return window.__notReloaded")
        assert marker is True

        alarms = graphql_as(server, "changqing-grid", "{ alarms(first: 100) { edges { node { id status device { deviceId } } } } }")
        (alarm_id,) = [e["node"]["id"] for e in alarms["alarms"]["edges"] if e["node"]["device"]["deviceId"] == "EM-0001"]

        def acknowledge_once_listening(driver) -> bool:
            # the page's subscription is registered once the server's feed has a listener
            listeners = server.call(_listeners)
            if not listeners:
                return False
            answer = graphql_as(server, "changqing-grid", 'mutation($id: ID!) { acknowledgeAlarm(input: {alarmId: $id, note: "已到现场"}) { errors { code } } }', {"id": alarm_id})
            assert answer["acknowledgeAlarm"]["errors"] == []
            return True

        WebDriverWait(browser, 30).until(acknowledge_once_listening)
        WebDriverWait(browser, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-alarm-type="RESIDUAL_CURRENT"]').get_attribute("data-alarm-status") == "ACKNOWLEDGED")
        assert browser.execute_script("return window.__notReloaded") is True  # the same page, updated in place
        card = browser.find_element(By.CSS_SELECTOR, '[data-alarm-type="RESIDUAL_CURRENT"]')
        assert "工作人员已响应" in card.text
        assert_clean(browser)


async def _listeners(kernel) -> int:
    """How many subscribers changqing's alarm feed has (the page's homeAlarmChanged)."""
    return kernel.state("sensors").feed.listeners(kernel.street_id("changqing"))


def test_the_age_friendly_mode_enlarges_the_text_of_the_resident_screens(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, OWNER, path="r/homes")
        title = wait_for(browser, "[data-unit] .van-cell__title")
        size = lambda: float(browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)", browser.find_element(By.CSS_SELECTOR, "[data-unit] .van-cell__title")))
        standard = size()
        browser.find_element(By.ID, "toggle-elder").click()
        WebDriverWait(browser, 10).until(lambda d: size() >= 20)
        assert size() > standard
        assert_clean(browser)
        screenshot(browser, "resident-homes-elder")
        # the other main screens keep large type too
        open_screen(browser, server, "r/ballots", "[data-ballot]")
        ballot_title = browser.find_element(By.CSS_SELECTOR, "[data-ballot] .van-cell__title")
        assert float(browser.execute_script("return parseFloat(getComputedStyle(arguments[0]).fontSize)", ballot_title)) >= 20
        assert_clean(browser)
        screenshot(browser, "resident-ballots-elder")


def test_the_owner_sees_the_emergency_contacts_their_grid_worker_recorded_masked(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, OWNER, path="r/contacts")
        wait_for(browser, "[data-ask-worker]")
        assert "尚未登记紧急联系人" in body_text(browser)
        assert not browser.find_elements(By.ID, "contacts-edit")  # residents may not write them (core.resident.contacts.write)
        resident = graphql_as(server, OWNER, "{ me { resident { id } } }")["me"]["resident"]["id"]
        saved = graphql_as(
            server, "changqing-grid",
            "mutation($input: SetEmergencyContactsInput!) { setEmergencyContacts(input: $input) { errors { field message } } }",
            {"input": {"residentId": resident, "contacts": [{"name": "杨小红", "relation": "女儿", "phone": "13900001234"}]}},
        )
        assert saved["setEmergencyContacts"]["errors"] == []
        browser.refresh()
        contact = wait_for(browser, '[data-contact="1"]')
        assert "杨小红（女儿）" in contact.text and "139****1234" in contact.text and "13900001234" not in body_text(browser)
        assert_clean(browser)
        screenshot(browser, "resident-contacts")
