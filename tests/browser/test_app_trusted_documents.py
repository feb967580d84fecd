"""The app with ``JIEDAO_TRUSTED_DOCUMENTS=allow-listed`` in a real Chromium: its own documents
are the build's, so a resident's home and a worker's inbox (with its live subscription) load,
and no request of the app is refused; GraphiQL's log-in box works too, and a logged-out
GraphiQL query is refused with the trusted-documents code."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from jiedao.core.testing.browser import DEMO_PASSWORD, demo_streets, log_in, log_in_graphiql, open_graphiql, result_text, run
from jiedao.core.testing.uvicorn_server import UvicornServer
from jiedao.schema.trusted_documents import NOT_ALLOWED

WAIT = 30


def refused_graphql_requests(server: UvicornServer) -> list[str]:
    """Access-log lines of GraphQL requests answered 4xx (other than a log-in's 401 races)."""
    return [line for line in server.log_text().splitlines() if "/graphql/" in line and re.search(r'" 4\d\d\b', line)]


def test_the_app_runs_with_trusted_documents_only(browser, demo_database, monkeypatch):
    monkeypatch.setenv("JIEDAO_TRUSTED_DOCUMENTS", "allow-listed")
    with UvicornServer(demo_streets(), demo_database) as server:
        log_in(browser, server, "changqing-owner1")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-route="resident-homes"]'))
        browser.find_element(By.CSS_SELECTOR, '[data-route="resident-homes"]').click()
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-unit]"))
        browser.find_element(By.ID, "logout").click()
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.ID, "login-username"))
        log_in(browser, server, "changqing-worker", path="w/inbox")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".ops-item"))
        assert NOT_ALLOWED not in browser.page_source
        assert any("/graphql/changqing" in line for line in server.log_text().splitlines())
        assert refused_graphql_requests(server) == []


def test_graphiql_is_refused_anonymously_and_works_for_an_administrator(browser, demo_database, monkeypatch):
    """Its log-in mutation is one of the build's documents; what an administrator types runs."""
    monkeypatch.setenv("JIEDAO_TRUSTED_DOCUMENTS", "allow-listed")
    with UvicornServer(demo_streets(), demo_database) as server:
        open_graphiql(browser, server)
        run(browser, "{ street { name } }")
        WebDriverWait(browser, WAIT).until(lambda d: NOT_ALLOWED in result_text(d))
        log_in_graphiql(browser, "changqing-admin")
        run(browser, "{ street { name } }")
        WebDriverWait(browser, WAIT).until(lambda d: "长庆街道" in result_text(d))


def test_the_cockpit_runs_with_trusted_documents_only_for_a_community_worker(browser, demo_database, monkeypatch):
    """The cockpit's documents are registered by its plugin (``register.trusted_documents``): a
    community worker, no administrator, logs in and gets the figures, the map and the live feed,
    and none of the page's requests is refused."""
    monkeypatch.setenv("JIEDAO_TRUSTED_DOCUMENTS", "allow-listed")
    with UvicornServer(demo_streets(), demo_database) as server:
        browser.set_window_size(1280, 900)
        browser.get(f"{server.url}/cockpit/changqing")
        browser.find_element(By.ID, "username").send_keys("changqing-worker")
        browser.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#kpis .tile"))
        WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-map-drawn"))
        WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-live") == "1")
        assert browser.find_element(By.ID, "login-error").text == ""
        assert NOT_ALLOWED not in browser.page_source
        assert refused_graphql_requests(server) == []
