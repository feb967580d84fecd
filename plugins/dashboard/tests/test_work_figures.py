"""The cockpit's work-item figures through GraphQL as the real roles: on-time closure rate,
median time to close, satisfaction rate, overdue items by category and by organisation, a
hotspot citing the overdue items of its building; who may read them; statement counts that do
not grow with the number of items. Also ``WorkItem.assigneeOrganisation``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import pytest_asyncio

from jiedao.core import clock
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.testing.organisations import make_grid, make_organisation
from jiedao.plugins.dashboard.tests.conftest import add_items
from jiedao.schema.ids import encode_global_id

WORK = """query($range: CockpitRange) { cockpit { work(range: $range) {
  closed closedOnTime onTimeRate medianHoursToClose rated satisfied satisfactionRate overdue
  overdueByCategory { label count organisationId } overdueByOrganisation { label count organisationId } } } }"""
HOTSPOTS = """query($range: CockpitRange) { cockpit { hotspots(range: $range) {
  place id placeId sources signals { key source observed } cites { nodeId title signal } } } }"""
BREAKDOWN = """query($key: String!, $dimension: String!) { cockpit { breakdown(key: $key, dimension: $dimension) { label value } } }"""
INBOX = "query { workItems(first: 100) { edges { node { title assigneeOrganisation { id name kind } } } } }"


def custom(start: datetime, end: datetime) -> dict:
    return {"preset": "CUSTOM", "start": start.isoformat(), "end": end.isoformat()}


@pytest_asyncio.fixture
async def now() -> datetime:
    return clock.now()


@pytest_asyncio.fixture
async def orgs(cockpit_kernel, cockpit) -> dict[str, int]:
    """凤起物业 (its account ``wuye-1`` acts for it) and a street department."""
    await cockpit.token("resident", username="wuye-1")
    return {
        "wuye": await make_organisation(cockpit_kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "凤起物业", ["wuye-1"]),
        "dept": await make_organisation(cockpit_kernel, "changqing", OrganisationKind.DEPARTMENT, "城管科"),
    }


def closed(now, *, category, org, opened_days, due_days, closed_days, rating=None, building):
    """A closed item (times in days before ``now``; ``due_days`` None = no due time)."""
    return {
        "category": category, "assignee_org_id": org, "building_id": building, "rating": rating,
        "state": "CONFIRMED" if rating in ("SATISFIED", "BASICALLY_SATISFIED") else "CLOSED",
        "opened_at": now - timedelta(days=opened_days), "closed_at": now - timedelta(days=closed_days),
        "due_at": None if due_days is None else now - timedelta(days=due_days),
    }


def open_item(now, *, category, org, due_hours, state="IN_PROGRESS", building, title="事项"):
    """An open item due ``due_hours`` from now (negative = past due)."""
    return {
        "category": category, "assignee_org_id": org, "building_id": building, "state": state, "title": title,
        "opened_at": now - timedelta(days=4), "due_at": now + timedelta(hours=due_hours),
    }


@pytest_asyncio.fixture
async def scenario(cockpit_kernel, registry, orgs, now) -> dict:
    """Closed in the last 10 days: on time in 24 h (满意), late in 96 h (不满意), on time in
    2 h (基本满意), no due time in 24 h (unrated); one closed late before the range. Open: three
    overdue repairs of the 物业 in building 1 (due in the last day), one overdue environment item
    nobody's in building 2; one repair not yet due, one RESOLVED past due (waits on the
    resident, not overdue)."""
    b = registry["buildings"]
    wuye, dept = orgs["wuye"], orgs["dept"]
    await add_items(
        cockpit_kernel,
        closed(now, category="repair", org=wuye, opened_days=5, due_days=3, closed_days=4, rating="SATISFIED", building=b[2]),
        closed(now, category="repair", org=wuye, opened_days=6, due_days=5, closed_days=2, rating="UNSATISFIED", building=b[2]),
        closed(now, category="safety", org=dept, opened_days=3, due_days=2, closed_days=3 - 2 / 24, rating="BASICALLY_SATISFIED", building=b[2]),
        closed(now, category="safety", org=None, opened_days=2, due_days=None, closed_days=1, building=b[2]),
        closed(now, category="repair", org=wuye, opened_days=25, due_days=22, closed_days=20, rating="UNSATISFIED", building=b[2]),
        open_item(now, category="environment", org=None, due_hours=-72, state="NEW", building=b[1]),
        open_item(now, category="repair", org=wuye, due_hours=48, state="ACCEPTED", building=b[0]),
        open_item(now, category="repair", org=wuye, due_hours=-30, state="RESOLVED", building=b[0]),
    )
    overdue = await add_items(
        cockpit_kernel,
        *(open_item(now, category="repair", org=wuye, due_hours=-h, building=b[0], title=f"楼道漏水 {h}") for h in (10, 8, 6)),
    )
    return {"overdue": overdue, "buildings": b, **orgs}


async def test_the_cockpit_shows_the_work_loop(cockpit, scenario, now):
    token = await cockpit.token("community_worker")
    work = (await cockpit.query(WORK, {"range": custom(now - timedelta(days=10), now)}, token=token))["cockpit"]["work"]

    assert (work["closed"], work["closedOnTime"], work["onTimeRate"]) == (4, 3, 0.75)
    assert work["medianHoursToClose"] == 24.0  # of 2, 24, 24, 96 hours
    assert (work["rated"], work["satisfied"], work["satisfactionRate"]) == (3, 2, 0.6667)
    assert work["overdue"] == 4  # not the one due later, not the RESOLVED one
    assert work["overdueByCategory"] == [
        {"label": "repair", "count": 3, "organisationId": None},
        {"label": "environment", "count": 1, "organisationId": None},
    ]
    assert work["overdueByOrganisation"] == [
        {"label": "凤起物业", "count": 3, "organisationId": encode_global_id("Organisation", scenario["wuye"])},
        {"label": "（未指派单位）", "count": 1, "organisationId": None},
    ]

    # a range holding only the late, unsatisfied closure of three weeks ago
    earlier = (await cockpit.query(WORK, {"range": custom(now - timedelta(days=21), now - timedelta(days=19))}, token=token))["cockpit"]["work"]
    assert (earlier["closed"], earlier["onTimeRate"], earlier["medianHoursToClose"], earlier["satisfactionRate"]) == (1, 0.0, 120.0, 0.0)
    empty = (await cockpit.query(WORK, {"range": custom(now - timedelta(days=60), now - timedelta(days=50))}, token=token))["cockpit"]["work"]
    assert (empty["closed"], empty["onTimeRate"], empty["medianHoursToClose"], empty["satisfactionRate"]) == (0, None, None, None)


async def test_core_publishes_its_work_metrics_like_a_plugin(cockpit, scenario, now):
    token = await cockpit.token("grid_worker")
    query = "{ cockpit { metrics { key plugin dimensions } } }"
    metrics = {m["key"]: m for m in (await cockpit.query(query, token=token))["cockpit"]["metrics"]}
    assert metrics["core.work.overdue"]["plugin"] == "core"
    assert metrics["core.work.overdue"]["dimensions"] == ["category", "organisation"]

    by_org = (await cockpit.query(BREAKDOWN, {"key": "core.work.overdue", "dimension": "organisation"}, token=token))["cockpit"]["breakdown"]
    assert by_org == [{"label": "凤起物业", "value": 3.0}, {"label": "（未指派单位）", "value": 1.0}]
    timeliness = (await cockpit.query(BREAKDOWN, {"key": "core.work.closed", "dimension": "timeliness"}, token=token))["cockpit"]["breakdown"]
    assert timeliness == [{"label": "on_time", "value": 3.0}, {"label": "late", "value": 1.0}]  # last 7 days


async def test_a_hotspot_cites_the_overdue_items_of_its_building(cockpit, scenario, now):
    token = await cockpit.token("community_worker")
    hotspots = (await cockpit.query(HOTSPOTS, {"range": custom(now - timedelta(days=1), now)}, token=token))["cockpit"]["hotspots"]

    building = encode_global_id("Building", scenario["buildings"][0])
    [spot] = [h for h in hotspots if h["placeId"] == building]
    overdue = [s for s in spot["signals"] if s["key"] == "core.work.overdue"]
    assert overdue == [{"key": "core.work.overdue", "source": "core", "observed": 3.0}]
    assert spot["cites"] == [
        {"nodeId": encode_global_id("WorkItem", pk), "title": title, "signal": "core.work.overdue"}
        for pk, title in zip(scenario["overdue"], ["楼道漏水 10", "楼道漏水 8", "楼道漏水 6"], strict=True)
    ]
    # the compound sums its buildings and cites the same items; no other building cites any
    [compound] = [h for h in hotspots if h["place"] == "COMPOUND"]
    assert [c["title"] for c in compound["cites"]] == ["楼道漏水 10", "楼道漏水 8", "楼道漏水 6"]
    assert all(h["cites"] == [] for h in hotspots if h["place"] == "BUILDING" and h["placeId"] != building)


async def test_a_hotspot_cites_only_the_items_the_reader_may_see(cockpit, cockpit_kernel, scenario, now):
    """The building's grid worker reads the cited items; a grid worker of another grid sees the
    hotspot, not the items (their titles are the work items' own read rule's)."""
    ours = await cockpit.token("grid_worker", username="gw-ours")
    theirs = await cockpit.token("grid_worker", username="gw-theirs")
    await make_grid(cockpit_kernel, "changqing", [scenario["buildings"][0]], ["gw-ours"])
    await make_grid(cockpit_kernel, "changqing", [scenario["buildings"][1]], ["gw-theirs"])
    building = encode_global_id("Building", scenario["buildings"][0])
    window = {"range": custom(now - timedelta(days=1), now)}

    def spot(hotspots):
        return next(h for h in hotspots if h["placeId"] == building)

    mine = spot((await cockpit.query(HOTSPOTS, window, token=ours))["cockpit"]["hotspots"])
    assert [c["title"] for c in mine["cites"]] == ["楼道漏水 10", "楼道漏水 8", "楼道漏水 6"]
    other = spot((await cockpit.query(HOTSPOTS, window, token=theirs))["cockpit"]["hotspots"])
    assert other["cites"] == [] and "core.work.overdue" in [s["key"] for s in other["signals"]]


@pytest.mark.parametrize("role", [None, "resident", "organisation_member"])
async def test_who_may_not_read_the_work_figures(cockpit, scenario, now, role):
    """Anonymous, a resident, an organisation's own account (the 物业's): refused, no figure leaks."""
    if role == "organisation_member":
        token = await cockpit.token("resident", username="wuye-1")  # acts for 凤起物业
    else:
        token = None if role is None else await cockpit.token(role)
    for query in (WORK, HOTSPOTS):
        body = await cockpit.result(query, {"range": custom(now - timedelta(days=10), now)}, token=token)
        assert body["errors"] and (body.get("data") or {}).get("cockpit") is None


@pytest.mark.parametrize("role", ["grid_worker", "community_worker", "street_admin"])
async def test_who_may_read_the_work_figures(cockpit, scenario, now, role):
    work = (await cockpit.query(WORK, {"range": custom(now - timedelta(days=10), now)}, token=await cockpit.token(role)))["cockpit"]["work"]
    assert work["closed"] == 4 and work["overdue"] == 4


async def test_work_figures_cost_the_same_statements_for_3_or_30_items(cockpit, cockpit_kernel, registry, orgs, now):
    token = await cockpit.token("community_worker")
    b = registry["buildings"]

    async def seed(n: int) -> None:
        await add_items(cockpit_kernel, *(
            closed(now, category=f"c{i % 4}", org=orgs["wuye"] if i % 2 else orgs["dept"], opened_days=3, due_days=2, closed_days=1 + i / 100,
                   rating="SATISFIED" if i % 3 else None, building=b[i % 3])
            for i in range(n)
        ))
        await add_items(cockpit_kernel, *(open_item(now, category=f"c{i % 5}", org=orgs["wuye"] if i % 2 else None, due_hours=-i - 1, building=b[i % 3]) for i in range(n)))

    await seed(3)
    few = await cockpit.statements(WORK, {"range": custom(now - timedelta(days=10), now)}, token=token)
    await seed(27)
    many = await cockpit.statements(WORK, {"range": custom(now - timedelta(days=11), now)}, token=token)  # another range: not cached
    work = (await cockpit.query(WORK, {"range": custom(now - timedelta(days=12), now)}, token=token))["cockpit"]["work"]
    assert work["closed"] == 30 and work["overdue"] == 30
    assert few == many


async def test_a_work_item_names_its_organisation_without_a_statement_per_row(cockpit, cockpit_kernel, registry, orgs, now):
    token = await cockpit.token("community_worker")
    b = registry["buildings"]

    async def seed(n: int) -> None:
        names = [None, orgs["wuye"], orgs["dept"]]
        await add_items(cockpit_kernel, *(open_item(now, category="repair", org=names[i % 3], due_hours=24, building=b[0], title=f"事项{i}") for i in range(n)))

    await seed(3)
    items = [e["node"] for e in (await cockpit.query(INBOX, token=token))["workItems"]["edges"]]
    assert [i["assigneeOrganisation"] for i in items] == [
        None,
        {"id": encode_global_id("Organisation", orgs["wuye"]), "name": "凤起物业", "kind": "PROPERTY_MANAGER"},
        {"id": encode_global_id("Organisation", orgs["dept"]), "name": "城管科", "kind": "DEPARTMENT"},
    ]
    few = await cockpit.statements(INBOX, token=token)
    await seed(27)
    assert await cockpit.statements(INBOX, token=token) == few


async def test_hotspot_citations_cost_the_same_statements_for_3_or_30_overdue_items(cockpit, cockpit_kernel, registry, orgs, now):
    token = await cockpit.token("grid_worker", username="gw-ours")
    await make_grid(cockpit_kernel, "changqing", [registry["buildings"][0]], ["gw-ours"])

    async def seed(n: int) -> None:
        await add_items(cockpit_kernel, *(
            open_item(now, category="repair", org=orgs["wuye"], due_hours=-1 - i / 10, building=registry["buildings"][0], title=f"漏水{i}")
            for i in range(n)
        ))

    def window(hours: int) -> dict:  # another range each time: nothing cached
        return {"range": custom(now - timedelta(hours=hours), now)}

    await seed(3)
    few = await cockpit.statements(HOTSPOTS, window(20), token=token)
    await seed(27)
    many = await cockpit.statements(HOTSPOTS, window(21), token=token)
    hotspots = (await cockpit.query(HOTSPOTS, window(22), token=token))["cockpit"]["hotspots"]
    assert len(next(h for h in hotspots if h["place"] == "BUILDING" and h["cites"])["cites"]) == 30
    assert few == many
