"""``Unit.household``: a resident sees the people of their own home — co-owners and the
household living in it, phones masked — and nothing of a neighbour's; staff reading the
residents' register see any unit's; a role without it is refused."""

from __future__ import annotations

import pytest_asyncio

from jiedao.core.models import Household, Ownership, Resident
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import encode_global_id

HOMES = "{ me { resident { units { id number household { name owner livesHere isYou phone } } } } }"
UNIT = "query($id: ID!) { node(id: $id) { ... on Unit { number household { name owner livesHere } } } }"
BUILDING = "query($id: ID!) { building(id: $id) { units { number household { name } } } }"


@pytest_asyncio.fixture
async def home(kernel):
    """Unit 0 owned by 业主0 and co-owned by 配偶, with 业主0's household (业主0, 配偶's mother)
    living in it; unit 1 a neighbour's (业主1)."""
    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=2)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        household = Household(unit_id=ids["units"][0], name="张家")
        spouse = Resident(external_ref="spouse", name="配偶", phone="13900001111")
        mother = Resident(external_ref="mother", name="母亲", phone=None)
        session.add_all([household, spouse, mother])
        await session.flush()
        session.add(Ownership(unit_id=ids["units"][0], resident_id=spouse.id))
        mother.household_id = household.id
        owner = await session.get(Resident, ids["residents"][0])
        owner.household_id = household.id
    return ids


async def test_a_resident_sees_the_people_of_their_own_home(client, home):
    token = await client.token("resident", username="owner0", resident_id=home["residents"][0])
    units = (await client.query(HOMES, token=token))["me"]["resident"]["units"]
    assert [u["number"] for u in units] == ["001"]
    assert units[0]["household"] == [
        {"name": "业主0", "owner": True, "livesHere": True, "isYou": True, "phone": "138****5678"},
        {"name": "配偶", "owner": True, "livesHere": False, "isYou": False, "phone": "139****1111"},
        {"name": "母亲", "owner": False, "livesHere": True, "isYou": False, "phone": None},
    ]


async def test_a_neighbour_gets_nothing_of_another_home(client, home):
    neighbour = await client.token("resident", username="owner1", resident_id=home["residents"][1])
    assert (await client.query(UNIT, {"id": encode_global_id("Unit", home["units"][0])}, token=neighbour))["node"] is None
    units = (await client.query(HOMES, token=neighbour))["me"]["resident"]["units"]
    assert units[0]["household"] == [{"name": "业主1", "owner": True, "livesHere": False, "isYou": True, "phone": "138****5678"}]


async def test_staff_read_any_home_and_a_role_without_the_register_is_refused(client, home):
    staff = await client.token("community_worker")
    data = await client.query(UNIT, {"id": encode_global_id("Unit", home["units"][0])}, token=staff)
    assert [p["name"] for p in data["node"]["household"]] == ["业主0", "配偶", "母亲"]
    inspector = await client.token("inspector")  # reads the registry, not the residents
    errors = await client.errors(BUILDING, {"id": encode_global_id("Building", home["buildings"][0])}, token=inspector)
    assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}
    lowest = await client.token("organisation_member")
    assert (await client.query(UNIT, {"id": encode_global_id("Unit", home["units"][0])}, token=lowest))["node"] is None


async def test_an_owner_living_elsewhere_sees_the_co_owners_not_the_household_living_there(client, home):
    """配偶 co-owns unit 0 but lives elsewhere: a landlord's view lists the owners only."""
    async with client.kernel.db.transaction(client.kernel.street_id("changqing")) as session:
        from sqlalchemy import select

        spouse = await session.scalar(select(Resident.id).where(Resident.external_ref == "spouse"))
    token = await client.token("resident", username="spouse", resident_id=spouse)
    units = (await client.query(HOMES, token=token))["me"]["resident"]["units"]
    assert [(p["name"], p["owner"], p["isYou"]) for p in units[0]["household"]] == [("业主0", True, False), ("配偶", True, True)]


async def test_a_residents_homes_and_their_people_take_two_statements_however_many_homes(client, home):
    """The "my homes" screen: the caller's homes are read in one statement (owned and lived
    in together), the people of all of them in one more (owners and households together)."""
    async with client.kernel.db.transaction(client.kernel.street_id("changqing")) as session:
        session.add(Ownership(unit_id=home["units"][1], resident_id=home["residents"][0]))  # 业主0 co-owns the neighbour's unit too
    token = await client.token("resident", username="owner0", resident_id=home["residents"][0])
    units = (await client.query(HOMES, token=token))["me"]["resident"]["units"]
    assert [[(p["name"], p["owner"], p["livesHere"]) for p in u["household"]] for u in units] == [
        [("业主0", True, True), ("配偶", True, False), ("母亲", False, True)],
        [("业主0", True, False), ("业主1", True, False)],
    ], "a landlord of the second unit sees its co-owners, nobody living there"
    without = "{ me { resident { units { id number } } } }"
    assert await client.statements(HOMES, token=token) == await client.statements(without, token=token) + 2


PLACES = "{ me { resident { units { number building { name compound { name community { name } } } } } } }"


async def test_the_places_of_a_residents_homes_take_two_statements(client, home):
    """The "my homes" screen names each home's building, compound (小区) and community (社区):
    the buildings in one statement, their compounds with the communities in one more, however
    many homes (before, compound and community were read one after the other: three)."""
    from sqlalchemy import select

    from jiedao.core.models import Building, Community, Compound, Unit

    async with client.kernel.db.transaction(client.kernel.street_id("changqing")) as session:
        session.add(Ownership(unit_id=home["units"][1], resident_id=home["residents"][0]))  # 业主0 co-owns the neighbour's unit too
        expected = [
            {"number": number, "building": {"name": building, "compound": {"name": compound, "community": {"name": community}}}}
            for number, building, compound, community in (await session.execute(
                select(Unit.number, Building.name, Compound.name, Community.name)
                .join(Building, Building.id == Unit.building_id).join(Compound, Compound.id == Building.compound_id)
                .join(Community, Community.id == Compound.community_id).where(Unit.id.in_(home["units"][:2])).order_by(Unit.id)
            )).all()
        ]
    token = await client.token("resident", username="owner0", resident_id=home["residents"][0])
    assert (await client.query(PLACES, token=token))["me"]["resident"]["units"] == expected
    without = "{ me { resident { units { number } } } }"
    assert await client.statements(PLACES, token=token) == await client.statements(without, token=token) + 2
