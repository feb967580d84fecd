"""The work-item loop through GraphQL as the real roles: dispatch, accept, start, resolve,
return, reassign, reopen, rate and close; who sees which items; every permission from the
lowest role up; the inbox's statement count."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import pytest_asyncio

from jiedao.api.domain import street_transaction
from jiedao.api.work import open_work_item, work_item_for, WorkSource
from jiedao.core.contributions import Register
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.organisations import make_grid, make_organisation
from jiedao.schema.ids import encode_global_id
from jiedao.core.models import Resident

ITEM = "id state reopenCount rating ratingReason outcome outcomeNote closed assigneeOrganisationName assigneeUsername timeline { action fromState toState actor note }"
WORK_ITEM = f"query($id: ID!) {{ workItem(id: $id) {{ {ITEM} }} }}"
INBOX = "query($mine: Boolean, $first: Int) { workItems(first: $first, mine: $mine) { totalCount edges { node { id subject title building { name } timeline { action } } } } }"


def step(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ workItem {{ {ITEM} }} errors {{ code field message }} }} }}"


DISPATCH = step("dispatchWorkItem", "AssignWorkItemInput")
REASSIGN = step("reassignWorkItem", "AssignWorkItemInput")
ACCEPT = step("acceptWorkItem", "WorkStepInput")
START = step("startWorkItem", "WorkStepInput")
RESOLVE = step("resolveWorkItem", "ResolveWorkItemInput")
RETURN = step("returnWorkItem", "WorkReasonInput")
REOPEN = step("reopenWorkItem", "WorkReasonInput")
CLOSE = step("closeWorkItem", "WorkStepInput")
RATE = step("rateWorkItem", "RateWorkItemInput")


@dataclass
class Place:
    """Two buildings in two grids, a property company and another organisation, two residents."""

    buildings: list[int]
    residents: list[int]
    wuye: int
    other_org: int
    tokens: dict[str, str]


@pytest_asyncio.fixture
async def place(kernel, client) -> Place:
    ids = await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    tokens = {
        "staff": await client.token("community_worker"),
        "gw-a": await client.token("grid_worker", username="gw-a"),
        "gw-b": await client.token("grid_worker", username="gw-b"),
        "wuye-1": await client.token("resident", username="wuye-1"),
        "other-org-1": await client.token("resident", username="other-org-1"),
        "res-1": await client.token("resident", username="res-1", resident_id=ids["residents"][0]),
        "res-2": await client.token("resident", username="res-2", resident_id=ids["residents"][1]),
    }
    await make_grid(kernel, "changqing", [ids["buildings"][0]], ["gw-a"])
    await make_grid(kernel, "changqing", [ids["buildings"][1]], ["gw-b"])
    wuye = await make_organisation(kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "凤起物业", ["wuye-1"])
    other = await make_organisation(kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "别家物业", ["other-org-1"])
    return Place(ids["buildings"], ids["residents"], wuye, other, tokens)


async def open_item(kernel, place: Place, *, building: int = 0, raised: int | None = 0, subject: str = "Topic:1", **kwargs) -> str:
    async with street_transaction(kernel, "changqing") as session:
        item = await open_work_item(
            session, subject=subject, title="楼道灯不亮", category="repair", source=WorkSource.RESIDENT_APPEAL,
            building_id=place.buildings[building], raised_by=None if raised is None else place.residents[raised], **kwargs,
        )
    return encode_global_id("WorkItem", item.id)


async def run(client, mutation: str, token: str | None, **input) -> dict:
    body = await client.result(mutation, {"input": input}, token=token)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def ok(client, mutation: str, token: str, **input) -> dict:
    result = await run(client, mutation, token, **input)
    assert result["errors"] == [], result["errors"]
    return result["workItem"]


async def refused(client, mutation: str, token: str | None, **input) -> dict:
    """The one error of a refused step: a payload error, or a GraphQL error for a missing permission."""
    body = await client.result(mutation, {"input": input}, token=token)
    if body.get("errors"):
        [error] = body["errors"]
        return {"code": error["extensions"]["code"], "message": error["message"], "field": None}
    [error] = next(iter(body["data"].values()))["errors"]
    return error


@pytest.fixture
def work_events(kernel):
    seen = []

    async def handler(event, delivery):
        seen.append(event)

    register = Register("core", kernel.contributions)
    for name in ("opened", "state_changed", "closed"):
        register.on(f"core.work.item.{name}", handler)
    return seen


async def test_appeal_to_the_property_company_rated_unsatisfied_reopened_then_confirmed(kernel, client, place, work_events):
    t = place.tokens
    item = await open_item(kernel, place)
    dispatched = await ok(client, DISPATCH, t["staff"], id=item, organisationId=encode_global_id("Organisation", place.wuye), note="请物业处理")
    assert (dispatched["state"], dispatched["assigneeOrganisationName"]) == ("DISPATCHED", "凤起物业")
    assert (await ok(client, ACCEPT, t["wuye-1"], id=item))["state"] == "ACCEPTED"
    assert (await ok(client, START, t["wuye-1"], id=item))["state"] == "IN_PROGRESS"
    resolved = await ok(client, RESOLVE, t["wuye-1"], id=item, note="换了灯泡", outcome="FIXED")
    assert (resolved["state"], resolved["outcome"], resolved["closed"]) == ("RESOLVED", "FIXED", False)

    # The resident is not satisfied: it reopens once, with the reason, back to the same company.
    reopened = await ok(client, RATE, t["res-1"], id=item, rating="UNSATISFIED", reason="第二天又不亮了")
    assert (reopened["state"], reopened["reopenCount"], reopened["rating"]) == ("REOPENED", 1, "UNSATISFIED")
    assert reopened["assigneeOrganisationName"] == "凤起物业"
    await ok(client, RESOLVE, t["wuye-1"], id=item, note="更换了线路", outcome="FIXED")
    confirmed = await ok(client, RATE, t["res-1"], id=item, rating="SATISFIED")
    assert (confirmed["state"], confirmed["closed"], confirmed["rating"]) == ("CONFIRMED", True, "SATISFIED")

    # The resident sees the whole timeline of their item.
    seen = (await client.query(WORK_ITEM, {"id": item}, token=t["res-1"]))["workItem"]
    assert [(s["action"], s["fromState"], s["toState"], s["actor"]) for s in seen["timeline"]] == [
        ("open", None, "NEW", "jiedao"),
        ("dispatch", "NEW", "DISPATCHED", "community_worker-changqing"),
        ("accept", "DISPATCHED", "ACCEPTED", "wuye-1"),
        ("start", "ACCEPTED", "IN_PROGRESS", "wuye-1"),
        ("resolve", "IN_PROGRESS", "RESOLVED", "wuye-1"),
        ("rate_reopen", "RESOLVED", "REOPENED", "res-1"),
        ("resolve", "REOPENED", "RESOLVED", "wuye-1"),
        ("confirm", "RESOLVED", "CONFIRMED", "res-1"),
    ]
    assert seen["timeline"][5]["note"] == "第二天又不亮了"
    admin = await client.token("street_admin")
    audit = await client.query('{ auditLog(first: 50) { edges { node { action actor target } } } }', token=admin)
    steps = [(e["node"]["action"], e["node"]["actor"]) for e in audit["auditLog"]["edges"] if e["node"]["target"] == item]
    assert steps == [
        ("core.work.dispatched", "community_worker-changqing"), ("core.work.accepted", "wuye-1"), ("core.work.started", "wuye-1"),
        ("core.work.resolved", "wuye-1"), ("core.work.rated", "res-1"), ("core.work.resolved", "wuye-1"), ("core.work.rated", "res-1"),
    ]
    names = [e.name for e in work_events]
    assert names[0] == "core.work.item.opened" and names[-1] == "core.work.item.closed"
    assert names.count("core.work.item.state_changed") == 7
    assert {e.subject for e in work_events} == {"Topic:1"} and work_events[-1].rating == "SATISFIED"


async def test_a_second_unsatisfied_rating_closes_the_item_as_unsatisfied(kernel, client, place):
    t = place.tokens
    item = await open_item(kernel, place, assignee_org=place.wuye)
    await ok(client, ACCEPT, t["wuye-1"], id=item)
    await ok(client, RESOLVE, t["wuye-1"], id=item, note="处理了")
    assert (await ok(client, RATE, t["res-1"], id=item, rating="UNSATISFIED", reason="没解决"))["state"] == "REOPENED"
    await ok(client, RESOLVE, t["wuye-1"], id=item, note="又处理了")
    closed = await ok(client, RATE, t["res-1"], id=item, rating="UNSATISFIED", reason="还是没解决")
    assert (closed["state"], closed["closed"], closed["rating"], closed["reopenCount"]) == ("CLOSED", True, "UNSATISFIED", 1)
    assert closed["timeline"][-1]["action"] == "rate_close" and "还是没解决" in closed["timeline"][-1]["note"]
    # Street staff may still reopen it by hand, with a reason.
    assert (await ok(client, REOPEN, t["staff"], id=item, reason="街道复核"))["state"] == "REOPENED"


async def test_refused_steps_name_the_state_or_the_field(kernel, client, place):
    t = place.tokens
    item = await open_item(kernel, place)
    error = await refused(client, ACCEPT, t["staff"], id=item)
    assert error["code"] == "INVALID_STATE" and "NEW" in error["message"]
    error = await refused(client, DISPATCH, t["staff"], id=item)
    assert (error["code"], error["field"]) == ("BAD_INPUT", "organisationId")
    error = await refused(client, DISPATCH, t["staff"], id=item, assigneeUsername="nobody")
    assert (error["code"], error["field"]) == ("NOT_FOUND", "assigneeUsername")
    await ok(client, DISPATCH, t["staff"], id=item, assigneeUsername="gw-a")
    error = await refused(client, RETURN, t["gw-a"], id=item, reason="  ")
    assert (error["code"], error["field"]) == ("BAD_INPUT", "reason")
    error = await refused(client, RESOLVE, t["gw-a"], id=item)
    assert error["code"] == "INVALID_STATE" and "DISPATCHED" in error["message"]
    await ok(client, ACCEPT, t["gw-a"], id=item)
    error = await refused(client, RESOLVE, t["gw-a"], id=item)
    assert (error["code"], error["field"]) == ("BAD_INPUT", "note")
    await ok(client, RESOLVE, t["gw-a"], id=item, note="修好了")
    error = await refused(client, RATE, t["res-1"], id=item, rating="UNSATISFIED")
    assert (error["code"], error["field"]) == ("BAD_INPUT", "reason")
    error = await refused(client, RATE, t["res-1"], id=encode_global_id("WorkItem", 999999), rating="SATISFIED")
    assert (error["code"], error["field"]) == ("NOT_FOUND", "id")


async def test_returned_to_the_dispatcher_then_reassigned(kernel, client, place):
    t = place.tokens
    item = await open_item(kernel, place, assignee_org=place.other_org)
    returned = await ok(client, RETURN, t["other-org-1"], id=item, reason="不归我们管")
    assert (returned["state"], returned["assigneeOrganisationName"]) == ("RETURNED", None)
    # The organisation that returned it no longer sees it.
    assert (await client.query(INBOX, token=t["other-org-1"]))["workItems"]["totalCount"] == 0
    again = await ok(client, DISPATCH, t["staff"], id=item, organisationId=encode_global_id("Organisation", place.wuye))
    assert again["assigneeOrganisationName"] == "凤起物业"
    moved = await ok(client, REASSIGN, t["staff"], id=item, assigneeUsername="gw-a", note="网格员先去看")
    assert (moved["state"], moved["assigneeUsername"], moved["assigneeOrganisationName"]) == ("DISPATCHED", "gw-a", None)
    assert [s["action"] for s in moved["timeline"]] == ["open", "return", "dispatch", "reassign"]
    closed = await ok(client, CLOSE, t["staff"], id=item, note="重复诉求")
    assert (closed["state"], closed["closed"]) == ("CLOSED", True)


async def test_every_step_from_the_lowest_role_up(kernel, client, place):
    t = place.tokens
    item = await open_item(kernel, place, assignee_org=place.wuye)
    # Anonymous: nothing at all.
    assert (await refused(client, ACCEPT, None, id=item))["code"] == "UNAUTHENTICATED"
    assert (await client.errors(INBOX))[0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Another resident, a grid worker of another grid, a member of another organisation: cannot
    # see it, and every step they try is refused.
    for who in ("res-2", "gw-b", "other-org-1"):
        assert (await client.query(WORK_ITEM, {"id": item}, token=t[who]))["workItem"] is None, who
        assert (await client.query(INBOX, token=t[who]))["workItems"]["totalCount"] == 0, who
        # Refused before the item's state is looked at: they learn nothing of it.
        for mutation, extra in ((ACCEPT, {}), (START, {}), (RESOLVE, {"note": "x"}), (RETURN, {"reason": "no"}), (RATE, {"rating": "SATISFIED"})):
            assert (await refused(client, mutation, t[who], id=item, **extra))["code"] == "FORBIDDEN", (who, mutation)
        for mutation, extra in ((DISPATCH, {"assigneeUsername": "gw-a"}), (REASSIGN, {"assigneeUsername": "gw-a"}), (CLOSE, {}), (REOPEN, {"reason": "x"})):
            error = await refused(client, mutation, t[who], id=item, **extra)
            assert error["code"] == "FORBIDDEN" and "core.work.dispatch" in error["message"], (who, error)
    # The grid worker of the building's own grid sees it but may not handle the property company's item.
    assert (await client.query(WORK_ITEM, {"id": item}, token=t["gw-a"]))["workItem"]["state"] == "DISPATCHED"
    assert (await refused(client, ACCEPT, t["gw-a"], id=item))["code"] == "FORBIDDEN"
    # The resident who raised it may read it but not handle it, nor rate it before it is resolved.
    assert (await refused(client, ACCEPT, t["res-1"], id=item))["code"] == "FORBIDDEN"
    assert (await refused(client, RATE, t["res-1"], id=item, rating="SATISFIED"))["code"] == "INVALID_STATE"
    # The member of the assignee organisation handles it; only the raiser rates it.
    await ok(client, ACCEPT, t["wuye-1"], id=item)
    await ok(client, RESOLVE, t["wuye-1"], id=item, note="done")
    for who in ("res-2", "wuye-1", "gw-a", "staff"):
        assert (await refused(client, RATE, t[who], id=item, rating="SATISFIED"))["code"] == "FORBIDDEN", who
    await ok(client, RATE, t["res-1"], id=item, rating="BASICALLY_SATISFIED")


async def test_the_inbox_of_each_role(kernel, client, place):
    t = place.tokens
    grid_a = await open_item(kernel, place, building=0, raised=None, subject="Alarm:1", to_grid=True)
    org = await open_item(kernel, place, building=1, raised=None, subject="Finding:2", assignee_org=place.wuye)
    mine_b = await open_item(kernel, place, building=1, raised=1, subject="Topic:3", assignee_user=None)
    own = await open_item(kernel, place, building=1, raised=None, subject="Topic:4", assignee_user=await _uid(kernel, "gw-a"))

    async def inbox(who, mine=False):
        edges = (await client.query(INBOX, {"mine": mine}, token=t[who]))["workItems"]["edges"]
        return {e["node"]["id"] for e in edges}

    assert await inbox("staff") == {grid_a, org, mine_b, own}
    assert await inbox("staff", mine=True) == set()
    assert await inbox("gw-a") == {grid_a, own}
    assert await inbox("gw-b") == {org, mine_b, own}  # every item of the buildings of their grid
    assert await inbox("wuye-1") == {org}
    assert await inbox("res-2") == {mine_b}
    assert await inbox("res-1") == set()
    filtered = "query($s: [WorkState!], $c: String) { workItems(first: 10, state: $s, category: $c) { edges { node { id } } } }"
    assert {e["node"]["id"] for e in (await client.query(filtered, {"s": ["NEW"]}, token=t["staff"]))["workItems"]["edges"]} == {mine_b}
    assert (await client.query(filtered, {"c": "noise"}, token=t["staff"]))["workItems"]["edges"] == []
    assert len((await client.query(filtered, {"c": "repair", "s": ["DISPATCHED"]}, token=t["staff"]))["workItems"]["edges"]) == 3
    # A grid item with one grid worker goes to that worker.
    item = (await client.query(WORK_ITEM, {"id": grid_a}, token=t["gw-a"]))["workItem"]
    assert (item["state"], item["assigneeUsername"]) == ("DISPATCHED", "gw-a")


async def _uid(kernel, name):
    from jiedao.core.testing.organisations import user_id

    return await user_id(kernel, name)


async def test_the_inbox_statement_count_does_not_grow_with_its_length(kernel, client, place):
    t = place.tokens
    counts = {}
    for total, add in ((3, 3), (30, 27)):
        for n in range(add):
            item = await open_item(kernel, place, building=n % 2, subject=f"Topic:{n}", assignee_org=place.wuye)
            if n % 3 == 0:
                await ok(client, ACCEPT, t["wuye-1"], id=item)
        for who in ("wuye-1", "staff"):
            query = INBOX.replace("timeline { action }", "timeline { action } unit { number } raisedBy { name } assigneeOrganisationName assigneeUsername")
            counts[(who, total)] = await client.statements(query, {"first": 50}, token=t[who])
        assert (await client.query(INBOX, {"first": 50}, token=t["wuye-1"]))["workItems"]["totalCount"] == total
    assert counts[("wuye-1", 3)] == counts[("wuye-1", 30)], counts
    assert counts[("staff", 3)] == counts[("staff", 30)], counts


async def test_the_inbox_reads_buildings_and_units_ahead(kernel, client, place, monkeypatch):
    """A page of work items reads the building and the unit of every item in one statement
    each (``linked``), and graphql-core resolves no field of a work item: the executor answers
    them from the rows read ahead. An item about no unit answers null."""
    from jiedao.core.models import Unit
    from jiedao.core.testing.plain_path import resolved_parent_types
    from sqlalchemy import select

    async with street_transaction(kernel, "changqing") as session:
        units = {b: u for u, b in (await session.execute(select(Unit.id, Unit.building_id))).all()}
    for n in range(4):
        building = place.buildings[n % 2]
        await open_item(kernel, place, building=n % 2, subject=f"Topic:{n}", unit_id=units[building] if n < 3 else None)
    query = "query($first: Int) { workItems(first: $first) { edges { node { id title building { name } unit { number building { name } } } } } }"
    staff = place.tokens["staff"]
    resolved = resolved_parent_types(monkeypatch)
    items = [e["node"] for e in (await client.query(query, {"first": 10}, token=staff))["workItems"]["edges"]]
    assert [(i["building"]["name"], i["unit"] and i["unit"]["number"]) for i in items] == [("1幢", "001"), ("2幢", "001"), ("1幢", "001"), ("2幢", None)]
    assert all(i["unit"] is None or i["unit"]["building"] == i["building"] for i in items)
    assert "WorkItem" not in resolved, resolved
    assert await client.statements(query, {"first": 1}, token=staff) == await client.statements(query, {"first": 10}, token=staff)


async def test_the_inbox_reads_who_is_in_charge_ahead(kernel, client, place, monkeypatch):
    """The inbox shows each item's organisation and account in charge: a page reads their
    names in one statement each (the organisations', the accounts'), and graphql-core resolves
    no field of a work item; an item nobody is in charge of answers null."""
    from datetime import timedelta

    from sqlalchemy import update

    from jiedao.core.clock import now
    from jiedao.core.testing.plain_path import resolved_parent_types
    from jiedao.core.work.models import WorkItem as WorkItemModel
    from jiedao.schema.ids import decode_id_of

    t = place.tokens
    to_wuye = await open_item(kernel, place, subject="Topic:1", assignee_org=place.wuye)
    to_person = await open_item(kernel, place, subject="Topic:2", assignee_org=place.other_org)
    nobody = await open_item(kernel, place, subject="Topic:3")
    await ok(client, REASSIGN, t["staff"], id=to_person, assigneeUsername="gw-a", note="网格员先去看")
    async with street_transaction(kernel, "changqing") as session:  # past due while still waiting on its handler
        await session.execute(update(WorkItemModel).where(WorkItemModel.id == decode_id_of(to_wuye, "WorkItem")).values(due_at=now() - timedelta(hours=1)))
    query = "query($first: Int) { workItems(first: $first) { edges { node { id assigneeOrganisationName assigneeUsername overdue } } } }"
    resolved = resolved_parent_types(monkeypatch)
    edges = (await client.query(query, {"first": 10}, token=t["staff"]))["workItems"]["edges"]
    assert {e["node"]["id"]: (e["node"]["assigneeOrganisationName"], e["node"]["assigneeUsername"], e["node"]["overdue"]) for e in edges} == {
        to_wuye: ("凤起物业", None, True), to_person: (None, "gw-a", False), nobody: (None, None, False),
    }
    assert "WorkItem" not in resolved, resolved
    plain = await client.statements("query($first: Int) { workItems(first: $first) { edges { node { id } } } }", {"first": 10}, token=t["staff"])
    assert await client.statements(query, {"first": 10}, token=t["staff"]) == plain + 2


async def test_the_raiser_is_read_ahead_and_shown_per_row(kernel, client, place, monkeypatch):
    """``raisedBy`` is shown to whoever may read residents and to the resident who raised the
    item, null to others (the property company) and where nobody raised it; a page reads the
    raisers it shows in one statement, and graphql-core resolves no field of a work item."""
    from jiedao.core.testing.plain_path import resolved_parent_types

    t = place.tokens
    raised = {
        await open_item(kernel, place, building=1, raised=1, subject="Topic:1", assignee_org=place.wuye): 1,
        await open_item(kernel, place, building=1, raised=0, subject="Topic:2", assignee_org=place.wuye): 0,
        await open_item(kernel, place, building=1, raised=None, subject="Topic:3", assignee_org=place.wuye): None,
    }
    async with street_transaction(kernel, "changqing") as session:
        names = {i: (await session.get(Resident, place.residents[i])).name for i in (0, 1)}
    query = "query($first: Int) { workItems(first: $first) { edges { node { id raisedBy { id name } } } } }"

    async def raisers(who: str) -> dict[str, str | None]:
        edges = (await client.query(query, {"first": 10}, token=t[who]))["workItems"]["edges"]
        return {e["node"]["id"]: e["node"]["raisedBy"] and e["node"]["raisedBy"]["name"] for e in edges}

    resolved = resolved_parent_types(monkeypatch)
    assert await raisers("staff") == {item: None if who is None else names[who] for item, who in raised.items()}
    assert await raisers("wuye-1") == dict.fromkeys(raised)  # assigned to them, but they may not read residents
    assert await raisers("res-2") == {item: names[1] for item, who in raised.items() if who == 1}
    assert "WorkItem" not in resolved, resolved
    assert await client.statements(query, {"first": 1}, token=t["staff"]) == await client.statements(query, {"first": 10}, token=t["staff"])


async def test_plugins_find_the_item_of_their_subject(kernel, place):
    await open_item(kernel, place, subject="Alarm:77", raised=None)
    async with street_transaction(kernel, "changqing") as session:
        item = await work_item_for(session, "Alarm:77")
        assert (item.subject, item.state, item.source) == ("Alarm:77", "NEW", "RESIDENT_APPEAL")
        assert await work_item_for(session, "Alarm:78") is None
    async with street_transaction(kernel, "gongchen") as session:
        assert await work_item_for(session, "Alarm:77") is None  # another street's item is not there
