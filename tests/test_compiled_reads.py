"""Queries answered by one compiled statement (schema.compiled_reads, core.registry_sql) answer
exactly as the general path, per role: same data, same errors, same masks, same street; on
PostgreSQL the README list is one statement, on SQLite it keeps the general path."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update

from jiedao.core import models
from jiedao.core.identity.roles import GRID_WORKER, INSPECTOR, MEDIATOR, RESIDENT, STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.plain_path import served_and_general
from jiedao.schema import compiled_reads, cost
from jiedao.schema.context import Context
from jiedao.schema.ids import encode_cursor, encode_global_id

README_LIST = """query($first: Int) { buildings(first: $first) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name compound { name community { name } } units { number area owners { name phone } } } } } }"""
EVERYTHING = """query($first: Int, $after: String, $compound: ID) { __typename
  list: buildings(first: $first, after: $after, compoundId: $compound) { __typename totalCount
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { __typename id name compound { id name community { id name __typename } }
      units { id __typename number stairwell floor area building { id name }
        owners { id __typename name phone isOrganisation livesAlone disabled bedridden partyMember idCard } } } } } }"""
RELAY = """query($first: Int, $owners: Boolean!) { buildings(first: $first) { totalCount ...Page } }
fragment Page on BuildingConnection { edges { cursor node { ...Row } } pageInfo { endCursor } }
fragment Row on Building { id name place: compound { ...Place } units { ...UnitRow } }
fragment Place on Compound { name community { name } }
fragment UnitRow on Unit { number area owners @include(if: $owners) { ... on Resident { name phone } } }"""
TWO_PAGES = """query($after: String) { a: buildings(first: 2) { edges { node { name } } pageInfo { hasPreviousPage endCursor } }
  b: buildings(first: 2, after: $after) { edges { node { name } } pageInfo { hasPreviousPage hasNextPage startCursor } } }"""
ONE = """query($id: ID!) { building(id: $id) { id name compound { name } units { number owners { name } } } }"""
UNITS = """query($building: ID, $after: String) { units(first: 3, buildingId: $building, after: $after) { totalCount
  pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id number area building { name } owners { name } } } } }"""
RESIDENTS = """query($after: String) { residents(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor startCursor }
  edges { node { id name phone partyMember livesAlone idCard } } } }"""
TREE = """{ communities { id name compounds { id name community { name } } } compounds { name buildings { name } } }"""
"""The street's communities and compounds (estimated at ~23,000 objects: a raised max_objects)."""
WIDE = "{ buildings(first: 2) { edges { node { " + " ".join(f"n{i}: name" for i in range(60)) + " } } } }"
"""Sixty fields on one object: more than one json_build_object takes (the general path answers)."""
NOT_DECLARED = """{ buildings(first: 2) { edges { node { name location { lat } units { number household { name } } } } } }"""


async def _street(kernel) -> dict:
    """Six buildings of three units with an owner each; a unit with two owners (one a party
    member), one with none, one whose ownership points at another street's resident; and a
    building in another street."""
    made = await build_registry(kernel, "changqing", buildings=6, units_per_building=3)
    other = await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    changqing = kernel.street_id("changqing")
    async with kernel.db.transaction(kernel.street_id("gongchen")) as session:
        stranger = models.Resident(external_ref="stranger", name="外街业主", phone="13900000000")
        session.add(stranger)
        await session.flush()
        stranger_id = stranger.id
    async with kernel.db.transaction(changqing) as session:
        shared = models.Unit(building_id=made["buildings"][0], number="999", area_dm2=12000, floor=-1, stairwell="2")
        empty = models.Unit(building_id=made["buildings"][1], number="998", area_dm2=5001)
        foreign = models.Unit(building_id=made["buildings"][2], number="997", area_dm2=6000)
        session.add_all([shared, empty, foreign])
        await session.flush()
        session.add_all([models.Ownership(unit_id=shared.id, resident_id=r) for r in made["residents"][:2]])
        await session.execute(
            update(models.Resident)
            .where(models.Resident.id == made["residents"][0])
            .values(party_member=True, lives_alone=True, id_card_masked="330105********123X", name='引号"\\业主\n')
        )
        await session.flush()
        # A damaged row the ORM's checks would refuse: written in SQL, as an import might have.
        await session.execute(insert(models.Ownership.__table__).values(street_id=changqing, unit_id=foreign.id, resident_id=stranger_id))
    return {**made, "other_building": other["buildings"][0]}


