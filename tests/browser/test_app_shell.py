"""The app's shell at /app/{street} in a real Chromium against a real uvicorn, as demo accounts:
log-in, the landing page, log-out that forgets everything, a session that expires and a
re-login that keeps the user's place, and a page that loads nothing from outside."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import update

from jiedao.core.identity.models import Token
from selenium.webdriver.support.ui import WebDriverWait

from jiedao.core.testing.browser import DEMO_PASSWORD, csp_violations, demo_streets, log_in
from jiedao.core.testing.uvicorn_server import UvicornServer


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_the_landing_page_links_each_streets_app_graphiql_and_cockpit(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        browser.get(server.url + "/")
        links = {a.get_attribute("href").removeprefix(server.url) for a in browser.find_elements(By.CSS_SELECTOR, "main a")}
        assert {"/app/changqing/", "/graphql/changqing", "/cockpit/changqing", "/app/gongchen/", "/graphql/gongchen"} <= links
        assert "/cockpit/gongchen" not in links  # gongchen does not enable the dashboard
        assert "长庆街道" in body_text(browser)
        browser.get(server.url + "/favicon.ico")
        assert "<svg" in browser.page_source


def test_a_resident_logs_in_and_log_out_forgets_the_token(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, "changqing-owner1")
        WebDriverWait(browser, 30).until(lambda d: "changqing-owner1" in body_text(d))
        assert browser.find_elements(By.CSS_SELECTOR, '[data-menu="resident"]')
        stored = browser.execute_script("return localStorage.getItem('jiedao.app.changqing.session')")
        assert stored and "token" in stored
        assert "token" not in browser.current_url
        browser.find_element(By.ID, "logout").click()
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "login-username"))
        assert browser.execute_script("return Object.keys(localStorage).filter(k => k.startsWith('jiedao.app.'))") == []
        # the token was revoked on the server too: the old one is refused
        token = json.loads(stored)["token"]
        answer = httpx.post(f"{server.url}/graphql/changqing", json={"query": "{ me { username } }"}, headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 401
        assert csp_violations(browser) == []


def test_an_expired_session_asks_to_log_in_again_and_keeps_the_place(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, "changqing-owner1")
        WebDriverWait(browser, 30).until(lambda d: "changqing-owner1" in body_text(d))
        stored = json.loads(browser.execute_script("return localStorage.getItem('jiedao.app.changqing.session')"))

        async def revoke(kernel):  # the server forgets the token, as when it expires
            async with kernel.db.transaction() as session:
                await session.execute(update(Token).values(revoked_at=datetime.now(UTC)))

        server.call(revoke)
        place = browser.current_url
        browser.get(place)  # the page still holds the token: its first request meets 401
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[role=dialog] #login-password"))
        browser.find_element(By.CSS_SELECTOR, "[role=dialog] #login-password").send_keys(DEMO_PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "[role=dialog] #login-submit").click()
        WebDriverWait(browser, 30).until(lambda d: not any(e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, "[role=dialog] #login-password")))
        WebDriverWait(browser, 30).until(lambda d: "changqing-owner1" in body_text(d))
        assert browser.current_url == place
        fresh = json.loads(browser.execute_script("return localStorage.getItem('jiedao.app.changqing.session')"))
        assert fresh["token"] != stored["token"]


def revoke_all(server) -> None:
    async def revoke(kernel):
        async with kernel.db.transaction() as session:
            await session.execute(update(Token).values(revoked_at=datetime.now(UTC)))

    server.call(revoke)


def test_log_out_with_an_expired_session_logs_out_at_once(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, "changqing-owner1")
        WebDriverWait(browser, 30).until(lambda d: "changqing-owner1" in body_text(d))
        revoke_all(server)
        browser.find_element(By.ID, "logout").click()  # no re-login asked: the log-out goes through
        WebDriverWait(browser, 30).until(lambda d: any(e.is_displayed() for e in d.find_elements(By.ID, "login-username")))
        assert not any(e.is_displayed() for e in browser.find_elements(By.CSS_SELECTOR, "[role=dialog] #login-password"))
        assert browser.execute_script("return Object.keys(localStorage).filter(k => k.startsWith('jiedao.app.'))") == []


def test_another_person_logging_in_at_the_expiry_dialog_starts_afresh(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, "changqing-owner1", path="r/homes")
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-unit]"))
        revoke_all(server)
        browser.get(browser.current_url)
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[role=dialog] #login-password"))
        name = browser.find_element(By.CSS_SELECTOR, "[role=dialog] #login-username")
        name.send_keys(Keys.CONTROL, "a")  # clear() would not tell the form's model
        name.send_keys(Keys.DELETE)
        name.send_keys("changqing-owner2")
        browser.find_element(By.CSS_SELECTOR, "[role=dialog] #login-password").send_keys(DEMO_PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "[role=dialog] #login-submit").click()
        # the second person lands on their own home screen: nothing of the first stays
        WebDriverWait(browser, 30).until(lambda d: d.current_url.rstrip("/").endswith("/app/changqing") and "changqing-owner2" in body_text(d))
        assert "changqing-owner1" not in body_text(browser)
        stored = json.loads(browser.execute_script("return localStorage.getItem('jiedao.app.changqing.session')"))
        assert stored["username"] == "changqing-owner2"
