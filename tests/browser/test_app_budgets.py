"""Budgets of the resident app as a phone loads it: at most 300 kB of compressed JavaScript
on first load, no serious accessibility violation (axe-core) on the log-in and home screens,
in the standard and the age-friendly mode."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from jiedao.core.testing.browser import axe_violations, csp_violations, demo_streets, first_load_script_bytes, log_in, screenshot
from jiedao.core.testing.uvicorn_server import UvicornServer

SCRIPT_BUDGET = 300_000


def test_first_load_stays_under_the_script_budget_and_passes_axe(browser, demo_database):
    with UvicornServer(demo_streets(), demo_database) as server:
        browser.get(f"{server.url}/app/changqing/")
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "login-username"))
        assert axe_violations(browser) == []
        screenshot(browser, "app-login")
        log_in(browser, server, "changqing-owner1")
        WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-menu="resident"]'))
        loaded = first_load_script_bytes(browser)
        assert 0 < loaded < SCRIPT_BUDGET, f"{loaded} compressed bytes of JavaScript on first load"
        assert axe_violations(browser) == []
        browser.find_element(By.ID, "toggle-elder").click()
        WebDriverWait(browser, 10).until(lambda d: "elder" in d.find_element(By.TAG_NAME, "html").get_attribute("class"))
        assert axe_violations(browser) == []
        assert csp_violations(browser) == []
