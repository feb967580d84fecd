"""The worker console's mediation and task-force screens in a real Chromium against a real
uvicorn with the demo: changqing-mediator records a session of a case in mediation and sees it
in the timeline, opens an agreement PDF fetched with the bearer header (never in a URL); the
东清大厦 task force's findings are grouped by department; a resident is told they may not. A
session or a finding recorded by another worker shows on the open screen without a reload."""

from __future__ import annotations

import json

import httpx
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from jiedao.core.testing.browser import DEMO_PASSWORD, axe_violations, csp_violations, demo_streets, log_in, screenshot, socket_urls
from jiedao.core.testing.uvicorn_server import UvicornServer

CASES = "{ mediationCases(first: 100) { edges { node { id title documentNumber state mediatorUsername agreement { inEffect } sessions { notes } } } } }"


def graphql(server, username: str, query: str, variables: dict | None = None) -> dict:
    """Run ``query`` as the demo account ``username`` through the public endpoint."""
    url = f"{server.url}/graphql/changqing"
    login = httpx.post(url, json={"query": "mutation($i: LoginInput!){ login(input: $i) { token } }", "variables": {"i": {"username": username, "password": DEMO_PASSWORD}}})
    token = login.json()["data"]["login"]["token"]
    body = httpx.post(url, json={"query": query, "variables": variables or {}}, headers={"authorization": f"Bearer {token}"}, timeout=60).json()
    assert "errors" not in body, body
    return body["data"]


def wait(driver, condition, seconds: float = 30):
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def assert_accessible(driver) -> None:
    found = axe_violations(driver)
    assert not found, "\n".join(found)


def test_the_mediator_records_a_session_and_opens_the_agreement_pdf(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        cases = [edge["node"] for edge in graphql(server, "changqing-mediator", CASES)["mediationCases"]["edges"]]
        mine = [case for case in cases if case["mediatorUsername"] == "changqing-mediator"]
        in_mediation = next(case for case in mine if case["state"] == "IN_MEDIATION")
        agreed = next(case for case in mine if case["agreement"] and case["agreement"]["inEffect"])

        log_in(browser, server, "changqing-mediator", path="w/mediation")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-case='{in_mediation['id']}']"))
        assert_accessible(browser)
        screenshot(browser, "worker-mediation")
        Select(browser.find_element(By.ID, "case-state-filter")).select_by_value("IN_MEDIATION")
        wait(browser, lambda d: {e.get_attribute("data-state") for e in d.find_elements(By.CSS_SELECTOR, "[data-case]")} == {"IN_MEDIATION"})
        row = browser.find_element(By.CSS_SELECTOR, f"[data-case='{in_mediation['id']}']")
        assert in_mediation["documentNumber"].startswith("（") and in_mediation["documentNumber"] in row.text  # 案号, as documents print it
        row.click()

        # a session: recorded, announced and in the timeline
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-form=session]"))
        assert in_mediation["title"] in browser.find_element(By.CSS_SELECTOR, "[data-case-title]").text
        assert browser.find_element(By.CSS_SELECTOR, "main [data-case-number]").text == in_mediation["documentNumber"]
        sessions = len(browser.find_elements(By.CSS_SELECTOR, "[data-timeline] [data-step=session]"))
        browser.find_element(By.ID, "session-participants").send_keys("申请人、被申请人、小李")
        browser.find_element(By.ID, "session-notes").send_keys("双方同意由物业恢复绿地原状")
        browser.find_element(By.CSS_SELECTOR, "[data-action=record-session]").click()
        wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-timeline] [data-step=session]")) == sessions + 1)
        assert "双方同意由物业恢复绿地原状" in browser.find_element(By.CSS_SELECTOR, "[data-timeline]").text
        assert "已记录会谈" in browser.find_element(By.CSS_SELECTOR, "[data-status-line]").text
        assert_accessible(browser)
        screenshot(browser, "worker-case")
        after = {case["id"]: case for case in (edge["node"] for edge in graphql(server, "changqing-mediator", CASES)["mediationCases"]["edges"])}
        assert "双方同意由物业恢复绿地原状" in [s["notes"] for s in after[in_mediation["id"]]["sessions"]]

        # the agreement PDF: fetched with the Authorization header, handed out as a blob
        browser.get(f"{server.url}/app/changqing/w/mediation/{agreed['id']}")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-action=open-agreement]"))
        signatures = browser.find_element(By.CSS_SELECTOR, "[data-signatures]").text
        assert "未签" not in signatures and "已盖章" in signatures
        handles = set(browser.window_handles)
        browser.find_element(By.CSS_SELECTOR, "[data-action=open-agreement]").click()
        link = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "a[data-pdf=agreement]"))[0]
        assert link.get_attribute("href").startswith("blob:")
        assert int(link.get_attribute("data-pdf-size")) > 1000
        for handle in set(browser.window_handles) - handles:  # the PDF's tab
            browser.switch_to.window(handle)
            browser.close()
        browser.switch_to.window(next(iter(handles)))
        token = json.loads(browser.execute_script("return localStorage.getItem('jiedao.app.changqing.session')"))["token"]
        fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert any(url.endswith(f"/cases/{agreed['id']}/agreement.pdf") or "agreement.pdf" in url for url in fetched)
        assert not [url for url in [*fetched, *socket_urls(browser), browser.current_url] if token in url]
        assert_accessible(browser)
        assert csp_violations(browser) == []


