"""The cockpit over GraphQL: figures of a plugin the dashboard never heard of, per street,
with trends, series in the street's calendar, breakdowns, permissions and caching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jiedao.core.testing.fixtures import build_registry
from jiedao.plugins.dashboard.tests.conftest import register_residents

SHANGHAI = ZoneInfo("Asia/Shanghai")
KPIS = "query($range: CockpitRange) { cockpit { kpis(range: $range) { key title titleEn unit kind plugin value previous trend } } }"
SERIES = "query($key: String!, $range: CockpitRange, $interval: CockpitInterval) { cockpit { series(key: $key, range: $range, interval: $interval) { at value } } }"
BREAKDOWN = "query($key: String!, $dim: String!, $range: CockpitRange) { cockpit { breakdown(key: $key, dimension: $dim, range: $range) { label value } } }"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def custom(start: datetime, end: datetime) -> dict:
    return {"preset": "CUSTOM", "start": start.isoformat(), "end": end.isoformat()}


async def test_a_new_plugins_figures_appear_with_trends(cockpit, cockpit_kernel, registry):
    now = datetime.now(UTC)
    unit = registry["units"][0]
    await register_residents(cockpit_kernel, "changqing", unit, [now - timedelta(days=2)] * 3, elderly=True)
    await register_residents(cockpit_kernel, "changqing", unit, [now - timedelta(days=9)] * 5)
    token = await cockpit.token("community_worker")

    kpis = {k["key"]: k for k in (await cockpit.query(KPIS, {"range": {"preset": "LAST_7_DAYS"}}, token=token))["cockpit"]["kpis"]}

    registered = kpis["probe.residents.registered"]
    assert registered["plugin"] == "probe" and registered["title"] == "新登记居民" and registered["unit"] == "人"
    assert (registered["value"], registered["previous"], registered["trend"]) == (15.0, 5.0, 2.0)  # 12 owners today + 3
    area = kpis["probe.units.area"]
    assert area["kind"] == "GAUGE" and area["value"] == 12 * 90.0 and area["previous"] is None
    assert kpis["dashboard.hotspots.acknowledged"]["value"] == 0.0


async def test_each_street_sees_only_its_own_rows_and_enabled_plugins(cockpit, cockpit_kernel, registry):
    await build_registry(cockpit_kernel, "gongchen", buildings=2, units_per_building=10)

    changqing = await cockpit.query(KPIS, token=await cockpit.token("street_admin"))
    gongchen = await cockpit.query(KPIS, street="gongchen", token=await cockpit.token("street_admin", "gongchen"))

    counts = {k["key"]: k["value"] for k in changqing["cockpit"]["kpis"]}
    assert counts["probe.residents.registered"] == 12.0  # not gongchen's 20 owners
    assert counts["probe.units.area"] == 1080.0
    assert {k["plugin"] for k in gongchen["cockpit"]["kpis"]} == {"core", "dashboard"}  # probe is not enabled there; core always is


async def test_a_daily_series_follows_the_streets_calendar(cockpit, cockpit_kernel, registry):
    unit = registry["units"][1]
    times = [local(2026, 3, 1, 9), local(2026, 3, 1, 10), local(2026, 3, 2, 23, 30)] + [local(2026, 3, 3, 0, 30)] * 3
    await register_residents(cockpit_kernel, "changqing", unit, times)
    token = await cockpit.token("grid_worker")

    days = await cockpit.query(
        SERIES, {"key": "probe.residents.registered", "range": custom(local(2026, 3, 1), local(2026, 3, 4)), "interval": "DAY"}, token=token
    )
    points = days["cockpit"]["series"]
    assert [p["value"] for p in points] == [2.0, 1.0, 3.0]  # 00:30 on the 3rd is still the 2nd in UTC
    assert [datetime.fromisoformat(p["at"]) for p in points] == [local(2026, 3, d) for d in (1, 2, 3)]

    months = await cockpit.query(
        SERIES, {"key": "probe.residents.registered", "range": custom(local(2026, 1, 1), local(2026, 4, 1)), "interval": "MONTH"}, token=token
    )
    assert [p["value"] for p in months["cockpit"]["series"]] == [0.0, 0.0, 6.0]

    hours = await cockpit.query(
        SERIES, {"key": "probe.residents.registered", "range": custom(local(2026, 3, 1), local(2026, 3, 2)), "interval": "HOUR"}, token=token
    )
    values = [p["value"] for p in hours["cockpit"]["series"]]
    assert len(values) == 24 and values[9] == 1.0 and values[10] == 1.0 and sum(values) == 2.0


async def test_a_breakdown_groups_by_a_published_dimension(cockpit, cockpit_kernel, registry):
    await register_residents(cockpit_kernel, "changqing", registry["units"][0], [local(2026, 3, 1, 9)] * 2, elderly=True)
    await register_residents(cockpit_kernel, "changqing", registry["units"][0], [local(2026, 3, 1, 9)] * 5)
    token = await cockpit.token("community_worker")
    variables = {"key": "probe.residents.registered", "dim": "age_group", "range": custom(local(2026, 3, 1), local(2026, 3, 2))}

    slices = (await cockpit.query(BREAKDOWN, variables, token=token))["cockpit"]["breakdown"]

    assert slices == [{"label": "other", "value": 5.0}, {"label": "elderly", "value": 2.0}]
    errors = await cockpit.errors(BREAKDOWN, {**variables, "dim": "salary"}, token=token)
    assert "has no dimension 'salary'" in errors[0]["message"] and errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_only_staff_with_the_permission_see_the_cockpit(cockpit, registry):
    anonymous = await cockpit.errors(KPIS)
    assert anonymous[0]["extensions"]["code"] == "UNAUTHENTICATED"
    resident = await cockpit.errors(KPIS, token=await cockpit.token("resident"))
    assert resident[0]["extensions"]["code"] == "FORBIDDEN"
    for role in ("street_admin", "community_worker", "grid_worker"):
        assert (await cockpit.query(KPIS, token=await cockpit.token(role)))["cockpit"]["kpis"]


async def test_bad_ranges_and_unknown_metrics_are_client_errors(cockpit, registry):
    token = await cockpit.token("street_admin")
    reversed_range = await cockpit.errors(KPIS, {"range": custom(local(2026, 3, 2), local(2026, 3, 1))}, token=token)
    assert reversed_range[0]["extensions"]["code"] == "INVALID_RANGE"
    missing_end = await cockpit.errors(KPIS, {"range": {"preset": "CUSTOM", "start": "2026-03-01T00:00:00"}}, token=token)
    assert "needs both start and end" in missing_end[0]["message"]
    unknown = await cockpit.errors(SERIES, {"key": "sensors.nothing"}, token=token)
    assert unknown[0]["extensions"]["code"] == "NOT_FOUND"


async def test_repeated_queries_within_seconds_are_served_from_the_cache(cockpit, cockpit_kernel, registry):
    token = await cockpit.token("street_admin")
    first = await cockpit.statements(KPIS, {"range": {"preset": "LAST_30_DAYS"}}, token=token)
    again = await cockpit.statements(KPIS, {"range": {"preset": "LAST_30_DAYS"}}, token=token)
    assert again < first


@pytest.mark.parametrize("metrics", [1, 6])
async def test_kpis_cost_one_statement_whatever_the_number_of_metrics(metrics, make_kernel, probe_plugin_path, password_hash):
    """The KPI query of every metric is one UNION ALL statement."""
    from jiedao.core.figures import Metric, MetricKind
    from jiedao.core.testing.fixtures import app_client
    from jiedao.plugins.dashboard.tests.conftest import cockpit_streets

    kernel = await make_kernel(streets=cockpit_streets(), extra_plugin_paths=[probe_plugin_path])
    source = kernel.contributions.metrics[0][1].source
    for i in range(metrics):
        kernel.contributions.metrics.append(("probe", Metric(f"probe.extra{i}", "额外", "extra", MetricKind.COUNTER, source)))
    async with app_client(kernel, password_hash) as client:
        token = await client.token("street_admin")
        one_select = await client.statements("{ communities { name } }", token=token)
        count = await client.statements(KPIS, token=token)
        kpis = (await client.query(KPIS, token=token))["cockpit"]["kpis"]
    assert len(kpis) >= metrics + 2
    assert count == one_select  # as many as a query of one SELECT (plus the street GUC on PostgreSQL)
