"""The front end as the server ships it: the app's page per street, its assets, the landing
page and the favicon — what a browser gets, and what it must not get."""

from __future__ import annotations

import html
import json
import re

from jiedao.core.pages.routes import DIST


async def test_the_app_page_carries_its_streets_configuration_and_a_strict_policy(client):
    answer = await client.http.get("/app/changqing/r/ballots/42")  # any path below the app: same page
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    config = json.loads(html.unescape(re.search(r'name="jiedao-config" content="([^"]*)"', answer.text).group(1)))
    assert config["street"] == "changqing" and config["name"]
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy and "https:" not in policy
    assert "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
    # the page loads only the build's own files
    assert not re.search(r'(src|href)="(https?:)?//', answer.text)


async def test_an_unknown_street_has_no_app(client):
    answer = await client.http.get("/app/nowhere/")
    assert answer.status_code == 404
    assert "nowhere" in answer.text


async def test_assets_are_served_immutable_and_nothing_outside_the_build(client):
    script = next((DIST / "assets").glob("app-*.js"))
    answer = await client.http.get(f"/static/assets/{script.name}")
    assert answer.status_code == 200
    assert "immutable" in answer.headers["cache-control"]
    assert answer.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    for probe in ("/static/../routes.py", "/static/%2e%2e/routes.py", "/static/assets/../../routes.py", "/static/app.html", "/static/nothing.js"):
        refused = await client.http.get(probe)
        assert refused.status_code == 404, probe


async def test_the_landing_page_and_favicon(client):
    answer = await client.http.get("/")
    assert answer.status_code == 200
    assert 'href="/app/changqing/"' in answer.text and 'href="/graphql/changqing"' in answer.text
    icon = await client.http.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_the_shipped_build_is_the_one_its_html_names():
    page = (DIST / "app.html").read_text(encoding="utf-8")
    for reference in re.findall(r'(?:src|href)="/static/([^"]+)"', page):
        assert (DIST / reference).is_file(), reference


async def test_a_value_that_escaped_its_escaping_could_not_bring_its_script_into_the_policy(client):
    evil = '"><script src="https://evil.example/x.js"></script><script>alert(1)</script>'
    client.kernel.config.streets["changqing"].name = evil
    for path in ("/app/changqing/", "/graphql/changqing"):
        answer = await client.http.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 200
        assert "<script>alert(1)" not in answer.text and 'src="https://evil.example' not in answer.text  # escaped
        policy = answer.headers["content-security-policy"]
        assert "evil.example" not in policy and "sha256-" not in policy  # the build's page decides the policy