def _cases(made: dict) -> list[tuple[str, dict]]:
    compound = encode_global_id("Compound", made["compound"][0])
    after = encode_cursor(made["buildings"][1], "buildings")
    return [
        (README_LIST, {"first": 3}),
        (README_LIST, {}),
        (EVERYTHING, {"first": 6}),
        (EVERYTHING, {"first": 2, "after": after}),
        (EVERYTHING, {"first": 2, "compound": compound}),
        (EVERYTHING, {"first": 100, "after": encode_cursor(made["buildings"][-1], "buildings")}),  # an empty page
        (RELAY, {"first": 4, "owners": True}),
        (RELAY, {"first": 4, "owners": False}),
        (TWO_PAGES, {"after": after}),
        (ONE, {"id": encode_global_id("Building", made["buildings"][0])}),
        (ONE, {"id": encode_global_id("Building", made["other_building"])}),  # another street's: null
        (ONE, {"id": encode_global_id("Building", 2**31 - 1)}),
        (UNITS, {}),
        (UNITS, {"building": encode_global_id("Building", made["buildings"][0])}),
        (UNITS, {"building": encode_global_id("Building", made["buildings"][0]), "after": encode_cursor(made["units"][0], "units")}),
        (UNITS, {"building": encode_global_id("Building", made["other_building"])}),
        (RESIDENTS, {}),
        (RESIDENTS, {"after": encode_cursor(made["residents"][2], "residents")}),
        (TREE, {}),
        # selections without an aggregate over the page (one row all the same)
        ("{ buildings(first: 5) { totalCount } }", {}),
        ("{ buildings { __typename } }", {}),
        ("{ buildings(first: 5) { pageInfo { hasPreviousPage } } }", {}),
        ("{ residents(first: 5) { totalCount } }", {}),
        ("query($a: String) { buildings(after: $a) { totalCount } }", {"a": encode_cursor(made["buildings"][-1], "buildings")}),
        (NOT_DECLARED, {}),
        (WIDE, {}),
        # bad arguments: the general path reports them, whatever was compiled
        (EVERYTHING, {"first": 0}),
        (EVERYTHING, {"first": 101}),
        (EVERYTHING, {"first": -1}),
        (EVERYTHING, {"first": 2, "after": "'; drop table buildings; --"}),
        (EVERYTHING, {"first": 2, "after": encode_cursor(1, "units")}),
        (EVERYTHING, {"first": 2, "compound": encode_global_id("Building", 1)}),
        (ONE, {"id": "\x00\u202e' or 1=1 --"}),
        (ONE, {"id": encode_global_id("Unit", made["units"][0])}),
    ]


@pytest.mark.parametrize("role", [STREET_ADMIN, GRID_WORKER, MEDIATOR, INSPECTOR, RESIDENT])
async def test_every_answer_equals_the_general_paths(client, kernel, monkeypatch, role):
    made = await _street(kernel)
    token = await client.token(role)
    kernel.config.max_objects = 100_000  # the street's tree estimates ~23,000
    for query, variables in _cases(made):
        served, general = await served_and_general(client, monkeypatch, query, variables, token)
        assert served == general, (role, query[:60], variables)
    if role in (STREET_ADMIN, GRID_WORKER):
        page = (await client.result(EVERYTHING, {"first": 6}, token=token))["data"]["list"]
        units = {u["number"]: u for e in page["edges"] for u in e["node"]["units"]}
        assert [o["name"] for o in units["999"]["owners"]] == ['引号"\\业主\n', "业主1"]
        assert units["997"]["owners"] == [] and units["998"]["owners"] == []  # no stranger from another street
        assert (units["999"]["area"], units["998"]["area"], units["999"]["floor"]) == (120, 50.01, -1)
        assert units["999"]["owners"][0]["phone"] == "13812345678"
        assert units["999"]["owners"][0]["partyMember"] is (True if role == STREET_ADMIN else None)


async def test_the_readme_list_is_one_statement_on_postgresql(client, kernel, monkeypatch):
    """On PostgreSQL the README list is one statement (the street's setting goes with the
    BEGIN); on SQLite, and with compilation off, the general path's three."""
    await build_registry(kernel, "changqing", buildings=6, units_per_building=3)
    token = await client.token(STREET_ADMIN)
    served = [await client.statements(README_LIST, {"first": first}, token=token) for first in (1, 6)]
    monkeypatch.setattr(compiled_reads, "ENABLED", False)
    general = [await client.statements(README_LIST, {"first": first}, token=token) for first in (1, 6)]
    assert general == [3, 3]
    assert served == ([1, 1] if kernel.db.is_postgres else [3, 3])
    monkeypatch.setattr(compiled_reads, "ENABLED", True)
    kernel.config.max_objects = 100_000  # the street's tree estimates ~23,000
    for query in (EVERYTHING, RELAY, UNITS, RESIDENTS, TWO_PAGES, TREE):  # every declared root and field
        count = await client.statements(query, {"first": 6, "owners": True}, token=token)
        assert count == 1 or not kernel.db.is_postgres, query[:60]


async def test_masked_phones_and_refusals_keep_the_general_path(client, kernel, monkeypatch):
    """A mediator reads phones masked (the mask stays in Python), an inspector is refused the
    owners at every unit: neither is compiled, both answer as before."""
    await build_registry(kernel, "changqing", buildings=2, units_per_building=2)
    mediator, inspector = await client.token(MEDIATOR), await client.token(INSPECTOR)
    page = await client.query(README_LIST, {"first": 2}, token=mediator)
    assert {o["phone"] for e in page["buildings"]["edges"] for u in e["node"]["units"] for o in u["owners"]} == {"138****5678"}
    assert await client.statements(README_LIST, {"first": 2}, token=mediator) == 3
    refused = await client.result(README_LIST, {"first": 2}, token=inspector)
    assert refused["errors"] and {e["extensions"]["code"] for e in refused["errors"]} == {"FORBIDDEN"}


