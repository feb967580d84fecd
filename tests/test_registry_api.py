"""Browsing the registry through GraphQL: pagination, relations, node(id:), isolation."""

from __future__ import annotations

import os

from jiedao.core.testing.fixtures import build_registry

BUILDINGS_PAGE = """
query($first: Int, $after: String) {
  buildings(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name compound { name community { name } } units { number area owners { name phone } } } }
  }
}
"""


async def test_buildings_are_paged_with_cursors(kernel, client):
    await build_registry(kernel, "changqing", buildings=5, units_per_building=2)
    token = await client.token("community_worker")
    first = (await client.query(BUILDINGS_PAGE, {"first": 3}, token=token))["buildings"]
    assert first["totalCount"] == 5 and first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["name"] for e in first["edges"]] == ["1幢", "2幢", "3幢"]
    rest = (await client.query(BUILDINGS_PAGE, {"first": 3, "after": first["pageInfo"]["endCursor"]}, token=token))["buildings"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["4幢", "5幢"]
    assert rest["pageInfo"]["hasNextPage"] is False
    unit = first["edges"][0]["node"]["units"][0]
    assert unit["area"] == 90.0 and unit["owners"][0]["name"].startswith("业主")
    assert first["edges"][0]["node"]["compound"]["name"] == "测试小区"


async def test_page_size_is_capped(kernel, client):
    token = await client.token("community_worker")
    errors = await client.errors("{ buildings(first: 101) { edges { cursor } } }", token=token)
    assert errors[0]["extensions"]["code"] == "PAGE_SIZE"


async def test_bad_cursor_and_bad_id_get_clear_errors(kernel, client):
    token = await client.token("community_worker")
    errors = await client.errors('{ buildings(first: 2, after: "garbage!") { edges { cursor } } }', token=token)
    assert errors[0]["extensions"]["code"] == "INVALID_CURSOR"
    errors = await client.errors('{ building(id: "bm9wZQ") { name } }', token=token)
    assert errors[0]["extensions"]["code"] == "INVALID_ID"


async def test_node_fetches_any_registry_object_but_never_another_streets(kernel, client):
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    cq = await client.token("community_worker", "changqing")
    gc = await client.token("street_admin", "gongchen")
    unit_id = (await client.query("{ units(first: 1) { edges { node { id } } } }", token=cq))["units"]["edges"][0]["node"]["id"]
    node = await client.query("query($id: ID!) { node(id: $id) { id ... on Unit { number } } }", {"id": unit_id}, token=cq)
    assert node["node"] == {"id": unit_id, "number": "001"}
    foreign = await client.query("query($id: ID!) { node(id: $id) { id } }", {"id": unit_id}, street="gongchen", token=gc)
    assert foreign["node"] is None
    gongchen_units = await client.query("{ units(first: 100) { totalCount edges { node { id } } } }", street="gongchen", token=gc)
    assert unit_id not in {e["node"]["id"] for e in gongchen_units["units"]["edges"]}
    assert gongchen_units["units"]["totalCount"] == 1


async def test_cursor_of_another_street_reveals_nothing(kernel, client):
    await build_registry(kernel, "changqing", buildings=3)
    await build_registry(kernel, "gongchen", buildings=2)
    gc = await client.token("street_admin", "gongchen")
    cq = await client.token("community_worker", "changqing")
    page = (await client.query(BUILDINGS_PAGE, {"first": 1}, street="changqing", token=cq))["buildings"]
    foreign = (await client.query(BUILDINGS_PAGE, {"first": 5, "after": page["pageInfo"]["endCursor"]}, street="gongchen", token=gc))["buildings"]
    assert all(e["node"]["compound"]["name"] == "测试小区" for e in foreign["edges"])
    assert len(foreign["edges"]) <= 2


async def test_street_is_public_and_lists_its_plugins(client):
    assert (await client.query("{ street { slug name } }"))["street"] == {"slug": "changqing", "name": "长庆街道"}
    assert (await client.query("{ street { name } }", street="gongchen"))["street"]["name"] == "拱宸桥街道"


NESTED = "{ buildings(first: 100) { edges { node { name compound { name } units { number area owners { name units { number } } } } } } }"


async def test_statement_count_is_the_same_for_10_and_100_buildings(kernel, client, monkeypatch):
    from jiedao.schema import extensions
    monkeypatch.setenv("JIEDAO_DEBUG", "1")
    # 100 buildings × 300 units × 4 owners × 10 units each would exceed the query limits (test_limits.py).
    monkeypatch.setattr(extensions, "MAX_COST", 10**9)
    kernel.config.max_objects = 10**8
    token = await client.token("community_worker")
    counts = {}
    for total, add in ((10, 10), (100, 90)):
        await build_registry(kernel, "changqing", buildings=add, units_per_building=3)
        body = await client.result(NESTED, token=token)
        assert "errors" not in body
        assert len(body["data"]["buildings"]["edges"]) == total
        assert sum(len(e["node"]["units"]) for e in body["data"]["buildings"]["edges"]) == 3 * total
        counts[total] = body["extensions"]["statements"]
    assert counts[10] == counts[100], counts


async def test_debug_statement_count_is_hidden_without_debug(kernel, client, monkeypatch):
    monkeypatch.delenv("JIEDAO_DEBUG", raising=False)
    token = await client.token("community_worker")
    body = await client.result("{ buildings(first: 1) { edges { cursor } } }", token=token)
    assert "statements" not in body["extensions"] and body["extensions"]["cost"] >= 1
    assert os.environ.get("JIEDAO_DEBUG") is None
