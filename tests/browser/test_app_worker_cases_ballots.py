"""The worker console's owners'-vote screens in a real Chromium against a real uvicorn with the
demo: community staff (changqing-worker) record a PROXY vote with the written authorisation
(a file picked in the browser) and a PAPER vote with its scan on the open EV-charger ballot;
the turnout in the UI and through GraphQL counts them, and bad input names its field; a vote
recorded in another session shows on the open ballot without a reload (ballotChanged)."""

from __future__ import annotations

import base64

import httpx
from selenium.common.exceptions import ElementClickInterceptedException, ElementNotInteractableException, NoSuchElementException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from jiedao.core.testing.browser import DEMO_PASSWORD, axe_violations, csp_violations, demo_streets, log_in, screenshot
from jiedao.core.testing.uvicorn_server import UvicornServer

VALID_ID_CARD = "11010519491231002X"  # the example of GB 11643-1999, a correct check digit
BAD_ID_CARD = "110105194912310021"  # the same with a wrong check digit
# the smallest PNG (1×1) and a tiny PDF, as an owner's scan would arrive
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def graphql(server, username: str, query: str, variables: dict | None = None) -> dict:
    """Run ``query`` as the demo account ``username`` through the public endpoint."""
    url = f"{server.url}/graphql/changqing"
    login = httpx.post(url, json={"query": "mutation($i: LoginInput!){ login(input: $i) { token } }", "variables": {"i": {"username": username, "password": DEMO_PASSWORD}}})
    token = login.json()["data"]["login"]["token"]
    answer = httpx.post(url, json={"query": query, "variables": variables or {}}, headers={"authorization": f"Bearer {token}"}, timeout=60)
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


def wait(driver, condition, seconds: float = 30):
    return WebDriverWait(driver, seconds).until(condition)


def click(driver, selector: str) -> None:
    """Click ``selector`` once it takes the click (the bottom sheet slides in first)."""

    def attempt(d):
        try:
            d.find_element(By.CSS_SELECTOR, selector).click()
            return True
        except (ElementClickInterceptedException, ElementNotInteractableException, NoSuchElementException):
            return False

    wait(driver, attempt)


def assert_accessible(driver) -> None:
    found = axe_violations(driver)
    assert not found, "\n".join(found)


def voted(driver) -> int:
    return int(driver.find_element(By.ID, "turnout-owners").get_attribute("data-voted"))


def open_record_form(driver) -> str:
    """Press 'record' on the first unit still to vote; returns the unit's number."""
    row = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "li[data-voted=''] [data-action=record-vote]"))[0]
    unit = row.find_element(By.XPATH, "./ancestor::li[1]")
    number = unit.get_attribute("data-unit-number")
    row.click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-form=record-vote]"))
    return number


def test_staff_record_a_proxy_and_a_paper_vote_and_the_turnout_counts_them(browser, demo_database, tmp_path):
    authorisation = tmp_path / "授权委托书.pdf"
    authorisation.write_bytes(PDF)
    scan = tmp_path / "paper-ballot.png"
    scan.write_bytes(PNG)
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        log_in(browser, server, "changqing-worker", path="w/ballots")
        ballot = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-ballot][data-status=OPEN]"))[0]
        ballot_id = ballot.get_attribute("data-ballot")
        assert "电动自行车充电桩选址征询" in ballot.text
        assert_accessible(browser)
        screenshot(browser, "worker-ballots")
        ballot.click()
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li[data-unit]"))
        before = voted(browser)

        # a proxy vote: no authorisation picked → the form names the missing document
        proxy_unit = open_record_form(browser)
        click(browser, "[data-channel=PROXY]")
        browser.find_element(By.ID, "vote-proxy-name").send_keys("王建国")
        browser.find_element(By.ID, "vote-proxy-idcard").send_keys(BAD_ID_CARD)
        browser.find_element(By.CSS_SELECTOR, "[data-action=submit-vote]").click()
        error = wait(browser, lambda d: d.find_elements(By.ID, "vote-error"))[0]
        assert "授权委托书" in error.text
        # a bad ID card: the server refuses it and the message names the field
        browser.find_element(By.ID, "vote-document").send_keys(str(authorisation))
        browser.find_element(By.CSS_SELECTOR, "[data-action=submit-vote]").click()
        wait(browser, lambda d: "受托人身份证号" in d.find_element(By.ID, "vote-error").text)
        assert voted(browser) == before
        assert_accessible(browser)
        screenshot(browser, "worker-ballot-proxy-error")
        # corrected: recorded, the form closes, the unit shows the proxy with a masked ID card
        field = browser.find_element(By.ID, "vote-proxy-idcard")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.BACKSPACE)  # as a person does (clear() bypasses the input event)
        field.send_keys(VALID_ID_CARD)
        browser.find_element(By.CSS_SELECTOR, "[data-action=submit-vote]").click()
        wait(browser, lambda d: voted(d) == before + 1)
        assert f"已为 {proxy_unit} 室录入投票" in browser.find_element(By.CSS_SELECTOR, "[data-status-line]").text
        row = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"li[data-unit-number='{proxy_unit}'][data-voted=PROXY]"))[0]
        assert "王建国" in row.text and "110105********002X" in row.text and VALID_ID_CARD not in row.text
        assert "授权委托书.pdf" in row.text

        # a paper vote with the scanned ballot
        paper_unit = open_record_form(browser)
        click(browser, "[data-choice=OPPOSE]")
        browser.find_element(By.ID, "vote-document").send_keys(str(scan))
        browser.find_element(By.CSS_SELECTOR, "[data-action=submit-vote]").click()
        wait(browser, lambda d: voted(d) == before + 2)
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"li[data-unit-number='{paper_unit}'][data-voted=PAPER]"))
        wait(browser, lambda d: not any(e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, ".van-popup")))
        assert "已投票业主" in browser.find_element(By.ID, "turnout-owners").text
        assert_accessible(browser)
        assert csp_violations(browser) == []
        screenshot(browser, "worker-ballot")

        # the API agrees: turnout counts both, the documents are kept with the votes
        data = graphql(server, "changqing-worker", "query($id: ID!){ ballot(id: $id) { turnout { participatingOwners } buildings { id } } }", {"id": ballot_id})
        assert data["ballot"]["turnout"]["participatingOwners"] == before + 2
        building = data["ballot"]["buildings"][0]["id"]
        units = graphql(server, "changqing-worker", """query($b: ID!){ units(first: 50, buildingId: $b) { edges { node { number
            ballots { ballot { id } vote { channel proxy { name idCardMasked } attachment { name contentType size } } } } } } }""", {"b": building})
        votes = {
            edge["node"]["number"]: next(entry["vote"] for entry in edge["node"]["ballots"] if entry["ballot"]["id"] == ballot_id)
            for edge in units["units"]["edges"] if any(entry["ballot"]["id"] == ballot_id for entry in edge["node"]["ballots"])
        }
        assert votes[proxy_unit]["channel"] == "PROXY"
        assert votes[proxy_unit]["proxy"] == {"name": "王建国", "idCardMasked": "110105********002X"}
        assert votes[proxy_unit]["attachment"] == {"name": "授权委托书.pdf", "contentType": "application/pdf", "size": len(PDF)}
        assert votes[paper_unit]["channel"] == "PAPER"
        assert votes[paper_unit]["attachment"]["size"] == len(PNG)