async def test_each_street_reads_its_own_buildings(client, kernel):
    made = await _street(kernel)
    gongchen = await client.token(STREET_ADMIN, "gongchen")
    page = await client.query(README_LIST, {"first": 5}, street="gongchen", token=gongchen)
    assert page["buildings"]["totalCount"] == 1
    assert [e["node"]["id"] for e in page["buildings"]["edges"]] == [encode_global_id("Building", made["other_building"])]
    changqing_building = encode_global_id("Building", made["buildings"][0])
    assert (await client.query(ONE, {"id": changqing_building}, street="gongchen", token=gongchen)) == {"building": None}


async def test_a_query_that_fails_in_the_database_is_an_internal_error_not_a_crash(client, kernel, monkeypatch):
    """The compiled statement failing (here: a declared column that does not exist) answers
    the masked INTERNAL error at the root field, and the next request is served."""
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    token = await client.token(STREET_ADMIN)
    building = compiled_reads._TYPES["Building"]
    broken = compiled_reads.SqlType(building.name, building.table, {"name": "{t}.no_such_column"}, building.links, building.lists)
    monkeypatch.setitem(compiled_reads._TYPES, "Building", broken)
    compiled_reads._CACHE.clear()
    body = await client.result("{ buildings(first: 1) { edges { node { name } } } }", token=token)
    if kernel.db.is_postgres:
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "INTERNAL"
        assert body["errors"][0]["locations"] == [{"line": 1, "column": 3}]
    else:
        assert body["data"]["buildings"]["edges"][0]["node"]["name"]
    monkeypatch.undo()
    compiled_reads._CACHE.clear()
    assert (await client.query("{ buildings(first: 1) { edges { node { name } } } }", token=token))["buildings"]["edges"]


def _without_request_ids(body: dict) -> dict:
    body.pop("extensions", None)
    for error in body.get("errors", []):
        error["extensions"].pop("requestId", None)
        error.pop("message", None)  # the masked message names the request id too
    return body


async def test_a_link_to_a_row_the_street_cannot_see_is_the_general_paths_error(client, kernel, monkeypatch):
    """A damaged row (a building whose compound is another street's, as an import might
    write): the general path reports the null in a non-null field; so does the served answer."""
    made = await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    other = await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await session.execute(update(models.Building).where(models.Building.id == made["buildings"][0]).values(compound_id=other["compound"][0], name="moved"))
    token = await client.token(STREET_ADMIN)
    for query in ("{ buildings(first: 2) { edges { node { name compound { name } } } } }", "{ compounds { name buildings { name compound { name } } } }"):
        served, general = await served_and_general(client, monkeypatch, query, {}, token)
        assert _without_request_ids(served) == _without_request_ids(general)
        assert served["errors"] and served["data"] is None


async def test_an_integral_float_page_size_is_counted_as_the_page_it_asks(client, kernel, monkeypatch):
    """``first: 100.0`` is the Int 100 to graphql-core: the estimate counts 100 (it counted the
    default 20, and a compiled answer has no runtime count to catch it), and the kept estimate
    of ``{"n": 1}`` is not the one of ``{"n": 1.0}`` or ``{"n": true}`` (equal keys in Python)."""
    await build_registry(kernel, "changqing", buildings=30, units_per_building=1)
    token = await client.token(STREET_ADMIN)
    kernel.config.max_objects = 25
    small = "query($n: Int) { buildings(first: $n) { edges { node { name } } } }"
    served, general = await served_and_general(client, monkeypatch, small, {"n": 100.0}, token)
    assert served["errors"][0]["extensions"]["code"] == general["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    kernel.config.max_objects = 10000
    deep = "query($n: Int) { buildings(first: $n) { edges { node { units { owners { name } } } } } }"
    cost._KEPT.clear()
    await client.result(deep, {"n": 1.0}, token=token)
    await client.result(deep, {"n": True}, token=token)
    answer = await client.result(deep, {"n": 1}, token=token)
    assert "errors" not in answer and answer["extensions"]["objects"] == 1501


async def test_a_failed_statement_leaves_the_context_usable(kernel):
    """A WebSocket's context serves many operations on one session: after a statement fails
    (PostgreSQL then refuses the rest of the transaction) the next one still runs."""
    context = Context(kernel=kernel, street="changqing", street_id=kernel.street_id("changqing"), request_id="test")
    try:
        with pytest.raises(Exception):
            await context.driver_row("select no_such_column from buildings", ())
        assert tuple(await context.driver_row("select 1", ())) == (1,)
    finally:
        await context.close()
