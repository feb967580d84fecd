"""The resident screens of the app in a real Chromium against a real uvicorn with the demo, as
the demo owner changqing-owner1: homes, notices, emergency contacts, and the age-friendly mode.
Every main screen passes axe-core (serious/critical) and its Content-Security-Policy."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from jiedao.core.testing.browser import axe_violations, csp_violations, demo_streets, log_in, screenshot
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
        assert_clean(browser)
        screenshot(browser, "resident-homes")

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