def test_a_closed_ballot_shows_its_result_and_takes_no_more_votes(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        ballots = graphql(server, "changqing-worker", "{ ballots(status: CLOSED) { edges { node { id title result { passed agreeOwners } } } } }")["ballots"]["edges"]
        closed = ballots[0]["node"]
        log_in(browser, server, "changqing-worker", path="w/ballots")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-ballot='{closed['id']}']"))[0].click()
        result = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-result]"))[0]
        assert ("通过" if closed["result"]["passed"] else "未通过") in result.text
        assert f"同意 {closed['result']['agreeOwners']} 户" in result.text
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li[data-unit]"))
        assert not browser.find_elements(By.CSS_SELECTOR, "[data-action=record-vote]")
        assert_accessible(browser)
        assert csp_violations(browser) == []


RECORD_PAPER = """mutation($b: ID!, $u: ID!) {
  recordVote(input: {ballotId: $b, unitId: $u, choice: AGREE, channel: PAPER}) { errors { code field message } }
}"""


async def _ballot_listeners(kernel) -> int:
    """How many subscribers changqing's ballot feed has (an open page's ballotChanged)."""
    from jiedao.plugins.deliberation.graphql.live import ballot_feed

    return ballot_feed(kernel).listeners(kernel.street_id("changqing"))


def test_a_vote_recorded_elsewhere_shows_on_the_open_ballot_without_reloading(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database, background=True) as server:
        log_in(browser, server, "changqing-worker", path="w/ballots")
        ballot = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-ballot][data-status=OPEN]"))[0]
        ballot_id = ballot.get_attribute("data-ballot")
        ballot.click()
        unit = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li[data-unit][data-voted='']"))[0]
        unit_id, number = unit.get_attribute("data-unit"), unit.get_attribute("data-unit-number")
        before = voted(browser)
        assert browser.find_element(By.CSS_SELECTOR, "[data-live]").get_attribute("data-changes") == "0"
        assert not browser.find_elements(By.CSS_SELECTOR, "[data-action=refresh]"), "the live screen needs no refresh button"
        browser.execute_script("window.__notReloaded = true")
        wait(browser, lambda d: server.call(_ballot_listeners) > 0)  # the page's subscription is listening

        # another member of staff records a paper ballot for that unit (a second session)
        answer = graphql(server, "changqing-worker", RECORD_PAPER, {"b": ballot_id, "u": unit_id})
        assert answer["recordVote"]["errors"] == []
        wait(browser, lambda d: voted(d) == before + 1)
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"li[data-unit-number='{number}'][data-voted=PAPER]"))
        assert int(browser.find_element(By.CSS_SELECTOR, "[data-live]").get_attribute("data-changes")) >= 1
        assert browser.execute_script("return window.__notReloaded") is True  # the same page, updated in place
        assert_accessible(browser)
