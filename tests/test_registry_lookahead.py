"""The buildings page's look-ahead (core.registry_lookahead) answers exactly as the general
path (DataLoaders per field), with the same refusals and street scoping, in a fixed number
of statements whatever the page size."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from jiedao.core import graphql as core_graphql
from jiedao.core import models
from jiedao.core.identity.roles import INSPECTOR, MEDIATOR, RESIDENT, STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.plain_path import loaded_instances, resolved_parent_types
from jiedao.schema.ids import encode_global_id

README_LIST = """query($first: Int) { buildings(first: $first) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name compound { name community { name } } units { number area owners { name phone } } } } } }"""
HUNDRED = "{ buildings(first: 10) { edges { node { id name units { id number area stairwell floor building { id } } } } } }"
EVERY_OWNER_FIELD = """{ buildings(first: 5) { edges { node { id units { id __typename owners {
  id __typename name phone isOrganisation livesAlone disabled bedridden partyMember idCard } } } } } }"""
WITH_FRAGMENT = """{ buildings(first: 5) { edges { node { id units { ...U } } } } }
fragment U on Unit { number owners { name } }"""
RELAY_LIST = """query($first: Int, $owners: Boolean!) { buildings(first: $first) { totalCount ...Page } }
fragment Page on BuildingConnection { edges { cursor node { ...BuildingRow } } }
fragment BuildingRow on Building { id name place: compound { ...Place } units { ...UnitRow } }
fragment Place on Compound { name community { name } }
fragment UnitRow on Unit { number area owners @include(if: $owners) { ... on Resident { name phone } } }"""
OTHER_UNIT_FIELD = "{ buildings(first: 1) { edges { node { id units { number household { name } } } } } }"

pytestmark = pytest.mark.usefixtures("compiled_reads_off")  # the general path (schema.compiled_reads answers these on PostgreSQL otherwise)



@pytest.fixture
def general_path(monkeypatch, kernel):
    """Run the next queries without the look-ahead (the loaders only) and with graphql-core's
    own executor (every field through its resolver, schema.plain_execution off)."""

    def switch_off() -> None:
        async def nothing(*args, **kwargs) -> None:
            return None

        monkeypatch.setattr(core_graphql, "preload_building_page", nothing)
        monkeypatch.setattr(core_graphql, "preload_building", nothing)
        for schema in kernel.schemas.by_plugins.values():
            monkeypatch.setattr(schema, "execution_context_class", StrawberryGraphQLCoreExecutionContext)

    return switch_off


async def _both(client, general_path, monkeypatch, query: str, variables: dict | None, token: str) -> tuple[dict, dict]:
    fast = await client.result(query, variables, token=token)
    general_path()
    general = await client.result(query, variables, token=token)
    monkeypatch.undo()
    return fast, general


async def _registry_with_a_foreign_owner(kernel) -> dict:
    """Six buildings of three units with an owner each; one more unit with two owners;
    one with none; and one whose ownership points at a resident of another street."""
    made = await build_registry(kernel, "changqing", buildings=6, units_per_building=3)
    changqing, gongchen = kernel.street_id("changqing"), kernel.street_id("gongchen")
    async with kernel.db.transaction(gongchen) as session:
        stranger = models.Resident(external_ref="stranger", name="外街业主", phone="13900000000")
        session.add(stranger)
        await session.flush()
        stranger_id = stranger.id
    async with kernel.db.transaction(changqing) as session:
        shared = models.Unit(building_id=made["buildings"][0], number="999", area_dm2=12345, floor=9, stairwell="2")
        empty = models.Unit(building_id=made["buildings"][1], number="998", area_dm2=5000)
        foreign = models.Unit(building_id=made["buildings"][2], number="997", area_dm2=6000)
        session.add_all([shared, empty, foreign])
        await session.flush()
        session.add_all(
            [
                models.Ownership(unit_id=shared.id, resident_id=made["residents"][0]),
                models.Ownership(unit_id=shared.id, resident_id=made["residents"][1]),
            ]
        )
        await session.flush()
        # A damaged row the ORM's checks would refuse: written in SQL, as an import might have.
        await session.execute(insert(models.Ownership.__table__).values(street_id=changqing, unit_id=foreign.id, resident_id=stranger_id))
    return made


@pytest.mark.parametrize("role", [STREET_ADMIN, MEDIATOR, INSPECTOR, RESIDENT])
async def test_the_readme_list_answers_as_the_general_path(client, kernel, general_path, monkeypatch, role):
    await _registry_with_a_foreign_owner(kernel)
    token = await client.token(role)
    for first in (1, 3, 6):
        fast, general = await _both(client, general_path, monkeypatch, README_LIST, {"first": first}, token)
        assert fast == general, (role, first)
    if role == MEDIATOR:  # the lowest role reading owners: masked phones, no stranger
        assert "errors" not in fast, fast["errors"]
        owners = [o for e in fast["data"]["buildings"]["edges"] for u in e["node"]["units"] for o in u["owners"]]
        assert owners and all("*" in o["phone"] for o in owners)
        assert "外街业主" not in {o["name"] for o in owners}
    if role == INSPECTOR:  # may read units, not owners: refused per unit, as before
        assert fast["errors"] and {e["extensions"]["code"] for e in fast["errors"]} == {"FORBIDDEN"}
    if role == RESIDENT:
        assert fast["data"] is None and fast["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("query", [HUNDRED, EVERY_OWNER_FIELD, WITH_FRAGMENT, OTHER_UNIT_FIELD])
async def test_other_selections_answer_as_the_general_path(client, kernel, general_path, monkeypatch, query):
    await _registry_with_a_foreign_owner(kernel)
    token = await client.token(STREET_ADMIN)
    fast, general = await _both(client, general_path, monkeypatch, query, None, token)
    assert fast == general
    assert "errors" not in fast


async def test_the_foreign_owner_is_not_shown(client, kernel):
    await _registry_with_a_foreign_owner(kernel)
    token = await client.token(STREET_ADMIN)
    page = await client.query(README_LIST, {"first": 6}, token=token)
    units = {u["number"]: u["owners"] for e in page["buildings"]["edges"] for u in e["node"]["units"]}
    assert units["997"] == [] and units["998"] == []
    assert [o["name"] for o in units["999"]] == ["业主0", "业主1"]


async def test_the_readme_list_takes_a_fixed_number_of_statements(client, kernel, general_path):
    await build_registry(kernel, "changqing", buildings=6, units_per_building=3)
    token = await client.token(STREET_ADMIN)
    fast = [await client.statements(README_LIST, {"first": first}, token=token) for first in (1, 3, 6)]
    general_path()
    general = [await client.statements(README_LIST, {"first": first}, token=token) for first in (1, 3, 6)]
    # the page with its totalCount (paginate(count=True)), compounds with their communities,
    # units with their owners (the street's setting goes with the BEGIN, core.db_street);
    # the general path reads compounds, communities, units and owners separately
    assert (fast, general) == ([3] * 3, [5] * 3)


ONE_BUILDING = """query($id: ID!) { building(id: $id) { id name compound { id name community { id name } }
  units { number area owners { name phone } } } }"""


@pytest.mark.parametrize("role", [STREET_ADMIN, MEDIATOR, INSPECTOR])
async def test_one_building_is_looked_ahead_as_a_page_is(client, kernel, general_path, monkeypatch, role):
    """``building(id:)`` reads its compound with its community in one statement and its units
    with their owners in one, and answers as the loaders do, refusals and masks included."""
    made = await _registry_with_a_foreign_owner(kernel)
    token = await client.token(role)
    for pk in made["buildings"][:3]:
        variables = {"id": encode_global_id("Building", pk)}
        fast, general = await _both(client, general_path, monkeypatch, ONE_BUILDING, variables, token)
        assert fast == general, (role, pk)
        if role != INSPECTOR:  # the inspector reads the units but not their owners: the loaders' path, refusals and all
            fast_count = await client.statements(ONE_BUILDING, variables, token=token)
            general_path()
            general_count = await client.statements(ONE_BUILDING, variables, token=token)
            monkeypatch.undo()
            # the building, its compound with its community, its units with their owners
            assert (fast_count, general_count) == (3, 5)
    if role == INSPECTOR:
        assert {e["extensions"]["code"] for e in fast["errors"]} == {"FORBIDDEN"}
    else:
        assert "errors" not in fast and fast["data"]["building"]["compound"]["community"]["name"]


@pytest.mark.parametrize("role", [STREET_ADMIN, MEDIATOR])
async def test_a_looked_ahead_page_resolves_no_field_of_its_rows(client, kernel, monkeypatch, role):
    """The executor reads the looked-ahead buildings, compounds, communities, units and
    owners itself (schema.plain_execution): graphql-core resolves the page and its count only."""
    resolved = resolved_parent_types(monkeypatch)
    await build_registry(kernel, "changqing", buildings=3, units_per_building=5)
    token = await client.token(role)
    page = await client.query(README_LIST, {"first": 3}, token=token)
    units = [u for e in page["buildings"]["edges"] for u in e["node"]["units"]]
    assert len(units) == 15 and all(u["owners"] for u in units)
    assert all("*" in o["phone"] for u in units for o in u["owners"]) == (role == MEDIATOR)
    assert sorted(resolved) == ["BuildingConnection", "Query"]  # buildings, totalCount


async def test_the_readme_list_hydrates_no_orm_instance_of_the_registry(client, kernel):
    """Buildings, compounds with their communities, units with their owners: all read as
    plain rows by column statements (``schema.plain_rows``), none loaded as an ORM instance
    (identity map, instance state: most of the CPU of a short list's reads)."""
    await build_registry(kernel, "changqing", buildings=3, units_per_building=2)
    token = await client.token(STREET_ADMIN)
    with loaded_instances(models.Building, models.Compound, models.Community, models.Unit, models.Resident) as loaded:
        page = await client.query(README_LIST, {"first": 3}, token=token)
    assert len(page["buildings"]["edges"]) == 3
    assert all(e["node"]["compound"]["community"]["name"] for e in page["buildings"]["edges"])
    assert loaded == []
    first = page["buildings"]["edges"][0]["node"]
    with loaded_instances(models.Building, models.Compound, models.Community, models.Unit, models.Resident) as loaded:
        one = await client.query(ONE_BUILDING, {"id": first["id"]}, token=token)
    assert (one["building"]["name"], one["building"]["compound"]["community"]["name"]) == (first["name"], first["compound"]["community"]["name"])
    assert loaded == []  # building(id:) too


@pytest.mark.parametrize("owners", [True, False])
async def test_a_relay_style_query_of_fragments_is_looked_ahead_as_well(client, kernel, general_path, monkeypatch, owners):
    """What Relay and Apollo send, each component's fragment spread into the list, with an
    alias and ``@include``: the look-ahead sees the selection as the executor does, so the
    statements stay those of the README list and no field of a row is resolved."""
    await _registry_with_a_foreign_owner(kernel)
    token = await client.token(MEDIATOR)
    variables = {"first": 6, "owners": owners}
    assert await client.statements(RELAY_LIST, variables, token=token) == 3
    resolved = resolved_parent_types(monkeypatch)
    await client.query(RELAY_LIST, variables, token=token)
    assert sorted(resolved) == ["BuildingConnection", "Query"]
    monkeypatch.undo()
    fast, general = await _both(client, general_path, monkeypatch, RELAY_LIST, variables, token)
    assert fast == general and "errors" not in fast
    units = [u for e in fast["data"]["buildings"]["edges"] for u in e["node"]["units"]]
    assert ("owners" in units[0]) == owners and fast["data"]["buildings"]["edges"][0]["node"]["place"]["community"]


async def test_node_ids_and_areas_resolve_without_strawberry_wrappers_and_still_round_trip(client, kernel):
    from jiedao.schema.plain_execution import GETTER

    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=2)
    token = await client.token(STREET_ADMIN)
    page = await client.query(HUNDRED, token=token)
    unit_ids = [u["id"] for e in page["buildings"]["edges"] for u in e["node"]["units"]]
    assert len(unit_ids) == 2
    for global_id, pk in zip(unit_ids, made["units"]):
        found = await client.query("query($id: ID!) { node(id: $id) { __typename id ... on Unit { number } } }", {"id": global_id}, token=token)
        assert found["node"]["__typename"] == "Unit" and found["node"]["id"] == global_id
    served = kernel.schemas.by_plugins[kernel.schemas.street_plugins["changqing"]]
    unit_id = served._schema.type_map["Unit"].fields["id"].resolve
    row = type("Row", (), {"id": made["units"][0]})()
    assert unit_id.__qualname__.startswith("_global_id_resolver") and getattr(unit_id, GETTER)(row) == unit_id(row, None) == unit_ids[0]
    assert getattr(served._schema.type_map["Unit"].fields["area"].resolve, "__qualname__", "").startswith("_calling")
