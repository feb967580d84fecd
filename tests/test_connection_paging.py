"""Paging the lists that grow: a tower's units, a community's compounds, a case's history
(children's connections, batched over parents), and newest-first lists paged backwards
(``last``/``before``). Statement counts show there is no statement per parent."""

from __future__ import annotations

import pytest

from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import encode_global_id

UNITS = """query($b: ID!, $first: Int, $after: String) { building(id: $b) { id
  unitsConnection(first: $first, after: $after) { totalCount edges { cursor node { id number } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""

TOWERS = """query($n: Int) { buildings(first: $n) { edges { node { id
  unitsConnection(first: 3) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } } } }"""


async def test_a_towers_units_come_a_page_at_a_time_in_registry_order(kernel, client):
    registry = await build_registry(kernel, "changqing", buildings=2, units_per_building=7)
    worker = await client.token("community_worker")
    building = encode_global_id("Building", registry["buildings"][0])
    expected = [encode_global_id("Unit", u) for u in registry["units"][:7]]
    seen, after, pages = [], None, []
    while True:
        page = (await client.query(UNITS, {"b": building, "first": 3, "after": after}, token=worker))["building"]["unitsConnection"]
        assert page["totalCount"] == 7
        pages.append(len(page["edges"]))
        seen += [e["node"]["id"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [3, 3, 1] and seen == expected
    empty = (await client.query(UNITS, {"b": building, "first": 0}, token=worker))["building"]["unitsConnection"]
    assert empty["edges"] == [] and empty["totalCount"] == 7  # first: 0 asks the count alone


async def test_the_units_of_many_towers_take_the_statements_of_one(kernel, client):
    await build_registry(kernel, "changqing", buildings=6, units_per_building=5)
    worker = await client.token("community_worker")
    one = await client.statements(TOWERS, {"n": 1}, token=worker)
    many = await client.statements(TOWERS, {"n": 6}, token=worker)
    assert many == one
    data = await client.query(TOWERS, {"n": 6}, token=worker)
    assert all(len(e["node"]["unitsConnection"]["edges"]) == 3 and e["node"]["unitsConnection"]["totalCount"] == 5 for e in data["buildings"]["edges"])


@pytest.mark.parametrize("cursor", ["not-a-cursor", encode_global_id("Unit", 1), "YzpidWlsZGluZ3M6MQ"])
async def test_a_bad_cursor_is_an_error_naming_the_argument(kernel, client, cursor):
    registry = await build_registry(kernel, "changqing", buildings=1, units_per_building=2)
    worker = await client.token("community_worker")
    errors = await client.errors(UNITS, {"b": encode_global_id("Building", registry["buildings"][0]), "first": 1, "after": cursor}, token=worker)
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in errors] == [("INVALID_CURSOR", "after")]


async def test_a_communitys_compounds_are_paged(kernel, client):
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    worker = await client.token("community_worker")
    query = "{ communities { id compounds { id } compoundsConnection(first: 1) { totalCount edges { node { id } } pageInfo { hasNextPage } } } }"
    for community in (await client.query(query, token=worker))["communities"]:
        page = community["compoundsConnection"]
        assert page["totalCount"] == len(community["compounds"])
        assert [e["node"]["id"] for e in page["edges"]] == [c["id"] for c in community["compounds"][:1]]
        assert page["pageInfo"]["hasNextPage"] == (len(community["compounds"]) > 1)


NOTIFICATIONS = """query($first: Int, $after: String, $last: Int, $before: String) { me { notifications(first: $first, after: $after, last: $last, before: $before) {
  edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""


async def test_a_newest_first_list_pages_backwards_with_last_and_before(kernel, client):
    from jiedao.core.notify import Notification, notify

    worker = await client.token("community_worker")
    for n in range(5):
        await notify(kernel, Notification(street="changqing", recipients=("community_worker",), subject=f"通知{n}"))

    async def page(**variables):
        return (await client.query(NOTIFICATIONS, variables, token=worker))["me"]["notifications"]

    everything = [e["node"]["id"] for e in (await page(first=100))["edges"]]
    assert len(everything) == 5  # newest first
    oldest = await page(last=2)
    assert [e["node"]["id"] for e in oldest["edges"]] == everything[-2:]
    assert oldest["pageInfo"]["hasPreviousPage"] and not oldest["pageInfo"]["hasNextPage"]
    newer = await page(last=2, before=oldest["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in newer["edges"]] == everything[1:3]
    newest = await page(last=2, before=newer["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in newest["edges"]] == everything[:1]
    assert not newest["pageInfo"]["hasPreviousPage"] and newest["pageInfo"]["hasNextPage"]
    first_page = await page(first=2)
    between = await page(after=first_page["pageInfo"]["endCursor"], before=oldest["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in between["edges"]] == everything[2:3]


@pytest.mark.parametrize(("variables", "field"), [({"first": 1, "last": 1}, "last"), ({"last": 101}, "last"), ({"before": "nope"}, "before")])
async def test_bad_backward_paging_is_an_error_naming_the_argument(kernel, client, variables, field):
    worker = await client.token("community_worker")
    errors = await client.errors(NOTIFICATIONS, variables, token=worker)
    assert [e["extensions"].get("field") for e in errors] == [field], errors


@pytest.mark.demo
async def test_the_history_of_many_cases_takes_the_statements_of_one(kernel, client):
    from jiedao.core.demo import DEMO_PASSWORD

    login = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }"
    admin = (await client.query(login, {"u": "changqing-admin", "p": DEMO_PASSWORD}))["login"]["token"]
    query = """query($n: Int) { mediationCases(first: $n) { edges { node { id history { toState }
      historyConnection(first: 2) { totalCount edges { node { toState } } pageInfo { hasNextPage } } } } } }"""
    one = await client.statements(query, {"n": 1}, token=admin)
    many = await client.statements(query, {"n": 10}, token=admin)
    assert one == many
    cases = (await client.query(query, {"n": 10}, token=admin))["mediationCases"]["edges"]
    assert len(cases) > 1
    for case in cases:
        history, page = case["node"]["history"], case["node"]["historyConnection"]
        assert [e["node"] for e in page["edges"]] == history[:2]
        assert page["totalCount"] == len(history) and page["pageInfo"]["hasNextPage"] == (len(history) > 2)


COUNTED_BUILDINGS = """query($first: Int, $after: String, $compound: ID) { buildings(first: $first, after: $after, compoundId: $compound) {
  totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
COUNTED_NOTIFICATIONS = """query($first: Int, $after: String, $last: Int, $before: String) { me { notifications(first: $first, after: $after, last: $last, before: $before) {
  totalCount edges { node { id } } pageInfo { startCursor endCursor } } } }"""


async def test_total_count_is_the_whole_lists_on_every_page_and_costs_no_statement(kernel, client):
    """``totalCount`` is read by the page's own statement (``paginate(count=True)``): it is the
    whole (filtered) list's on a middle page, a last page, a page past the end (no row to
    carry it: counted on its own) and pages read backwards; and asking for it costs no
    statement. Buildings are read as plain rows, notifications as ORM rows."""
    from jiedao.core.notify import Notification, notify

    registry = await build_registry(kernel, "changqing", buildings=5, units_per_building=1)
    worker = await client.token("community_worker")
    totals, after = [], None
    while True:
        page = (await client.query(COUNTED_BUILDINGS, {"first": 2, "after": after}, token=worker))["buildings"]
        totals.append((len(page["edges"]), page["totalCount"]))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert totals == [(2, 5), (2, 5), (1, 5)]
    past_the_end = (await client.query(COUNTED_BUILDINGS, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=worker))["buildings"]
    assert (past_the_end["edges"], past_the_end["totalCount"]) == ([], 5)
    compound = encode_global_id("Compound", registry["compound"][0])
    filtered = (await client.query(COUNTED_BUILDINGS, {"first": 1, "compound": compound}, token=worker))["buildings"]
    assert filtered["totalCount"] == 5 and len(filtered["edges"]) == 1
    nowhere = (await client.query(COUNTED_BUILDINGS, {"first": 1, "compound": encode_global_id("Compound", 2**31 - 1)}, token=worker))["buildings"]
    assert (nowhere["edges"], nowhere["totalCount"]) == ([], 0)
    plain = "query($first: Int) { buildings(first: $first) { edges { node { id } } } }"
    assert await client.statements(COUNTED_BUILDINGS, {"first": 2}, token=worker) == await client.statements(plain, {"first": 2}, token=worker)

    for n in range(4):
        await notify(kernel, Notification(street="changqing", recipients=("community_worker",), subject=f"通知{n}"))

    async def notifications(**variables):
        return (await client.query(COUNTED_NOTIFICATIONS, variables, token=worker))["me"]["notifications"]

    newest = await notifications(first=1)
    oldest = await notifications(last=1)
    older = await notifications(last=2, before=oldest["pageInfo"]["startCursor"])
    assert [(len(p["edges"]), p["totalCount"]) for p in (newest, oldest, older)] == [(1, 4), (1, 4), (2, 4)]
    assert (await notifications(first=1, after=oldest["pageInfo"]["endCursor"]))["totalCount"] == 4
