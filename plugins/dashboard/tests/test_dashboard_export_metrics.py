"""CSV export (GraphQL and HTTP) with the filters in its header, and the Prometheus /metrics."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from prometheus_client.parser import text_string_to_metric_families

from jiedao.core.app import build_app
from jiedao.plugins.dashboard.service.prometheus import operation_type
from jiedao.plugins.dashboard.tests.conftest import register_residents

SHANGHAI = ZoneInfo("Asia/Shanghai")
START, END = datetime(2026, 3, 1, tzinfo=SHANGHAI), datetime(2026, 3, 4, tzinfo=SHANGHAI)
CUSTOM = {"preset": "CUSTOM", "start": START.isoformat(), "end": END.isoformat()}


async def seed(kernel, registry):
    await register_residents(kernel, "changqing", registry["units"][0], [datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)] * 2, elderly=True)
    await register_residents(kernel, "changqing", registry["units"][0], [datetime(2026, 3, 3, 9, tzinfo=SHANGHAI)])


def rows(text: str) -> tuple[list[str], list[str]]:
    lines = text.strip().splitlines()
    return [line for line in lines if line.startswith("#")], [line for line in lines if not line.startswith("#")]


async def test_a_series_exports_as_csv_with_its_filters(cockpit, cockpit_kernel, registry):
    await seed(cockpit_kernel, registry)
    data = await cockpit.query(
        'query($r: CockpitRange) { cockpit { exportCsv(key: "probe.residents.registered", range: $r, interval: DAY) } }',
        {"r": CUSTOM}, token=await cockpit.token("community_worker"),
    )
    header, table = rows(data["cockpit"]["exportCsv"])
    assert "# street: changqing" in header and "# interval: DAY" in header
    assert any("probe.residents.registered (新登记居民 / Residents registered)" in line for line in header)
    assert any(line.startswith("# range: 2026-02-28T16:00:00+00:00 .. 2026-03-03T16:00:00+00:00") for line in header)
    assert table == ["at,value", "2026-02-28T16:00:00+00:00,2", "2026-03-01T16:00:00+00:00,0", "2026-03-02T16:00:00+00:00,1"]


async def test_a_breakdown_downloads_over_http_with_a_bearer_token(cockpit, cockpit_kernel, registry):
    await seed(cockpit_kernel, registry)
    params = {"key": "probe.residents.registered", "preset": "CUSTOM", "start": START.isoformat(), "end": END.isoformat(), "dimension": "age_group"}
    token = await cockpit.token("grid_worker")

    response = await cockpit.http.get("/cockpit/changqing/export.csv", params=params, headers={"authorization": f"Bearer {token}"})

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    header, table = rows(response.text)
    assert "# dimension: age_group" in header
    assert table == ["age_group,value", "elderly,2", "other,1"]


async def test_the_http_export_refuses_strangers_and_bad_requests(cockpit, registry):
    url = "/cockpit/changqing/export.csv"
    params = {"key": "probe.residents.registered"}
    assert (await cockpit.http.get(url, params=params)).status_code == 401
    resident = await cockpit.token("resident")
    assert (await cockpit.http.get(url, params=params, headers={"authorization": f"Bearer {resident}"})).status_code == 403
    admin = {"authorization": f"Bearer {await cockpit.token('street_admin')}"}
    assert (await cockpit.http.get(url, params={"key": "nope"}, headers=admin)).status_code == 404
    assert (await cockpit.http.get(url, params={**params, "preset": "FOREVER"}, headers=admin)).status_code == 400
    assert (await cockpit.http.get("/cockpit/nowhere/export.csv", params=params, headers=admin)).status_code == 404


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


METRICS_TOKEN = "scraper-secret-0123456789"


def require_metrics_token(kernel) -> dict:
    """Configure ``JIEDAO_METRICS_TOKEN`` on ``kernel``; returns the scraper's headers."""
    from dataclasses import replace

    kernel.config.transport = replace(kernel.config.transport, metrics_token=METRICS_TOKEN)
    return {"authorization": f"Bearer {METRICS_TOKEN}"}