def test_task_force_findings_are_grouped_by_department(browser, second_browser, demo_database):
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        forces = graphql(server, "changqing-grid", "{ taskForces { id name departments progress { department total verified overdue } } }")["taskForces"]
        force = forces[0]
        totals: dict[str, dict[str, int]] = {}
        for row in force["progress"]:
            sums = totals.setdefault(row["department"], {"total": 0, "verified": 0})
            sums["total"] += row["total"]
            sums["verified"] += row["verified"]
        log_in(browser, server, "changqing-grid", path="w/taskforces")
        section = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-taskforce='{force['id']}']"))[0]
        assert force["name"] in section.text
        for department, sums in totals.items():
            group = section.find_element(By.CSS_SELECTOR, f"[data-department={department}]")
            assert int(group.get_attribute("data-total")) == sums["total"]
            assert f"已验收 {sums['verified']}" in group.text
        assert "综合执法" in section.text and "消防" in section.text
        largest = max(totals, key=lambda d: totals[d]["total"])
        group = section.find_element(By.CSS_SELECTOR, f"[data-department={largest}]")
        group.find_element(By.CSS_SELECTOR, "[data-action=toggle-findings]").click()
        wait(browser, lambda d: len(group.find_elements(By.CSS_SELECTOR, "[data-finding]")) == min(50, totals[largest]["total"]))
        statuses = {e.get_attribute("data-status") for e in group.find_elements(By.CSS_SELECTOR, "[data-finding]")}
        assert statuses <= {"OPEN", "NOTIFIED", "RECTIFIED", "VERIFIED"} and "VERIFIED" in statuses
        assert_accessible(browser)
        assert csp_violations(browser) == []
        screenshot(browser, "worker-taskforces")
        browser.find_element(By.ID, "toggle-language").click()
        wait(browser, lambda d: "Law enforcement" in d.find_element(By.CSS_SELECTOR, f"[data-taskforce='{force['id']}']").text)
        assert f"{totals['LAW_ENFORCEMENT']['verified']} verified" in section.find_element(By.CSS_SELECTOR, "[data-department=LAW_ENFORCEMENT]").text

        # on a desktop screen, as a second person
        log_in(second_browser, server, "changqing-mediator", path="w/taskforces")
        wait(second_browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-department]")) == len(force["departments"]))
        assert_accessible(second_browser)
        screenshot(second_browser, "worker-taskforces-desktop")


def test_a_resident_is_told_they_may_not_open_the_cases_screens(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        log_in(browser, server, "changqing-owner1")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-menu=resident]"))
        assert not browser.find_elements(By.CSS_SELECTOR, "[data-route^=cases-]")  # no menu entry
        for path, permission in (("w/ballots", "deliberation.ballot.manage"), ("w/mediation", "mediation.case.manage"), ("w/taskforces", "mediation.taskforce.read")):
            browser.get(f"{server.url}/app/changqing/{path}")
            note = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-permission-missing]"))[0]
            assert "没有权限" in note.text and permission in note.text
        assert_accessible(browser)
        screenshot(browser, "worker-cases-forbidden")
        # the server refuses the resident too, whatever the page shows
        answer = httpx.post(
            f"{server.url}/graphql/changqing",
            json={"query": "{ taskForces { id } }"},
            headers={"authorization": "Bearer " + json.loads(browser.execute_script("return localStorage.getItem('jiedao.app.changqing.session')"))["token"]},
        ).json()
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_staff_menu_lists_the_cases_screens(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        log_in(browser, server, "changqing-worker")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-menu=worker]"))
        routes = {e.get_attribute("data-route") for e in browser.find_elements(By.CSS_SELECTOR, "[data-menu=worker] [data-route]")}
        assert {"cases-ballots", "cases-mediation", "cases-taskforces"} <= routes
        browser.find_element(By.CSS_SELECTOR, "[data-route=cases-taskforces]").click()
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-department]"))
        assert browser.current_url.endswith("/app/changqing/w/taskforces")


