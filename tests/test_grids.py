"""Grids (网格) through GraphQL as the real roles: the street admin draws them and names their
workers; a grid worker sees the grids they work; every building answers which grid it is in."""

from __future__ import annotations

from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import encode_global_id

CREATE = """mutation($input: CreateGridInput!) { createGrid(input: $input) { grid { id code name community { name } } errors { code field message } } }"""
ASSIGN = """mutation($input: AssignBuildingsToGridInput!) {
  assignBuildingsToGrid(input: $input) { grid { buildings(first: 10) { totalCount edges { node { name grid { code } } } } } errors { code field } } }"""
ADD_WORKER = """mutation($input: GridWorkerInput!) { addGridWorker(input: $input) { grid { workers { username } } errors { code field message } } }"""
REMOVE_WORKER = """mutation($input: GridWorkerInput!) { removeGridWorker(input: $input) { grid { workers { username } } errors { code field } } }"""


def gid(type_name: str, pk: int) -> str:
    return encode_global_id(type_name, pk)


async def _community(client, token, street="changqing") -> str:
    return (await client.query("{ communities { id } }", token=token, street=street))["communities"][0]["id"]


async def test_street_admin_draws_a_grid_and_names_its_worker(kernel, client):
    place = await build_registry(kernel, "changqing", buildings=3, units_per_building=1)
    admin = await client.token("street_admin")
    worker = await client.token("grid_worker", username="wang-grid")
    created = (await client.query(CREATE, {"input": {"code": "g-01", "name": "第一网格", "communityId": await _community(client, admin)}}, token=admin))["createGrid"]
    assert created["errors"] == [] and created["grid"]["community"]["name"].startswith("社区")
    grid = created["grid"]["id"]
    assigned = (await client.query(ASSIGN, {"input": {"gridId": grid, "buildingIds": [gid("Building", b) for b in place["buildings"][:2]]}}, token=admin))["assignBuildingsToGrid"]
    assert assigned["errors"] == []
    assert assigned["grid"]["buildings"]["totalCount"] == 2
    assert [e["node"] for e in assigned["grid"]["buildings"]["edges"]] == [{"name": "1幢", "grid": {"code": "g-01"}}, {"name": "2幢", "grid": {"code": "g-01"}}]
    added = (await client.query(ADD_WORKER, {"input": {"gridId": grid, "username": "wang-grid"}}, token=admin))["addGridWorker"]
    assert added == {"grid": {"workers": [{"username": "wang-grid"}]}, "errors": []}
    mine = await client.query("{ me { grids { code name buildings(first: 1) { pageInfo { hasNextPage } edges { node { name } } } } } }", token=worker)
    assert mine["me"]["grids"] == [{"code": "g-01", "name": "第一网格", "buildings": {"pageInfo": {"hasNextPage": True}, "edges": [{"node": {"name": "1幢"}}]}}]
    building = await client.query("query($id: ID!) { building(id: $id) { grid { name } } }", {"id": gid("Building", place["buildings"][2])}, token=worker)
    assert building["building"]["grid"] is None, "the third building was not assigned"
    twice = (await client.query(ADD_WORKER, {"input": {"gridId": grid, "username": "wang-grid"}}, token=admin))["addGridWorker"]
    assert twice["errors"][0]["code"] == "DUPLICATE"
    removed = (await client.query(REMOVE_WORKER, {"input": {"gridId": grid, "username": "wang-grid"}}, token=admin))["removeGridWorker"]
    assert removed == {"grid": {"workers": []}, "errors": []}
    assert (await client.query("{ me { grids { code } } }", token=worker))["me"]["grids"] == []
    log = await client.query("{ auditLog(first: 20) { edges { node { action } } } }", token=admin)
    actions = [e["node"]["action"] for e in log["auditLog"]["edges"]]
    assert {"core.grid.created", "core.grid.buildings_assigned", "core.grid.worker_added", "core.grid.worker_removed"} <= set(actions)


async def test_a_building_moves_to_its_new_grid_and_stays_in_its_community(kernel, client):
    place = await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    elsewhere = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    admin = await client.token("street_admin")
    community = await _community(client, admin)
    first = (await client.query(CREATE, {"input": {"code": "a", "name": "甲", "communityId": community}}, token=admin))["createGrid"]["grid"]["id"]
    second = (await client.query(CREATE, {"input": {"code": "b", "name": "乙", "communityId": community}}, token=admin))["createGrid"]["grid"]["id"]
    building = gid("Building", place["buildings"][0])
    await client.query(ASSIGN, {"input": {"gridId": first, "buildingIds": [building]}}, token=admin)
    moved = (await client.query(ASSIGN, {"input": {"gridId": second, "buildingIds": [building]}}, token=admin))["assignBuildingsToGrid"]
    assert moved["grid"]["buildings"]["totalCount"] == 1
    left = await client.query("query($id: ID!) { node(id: $id) { ... on Grid { buildings { totalCount } } } }", {"id": first}, token=admin)
    assert left["node"]["buildings"]["totalCount"] == 0, "a building belongs to one grid"
    foreign = (await client.query(ASSIGN, {"input": {"gridId": first, "buildingIds": [building, gid("Building", elsewhere["buildings"][0])]}}, token=admin))["assignBuildingsToGrid"]
    assert foreign["errors"] == [{"code": "BAD_INPUT", "field": "buildingIds[1]"}]
    duplicate = (await client.query(CREATE, {"input": {"code": "a", "name": "丙", "communityId": community}}, token=admin))["createGrid"]
    assert duplicate["errors"][0]["field"] == "code" and duplicate["errors"][0]["code"] == "DUPLICATE"