async def test_metrics_are_refused_to_anonymous_callers(cockpit, cockpit_kernel, registry):
    """Alarm, case and device counts are not public: without JIEDAO_METRICS_TOKEN /metrics does
    not exist; with it, only its bearer reads them."""
    assert (await cockpit.http.get("/metrics")).status_code == 404
    scraper = require_metrics_token(cockpit_kernel)
    anonymous = await cockpit.http.get("/metrics")
    assert anonymous.status_code == 401 and "jiedao_figure" not in anonymous.text
    assert (await cockpit.http.get("/metrics", headers={"authorization": "Bearer wrong-token-0123456789"})).status_code == 401
    user_token = await cockpit.token("street_admin")
    assert (await cockpit.http.get("/metrics", headers={"authorization": f"Bearer {user_token}"})).status_code == 401
    assert "jiedao_figure" in (await cockpit.http.get("/metrics", headers=scraper)).text


async def test_metrics_expose_current_figures_per_plugin(cockpit, cockpit_kernel, registry):
    response = await cockpit.http.get("/metrics", headers=require_metrics_token(cockpit_kernel))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = families(response.text)
    figure = {(s.labels["street"], s.labels["metric"]): s.value for s in found["jiedao_figure"].samples}
    assert figure[("changqing", "probe.units.area")] == 1080.0
    published = {(s.labels["street"], s.labels["plugin"]): s.value for s in found["jiedao_metrics_published"].samples}
    assert published[("changqing", "probe")] == 2.0 and ("gongchen", "probe") not in published


async def test_request_counts_and_latency_per_street_and_operation(cockpit_kernel, password_hash):
    """The middleware the plugin installs labels requests by street and GraphQL operation
    type with bounded label values."""
    scraper = require_metrics_token(cockpit_kernel)
    app = build_app(cockpit_kernel, background=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        await http.post("/graphql/changqing", json={"query": "{ street { name } }"})
        await http.post("/graphql/changqing", json={"query": "query Q { street { name } }"})
        await http.post("/graphql/changqing", json={"query": 'mutation { login(input: {username: "x", password: "y"}) { token } }'})
        await http.post("/graphql/nowhere-street-123", json={"query": "{ street { name } }"})
        text = (await http.get("/metrics", headers=scraper)).text
    found = families(text)
    counts = {(s.labels["street"], s.labels["operation"], s.labels["status"]): s.value for s in found["jiedao_http_requests"].samples if s.name.endswith("_total")}
    assert counts[("changqing", "query", "2xx")] == 2 and counts[("changqing", "mutation", "2xx")] == 1
    assert counts[("unknown", "query", "4xx")] == 1
    latency = {(s.labels["street"], s.labels["operation"]): s.value for s in found["jiedao_http_request_duration_seconds"].samples if s.name.endswith("_count")}
    assert latency[("changqing", "query")] == 2


def test_operation_types_are_read_from_the_document():
    assert operation_type(b'{"query": "# hi\\n subscription S { x }"}') == "subscription"
    assert operation_type(b'{"query": "  { x }"}') == "query"
    assert operation_type(b"not json") == "other"
    assert operation_type(b'[{"query": "{ x }"}]') == "batch"


async def test_the_web_cockpit_and_its_chart_library_are_served_without_a_cdn(cockpit):
    page = await cockpit.http.get("/cockpit/changqing")
    assert page.status_code == 200 and "长庆街道" in page.text and "数字驾驶舱" in page.text
    assert '<script src="/cockpit/static/plotly.min.js">' in page.text and "cdn" not in page.text.lower()
    script = await cockpit.http.get("/cockpit/static/plotly.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert len(script.content) > 1_000_000
    assert (await cockpit.http.get("/cockpit/nowhere")).status_code == 404


async def test_a_street_without_the_dashboard_has_no_cockpit(make_kernel, probe_plugin_path, password_hash):
    from jiedao.core.testing.fixtures import app_client

    kernel = await make_kernel(streets={"gongchen": {"name": "拱宸桥街道", "plugins": ["probe"]}}, extra_plugin_paths=[probe_plugin_path])
    async with app_client(kernel, password_hash) as client:
        assert (await client.http.get("/cockpit/gongchen")).status_code == 404
        errors = await client.errors("{ cockpit { kpis { key } } }", street="gongchen", token=await client.token("street_admin", "gongchen"))
        assert "cockpit" in errors[0]["message"]
