"""The offline GraphiQL at /graphql/{street} in a real Chromium (loopback only: any CDN would
fail to resolve) against a real uvicorn with the demo: it renders and runs a query, logs in
through its own box (the token in headers, never in a URL), runs a subscription whose socket
carries the token in connection_init, logs out (the token is revoked), and breaks no
Content-Security-Policy rule."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from jiedao.core.identity.models import Token
from jiedao.core.testing.browser import (
    axe_violations,
    csp_violations,
    demo_streets,
    first_load_script_bytes,
    log_in_graphiql,
    open_graphiql,
    result_text,
    run,
    screenshot,
    socket_urls,
)
from jiedao.core.testing.uvicorn_server import UvicornServer

WAIT = 30


def raise_alarm(server: UvicornServer, message: str) -> None:
    """Hand an alarm change to changqing's live feed, as the sensors' ingester does."""

    async def put(kernel):
        from jiedao.plugins.sensors.models import Alarm
        from jiedao.plugins.sensors.service.alarms import Change
        from jiedao.plugins.sensors.service.publish import feed_of

        now = datetime.now(UTC)
        alarm = Alarm(id=4242, device_pk=1, type="SMOKE", severity="CRITICAL", status="ACTIVE_UNACK",
                      message=message, raised_at=now, updated_at=now, repeat_count=0, escalation_level=0)
        feed_of(kernel).put(kernel.street_id("changqing"), Change("raised", alarm, None))

    server.call(put)


def test_graphiql_runs_a_query_offline_without_logging_in(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        open_graphiql(browser, server)
        assert "长庆街道" in browser.title
        run(browser, "{ street { name } }")
        WebDriverWait(browser, WAIT).until(lambda d: "长庆街道" in result_text(d))
        assert browser.execute_script("return document.querySelectorAll('script[src^=\"http\"]').length") == 0
        # GraphiQL keeps its tabs under this street's own prefix (another street's schema differs)
        kept = browser.execute_script("return Object.keys(localStorage)")
        assert kept and all(key.startswith("jiedao.graphiql.changqing:") for key in kept)
        assert csp_violations(browser) == []
        screenshot(browser, "graphiql")


def test_log_in_through_the_box_runs_me_and_a_subscription_with_the_token_off_the_url(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        open_graphiql(browser, server)
        run(browser, "{ me { username } }")
        WebDriverWait(browser, WAIT).until(lambda d: '"me": null' in result_text(d) or "UNAUTHENTICATED" in result_text(d) or "errors" in result_text(d))

        log_in_graphiql(browser, "changqing-worker")
        stored = json.loads(browser.execute_script("return sessionStorage.getItem('jiedao.graphiql.changqing.session')"))
        assert stored["username"] == "changqing-worker" and stored["token"]
        assert browser.execute_script("return Object.keys(localStorage).filter(k => localStorage.getItem(k).includes(arguments[0]))", stored["token"]) == []
        run(browser, "{ me { username } }")
        WebDriverWait(browser, WAIT).until(lambda d: "changqing-worker" in result_text(d))

        run(browser, "subscription { alarmChanged { change alarm { message severity } } }")
        WebDriverWait(browser, WAIT).until(lambda d: socket_urls(d))

        def delivered(driver) -> bool:
            raise_alarm(server, "三号楼烟感报警")
            return "三号楼烟感报警" in result_text(driver)

        WebDriverWait(browser, WAIT, poll_frequency=1).until(delivered)  # accepted: the event reached the panel
        assert all(stored["token"] not in url and "token" not in url for url in socket_urls(browser))
        assert all(url.endswith("/graphql/changqing") for url in socket_urls(browser))
        assert stored["token"] not in browser.current_url
        assert csp_violations(browser) == []

        browser.find_element(By.ID, "graphiql-logout").click()
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "graphiql-username"))
        assert browser.execute_script("return sessionStorage.getItem('jiedao.graphiql.changqing.session')") is None

        def revoked(_driver) -> bool:
            answer = httpx.post(f"{server.url}/graphql/changqing", json={"query": "{ me { username } }"}, headers={"authorization": f"Bearer {stored['token']}"})
            return answer.status_code == 401

        WebDriverWait(browser, WAIT).until(revoked)


def test_a_token_the_server_revoked_brings_the_log_in_box_back_with_a_message(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        open_graphiql(browser, server)
        log_in_graphiql(browser, "changqing-owner1")

        async def revoke(kernel):  # the server forgets the token, as when it expires
            async with kernel.db.transaction() as session:
                await session.execute(update(Token).values(revoked_at=datetime.now(UTC)))

        server.call(revoke)
        run(browser, "{ me { username } }")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "graphiql-username"))
        assert "expired" in browser.find_element(By.ID, "graphiql-login-error").text
        assert browser.execute_script("return sessionStorage.getItem('jiedao.graphiql.changqing.session')") is None
        log_in_graphiql(browser, "changqing-owner1")
        run(browser, "{ me { username } }")
        WebDriverWait(browser, WAIT).until(lambda d: "changqing-owner1" in result_text(d))


def test_the_log_in_box_passes_axe(browser, demo_database):
    """GraphiQL's own editors have known axe findings (unlabelled CodeMirror textareas); the box
    Jiedao adds has none, logged out or in."""
    ours = re.compile(r"jiedao-|#graphiql-(login|username|password|user|logout|session)")
    with UvicornServer(demo_streets(), demo_database) as server:
        open_graphiql(browser, server)
        assert [v for v in axe_violations(browser, impacts=("serious", "critical", "moderate")) if ours.search(v) or "heading-one" in v] == []
        log_in_graphiql(browser, "changqing-owner1")
        assert [v for v in axe_violations(browser, impacts=("serious", "critical", "moderate")) if ours.search(v)] == []


def test_a_wrong_password_is_refused_with_a_message(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        open_graphiql(browser, server)
        browser.find_element(By.ID, "graphiql-username").send_keys("changqing-worker")
        browser.find_element(By.ID, "graphiql-password").send_keys("wrong-password")
        browser.find_element(By.ID, "graphiql-login-submit").click()
        error = WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "graphiql-login-error"))[0]
        assert error.text.strip()
        assert not browser.find_elements(By.ID, "graphiql-user")
        assert browser.execute_script("return sessionStorage.getItem('jiedao.graphiql.changqing.session')") is None


def test_a_subscription_without_logging_in_says_to_log_in_and_opens_no_socket(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        open_graphiql(browser, server)
        run(browser, "subscription { alarmChanged { change } }")
        WebDriverWait(browser, WAIT).until(lambda d: "Log in above to subscribe" in result_text(d))
        assert socket_urls(browser) == []


def test_the_graphiql_page_names_no_external_url(demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        page = httpx.get(f"{server.url}/graphql/changqing", headers={"accept": "text/html"})
        api = httpx.get(f"{server.url}/graphql/changqing", params={"query": "{ street { name } }"}, headers={"accept": "application/json"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    tags = re.findall(r"<(?:script|link)\b[^>]*>", page.text)
    assert tags and not [tag for tag in tags if re.search(r"(https?:)?//", tag)]
    config = json.loads(re.search(r'<meta name="jiedao-config" content="([^"]+)"', page.text).group(1).replace("&quot;", '"'))
    assert config["street"] == "changqing" and config["name"] == "长庆街道"
    # API clients keep GET with ?query=
    assert api.status_code == 200 and api.json()["data"]["street"]["name"] == "长庆街道"


def test_the_app_does_not_load_graphiql(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        browser.get(f"{server.url}/app/changqing/")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "login-username"))
        scripts = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.endsWith('.js'))")
        assert scripts and not [name for name in scripts if "graphiql" in name or "codemirror" in name]
        assert first_load_script_bytes(browser) < 300_000  # the app's budget; GraphiQL alone is over 300 kB compressed