async def test_only_grid_workers_of_this_street_can_be_named(kernel, client):
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    admin = await client.token("street_admin")
    await client.token("community_worker", username="li-worker")
    await client.token("grid_worker", "gongchen", username="zhao-gongchen")
    grid = (await client.query(CREATE, {"input": {"code": "a", "name": "甲", "communityId": await _community(client, admin)}}, token=admin))["createGrid"]["grid"]["id"]
    for username in ("li-worker", "zhao-gongchen"):
        refused = (await client.query(ADD_WORKER, {"input": {"gridId": grid, "username": username}}, token=admin))["addGridWorker"]
        assert refused["errors"][0]["field"] == "username" and refused["errors"][0]["code"] == "BAD_INPUT", username
    missing = (await client.query(REMOVE_WORKER, {"input": {"gridId": grid, "username": "li-worker"}}, token=admin))["removeGridWorker"]
    assert missing["errors"] == [{"code": "NOT_FOUND", "field": "username"}]


async def test_every_grid_write_is_refused_below_street_admin_and_across_streets(kernel, client):
    place = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    admin = await client.token("street_admin")
    community = await _community(client, admin)
    grid = (await client.query(CREATE, {"input": {"code": "a", "name": "甲", "communityId": community}}, token=admin))["createGrid"]["grid"]["id"]
    writes = [
        (CREATE, {"input": {"code": "z", "name": "z", "communityId": community}}),
        (ASSIGN, {"input": {"gridId": grid, "buildingIds": [gid("Building", place["buildings"][0])]}}),
        (ADD_WORKER, {"input": {"gridId": grid, "username": "x"}}),
        (REMOVE_WORKER, {"input": {"gridId": grid, "username": "x"}}),
    ]
    callers = {
        "anonymous": None,
        "resident": await client.token("resident", resident_id=place["residents"][0]),
        "grid worker": await client.token("grid_worker"),
        "community worker": await client.token("community_worker"),
        "organisation member": await client.token("organisation_member"),
    }
    for who, token in callers.items():
        for query, variables in writes:
            errors = await client.errors(query, variables, token=token)
            assert errors[0]["extensions"]["code"] == ("UNAUTHENTICATED" if token is None else "FORBIDDEN"), (who, query)
    for who in ("resident", "organisation member"):
        errors = await client.errors("{ grids(first: 5) { edges { node { name } } } }", token=callers[who])
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", who
        assert (await client.query("query($id: ID!) { node(id: $id) { id } }", {"id": grid}, token=callers[who]))["node"] is None
    gongchen = await client.token("street_admin", "gongchen")
    foreign = await client.query(ASSIGN, {"input": {"gridId": grid, "buildingIds": []}}, token=gongchen, street="gongchen")
    assert foreign["assignBuildingsToGrid"]["errors"][0] == {"code": "NOT_FOUND", "field": "gridId"}
    foreign = await client.query(CREATE, {"input": {"code": "q", "name": "q", "communityId": community}}, token=gongchen, street="gongchen")
    assert foreign["createGrid"]["errors"][0]["field"] == "communityId"
    assert (await client.query("{ grids(first: 5) { totalCount } }", token=gongchen, street="gongchen"))["grids"]["totalCount"] == 0


GRIDS = "{ grids(first: 50) { edges { node { name community { name } workers { username } buildings(first: 5) { edges { node { name grid { name } } } } } } } }"


async def test_statements_of_the_grid_list_do_not_grow_with_it(kernel, client):
    admin = await client.token("street_admin")
    await client.token("grid_worker", username="w")
    counts = {}
    for total in (2, 8):
        while len((await client.query("{ grids(first: 50) { edges { cursor } } }", token=admin))["grids"]["edges"]) < total:
            place = await build_registry(kernel, "changqing", buildings=3, units_per_building=1)
            community = (await client.query("query($id: ID!) { building(id: $id) { compound { community { id } } } }", {"id": gid("Building", place["buildings"][0])}, token=admin))["building"]["compound"]["community"]["id"]
            grid = (await client.query(CREATE, {"input": {"code": f"g{place['buildings'][0]}", "name": "网格", "communityId": community}}, token=admin))["createGrid"]["grid"]["id"]
            await client.query(ASSIGN, {"input": {"gridId": grid, "buildingIds": [gid("Building", b) for b in place["buildings"]]}}, token=admin)
            await client.query(ADD_WORKER, {"input": {"gridId": grid, "username": "w"}}, token=admin)
        body = await client.query(GRIDS, token=admin)
        assert all(len(e["node"]["buildings"]["edges"]) == 3 and e["node"]["workers"] == [{"username": "w"}] for e in body["grids"]["edges"])
        counts[total] = await client.statements(GRIDS, token=admin)
    assert counts[2] == counts[8], counts


async def test_the_grid_list_reads_its_communities_ahead(kernel, client, monkeypatch):
    """``grids`` pages through ``read_page``: each grid's community (``linked``) is read for the
    whole page at once and answered without graphql-core resolving a grid's field."""
    from jiedao.core.testing.plain_path import resolved_parent_types

    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    admin = await client.token("street_admin")
    community = await _community(client, admin)
    for n in range(3):
        created = (await client.query(CREATE, {"input": {"code": f"g-{n}", "name": f"第{n}网格", "communityId": community}}, token=admin))["createGrid"]
        assert created["errors"] == []
    resolved = resolved_parent_types(monkeypatch)
    page = await client.query("{ grids(first: 10) { edges { node { code community { name } } } } }", token=admin)
    assert [e["node"]["code"] for e in page["grids"]["edges"]] == ["g-0", "g-1", "g-2"]
    assert all(e["node"]["community"]["name"].startswith("社区") for e in page["grids"]["edges"])
    assert "Grid" not in resolved, resolved