async def _case_listeners(kernel) -> int:
    """How many subscribers changqing's case feed has (an open case's mediationCaseChanged)."""
    from jiedao.plugins.mediation.graphql.live import case_feed

    return case_feed(kernel).listeners(kernel.street_id("changqing"))


async def _task_force_listeners(kernel) -> int:
    """How many subscribers changqing's task-force feed has (the open screen's taskForceChanged)."""
    from jiedao.plugins.mediation.graphql.live import task_force_feed

    return task_force_feed(kernel).listeners(kernel.street_id("changqing"))


def test_a_session_recorded_by_another_worker_shows_on_the_open_case_without_reloading(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        cases = [edge["node"] for edge in graphql(server, "changqing-mediator", CASES)["mediationCases"]["edges"]]
        case = next(c for c in cases if c["mediatorUsername"] == "changqing-mediator" and c["state"] == "IN_MEDIATION")
        log_in(browser, server, "changqing-mediator", path=f"w/mediation/{case['id']}")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-timeline]"))
        sessions = len(browser.find_elements(By.CSS_SELECTOR, "[data-timeline] [data-step=session]"))
        assert not browser.find_elements(By.CSS_SELECTOR, "[data-action=refresh]"), "the live screen needs no refresh button"
        browser.execute_script("window.__notReloaded = true")
        wait(browser, lambda d: server.call(_case_listeners) > 0)

        from jiedao.core.clock import today

        held = {"caseId": case["id"], "heldOn": today().isoformat(), "participants": ["社区工作者"], "notes": "社区工作者上门听取双方意见"}
        answer = graphql(server, "changqing-worker", "mutation($i: RecordMediationSessionInput!) { recordMediationSession(input: $i) { errors { code message } } }", {"i": held})
        assert answer["recordMediationSession"]["errors"] == []
        wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-timeline] [data-step=session]")) == sessions + 1)
        assert "社区工作者上门听取双方意见" in browser.find_element(By.CSS_SELECTOR, "[data-timeline]").text
        assert int(browser.find_element(By.CSS_SELECTOR, "[data-live]").get_attribute("data-changes")) >= 1
        assert browser.execute_script("return window.__notReloaded") is True
        assert_accessible(browser)


def test_a_finding_recorded_by_another_worker_shows_on_the_open_task_forces(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        force = graphql(server, "changqing-grid", "{ taskForces { id progress { department total } } }")["taskForces"][0]
        found = graphql(server, "changqing-grid", "query($id: ID!) { taskForce(id: $id) { findings(first: 1) { edges { node { building { id } } } } } }", {"id": force["id"]})
        building = found["taskForce"]["findings"]["edges"][0]["node"]["building"]["id"]
        fire = sum(row["total"] for row in force["progress"] if row["department"] == "FIRE")
        log_in(browser, server, "changqing-grid", path="w/taskforces")
        section = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-taskforce='{force['id']}']"))[0]
        assert int(section.find_element(By.CSS_SELECTOR, "[data-department=FIRE]").get_attribute("data-total")) == fire
        browser.execute_script("window.__notReloaded = true")
        wait(browser, lambda d: server.call(_task_force_listeners) > 0)

        from datetime import timedelta

        from jiedao.core.clock import today

        finding = {"buildingId": building, "category": "BLOCKED_FIRE_EXIT", "department": "FIRE",
                   "deadline": (today() + timedelta(days=14)).isoformat(), "location": "2楼消防通道"}
        answer = graphql(server, "changqing-worker", "mutation($i: AddFindingsInput!) { addFindings(input: $i) { errors { code message } } }",
                         {"i": {"taskForceId": force["id"], "findings": [finding]}})
        assert answer["addFindings"]["errors"] == []
        wait(browser, lambda d: int(d.find_element(By.CSS_SELECTOR, f"[data-taskforce='{force['id']}'] [data-department=FIRE]").get_attribute("data-total")) == fire + 1)
        assert browser.execute_script("return window.__notReloaded") is True
        assert_accessible(browser)
