"""Real headless Chromium for the front end's tests, served by a real uvicorn.

- ``browser`` (fixture): a Chromium driven through chromedriver that can reach loopback only
  (every other host name fails to resolve), records Content-Security-Policy violations and
  the URLs of the WebSockets the page opens; fails instead of skipping under CI.
- ``demo_database`` (fixture): a copy of a SQLite database migrated and seeded with the demo
  (both streets of ``plugins.toml``, the demo accounts, every plugin's demo data), seeded once
  per session.
- ``demo_streets()``: the streets of the repository's ``plugins.toml``.
- ``log_in(driver, server, username)``: log in to ``/app/changqing/`` as a demo account.
- ``axe_violations(driver)``: the serious and critical accessibility violations axe-core finds.
- ``first_load_script_bytes(driver)``: compressed bytes of the JavaScript the page loaded.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import pytest

from jiedao.core.testing.services import require_service

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACTS = REPOSITORY / "test-artifacts"
DIST = REPOSITORY / "core" / "pages" / "dist"
AXE = REPOSITORY / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "jiedao-demo"

#: Run before the page's own scripts: records what the Content-Security-Policy blocked and
#: the URLs of the WebSockets the page opens.
WATCH_PAGE = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
window.__socketUrls = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (url, protocols) { window.__socketUrls.push(String(url)); return new NativeWebSocket(url, protocols); };
window.WebSocket.prototype = NativeWebSocket.prototype;
Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
"""

FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # no network but loopback: any other host fails to resolve (a CDN left in a page shows)
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
)


def chromium_missing() -> str | None:
    """Why no browser test can run here, or None."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(binary) and os.access(binary, os.X_OK)):
            return f"{binary} not found (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed"
    return None


def open_chromium(profile: Path, width: int = 390, height: int = 844):
    """A new headless Chromium (phone-sized unless told) with its own empty profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_PAGE})
    return driver


@pytest.fixture
def browser(tmp_path):
    """A phone-sized headless Chromium (``browser.set_window_size`` for a desktop)."""
    require_service(chromium_missing())
    driver = open_chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()


@pytest.fixture
def second_browser(tmp_path):
    """Another Chromium with its own profile (a second person), desktop-sized."""
    require_service(chromium_missing())
    driver = open_chromium(tmp_path / "chromium-profile-2", 1280, 900)
    yield driver
    driver.quit()


def demo_streets() -> dict:
    """The streets of the repository's ``plugins.toml`` (what ``./dev demo`` serves)."""
    with open(REPOSITORY / "plugins.toml", "rb") as file:
        return tomllib.load(file)["streets"]


async def _seed(url: str) -> None:
    from jiedao.core import migrate
    from jiedao.core.config import parse_config
    from jiedao.core.demo import seed_demo
    from jiedao.core.kernel import Kernel

    kernel = await Kernel.load(parse_config({"streets": demo_streets()}, database_url=url))
    try:
        await asyncio.to_thread(migrate.upgrade, kernel)
        await seed_demo(kernel)
    finally:
        await kernel.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A SQLite file with the demo seeded (once per session)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    asyncio.run(_seed(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def demo_database(demo_template, tmp_path) -> str:
    """The URL of this test's own copy of the demo database."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    return f"sqlite+aiosqlite:///{path}"


def log_in(driver, server, username: str, *, street: str = "changqing", path: str = "") -> None:
    """Open ``/app/{street}/{path}`` and log in as the demo account ``username``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{server.url}/app/{street}/{path}")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "login-username"))
    driver.find_element(By.ID, "login-username").send_keys(username)
    driver.find_element(By.ID, "login-password").send_keys(DEMO_PASSWORD)
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, 30).until(lambda d: not d.find_elements(By.ID, "login-username"))


def csp_violations(driver) -> list[str]:
    """What the page's Content-Security-Policy blocked so far."""
    return driver.execute_script("return window.__cspViolations || []")


def socket_urls(driver) -> list[str]:
    """The URLs of the WebSockets the page opened."""
    return driver.execute_script("return window.__socketUrls || []")


def axe_available() -> str | None:
    """Why axe-core cannot run (frontend/node_modules missing), or None."""
    return None if AXE.exists() else f"{AXE} not found (cd frontend && npm ci)"


def axe_violations(driver, impacts=("serious", "critical")) -> list[str]:
    """The accessibility violations of the current page that axe-core rates ``impacts``,
    one line each: rule, impact, and the first offending elements."""
    require_service(axe_available())
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))), e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'])}" for v in result if v["impact"] in impacts]


def first_load_script_bytes(driver) -> int:
    """Gzip-compressed bytes of every script the page has loaded from the build, as served."""
    names = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/static/') && n.endsWith('.js'))"
    )
    total = 0
    for name in set(names):
        relative = urlparse(name).path.removeprefix("/static/")
        total += len(gzip.compress((DIST / relative).read_bytes(), 9))
    return total


def screenshot(driver, name: str) -> Path:
    """Save a PNG of the page under ``test-artifacts/screens/`` (copied to docs/screenshots/)."""
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


# GraphiQL's page (tests of GraphiQL itself and of the trusted-documents setting)

GRAPHIQL_WAIT = 30


def open_graphiql(driver, server, street: str = "changqing") -> None:
    """Open GraphiQL for ``street`` on a desktop-sized window and wait for its editors."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(1280, 900)
    driver.get(f"{server.url}/graphql/{street}")
    WebDriverWait(driver, GRAPHIQL_WAIT).until(lambda d: d.execute_script("return !!document.querySelector('.graphiql-query-editor .CodeMirror')"))


def run(driver, query: str) -> None:
    """Type ``query`` into the query editor and press the run button."""
    from selenium.webdriver.common.by import By

    driver.execute_script("document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(arguments[0])", query)
    driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()


def result_text(driver) -> str:
    """What the result panel shows (its visible text)."""
    from selenium.webdriver.common.by import By

    panels = driver.find_elements(By.CSS_SELECTOR, ".graphiql-response .CodeMirror")
    return panels[0].text if panels else ""


def log_in_graphiql(driver, username: str) -> None:
    """Log in through the page's own box as the demo account ``username``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    field = driver.find_element(By.ID, "graphiql-username")
    if field.get_attribute("value") != username:  # the box keeps the last username typed
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(username)
    driver.find_element(By.ID, "graphiql-password").send_keys(DEMO_PASSWORD)
    driver.find_element(By.ID, "graphiql-login-submit").click()
    WebDriverWait(driver, GRAPHIQL_WAIT).until(lambda d: d.find_elements(By.ID, "graphiql-user"))
