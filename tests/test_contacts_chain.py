"""``reach_chain``: who is told, rung after rung, for something at a building (and at a
resident's home): the grid's workers and the resident, the community's duty worker (else the
居委会's admins) and the emergency contacts, the street's duty officer (else its admins)."""

from __future__ import annotations

import pytest

from datetime import datetime

from sqlalchemy import select, update

from jiedao.core import clock
from jiedao.core.contacts.chain import reach_chain
from jiedao.core.contacts.models import DutyShift, EmergencyContact
from jiedao.core.grids.models import Grid, GridWorker
from jiedao.core.identity.models import User
from jiedao.core.models import Building, Compound, Ownership, Resident, Unit
from jiedao.core.organisations.models import Membership, Organisation, OrganisationKind
from jiedao.core.testing.fixtures import build_registry, count_statements

AT = datetime(2026, 6, 1, 3, 0, tzinfo=clock.CHINA)


def summary(rungs) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(label, [(kind, name, role)]) of every rung."""
    return [(rung.label, [(p.kind, p.name, p.role) for p in rung.people]) for rung in rungs]


async def chain(kernel, building_id, resident_id=None, at=AT):
    street_id = kernel.street_id("changqing")
    async with kernel.db.transaction(street_id) as session:
        return await reach_chain(session, street_id, building_id=building_id, resident_id=resident_id, at=at)


@pytest.mark.demo
async def test_a_demo_smoke_alarm_at_an_elderly_residents_home(kernel):
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        resident, building_id = (await session.execute(
            select(Resident, Unit.building_id).join(Ownership, Ownership.resident_id == Resident.id).join(Unit, Unit.id == Ownership.unit_id)
            .join(Building, Building.id == Unit.building_id).join(Compound, Compound.id == Building.compound_id)
            .where(Compound.name == "凤起都市花园", Resident.lives_alone.is_(True), Resident.phone.is_not(None)).order_by(Resident.id).limit(1)
        )).one()
        contacts = list(await session.scalars(select(EmergencyContact).where(EmergencyContact.resident_id == resident.id).order_by(EmergencyContact.position)))
        elsewhere = await session.scalar(select(Building.id).join(Compound, Compound.id == Building.compound_id).where(Compound.name == "王马小区").limit(1))
    assert contacts, "the demo gives the elderly living alone emergency contacts"

    rungs = await chain(kernel, building_id, resident.id)
    assert summary(rungs) == [
        ("grid", [("staff", "changqing-grid", "grid_worker"), ("resident", resident.name, "resident")]),
        ("community", [("staff", "changqing-worker", "community_duty")] + [("contact", c.name, "emergency_contact") for c in contacts]),
        ("street", [("staff", "changqing-admin", "street_duty")]),
    ]
    grid_worker = rungs[0].people[0]
    assert (grid_worker.phone, grid_worker.dingtalk, grid_worker.wecom) == ("13800000001", "dt-changqing-grid", "wc-changqing-grid")
    assert rungs[0].people[1].phone == resident.phone
    assert [(p.relation, p.phone) for p in rungs[1].people[1:]] == [(c.relation, c.phone) for c in contacts]

    assert [r.label for r in await chain(kernel, building_id)] == ["grid", "community", "street"], "without a resident: staff only"
    other = summary(await chain(kernel, elsewhere))
    assert other == [("grid", [("staff", "changqing-grid", "grid_worker")]), ("street", [("staff", "changqing-admin", "street_duty")])], (
        "nobody on duty for 王马社区 and no 居委会 admin account: the community rung is dropped"
    )
    after_roster = summary(await chain(kernel, elsewhere, at=datetime(2028, 3, 1, tzinfo=clock.CHINA)))
    assert after_roster[-1][0] == "street" and ("staff", "changqing-admin", "street_duty") in after_roster[-1][1], "no duty officer: the street admins"


async def _place(kernel, client):
    """A building with a grid of two workers (one inactive), a 居委会 with an admin account,
    a street admin, and a resident of the building with two emergency contacts."""
    place = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    for username, role in (("grid-a", "grid_worker"), ("grid-gone", "grid_worker"), ("jwh-boss", "organisation_member"), ("boss", "street_admin"), ("officer", "community_worker")):
        await client.token(role, username=username)
    async with kernel.db.transaction() as session:
        users = dict((await session.execute(select(User.username, User.id))).all())
        await session.execute(update(User).where(User.username == "grid-gone").values(is_active=False))
    building_id, resident_id = place["buildings"][0], place["residents"][0]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        community_id = await session.scalar(select(Compound.community_id).where(Compound.id == place["compound"][0]))
        grid = Grid(code="g-test", name="测试网格", community_id=community_id)
        committee = Organisation(code="jwh-test", kind=OrganisationKind.RESIDENTS_COMMITTEE, name="测试居委会", community_id=community_id)
        session.add_all([grid, committee])
        await session.flush()
        await session.execute(update(Building).where(Building.id == building_id).values(grid_id=grid.id))
        session.add_all([GridWorker(grid_id=grid.id, user_id=users[u]) for u in ("grid-a", "grid-gone")])
        session.add(Membership(organisation_id=committee.id, user_id=users["jwh-boss"], office="主任", role="org_admin"))
        session.add_all([
            EmergencyContact(resident_id=resident_id, position=n, name=name, relation=relation, phone=phone, updated_at=clock.now())
            for n, (name, relation, phone) in enumerate([("女儿甲", "女儿", "13900000001"), ("邻居乙", "邻居", "0571-87000002")], start=1)
        ])
    return building_id, resident_id, community_id, users


async def test_without_duty_the_committee_and_street_admins_are_reached_and_nobody_twice(kernel, client):
    building_id, resident_id, community_id, users = await _place(kernel, client)
    rungs = summary(await chain(kernel, building_id, resident_id))
    assert rungs == [
        ("grid", [("staff", "grid-a", "grid_worker"), ("resident", "业主0", "resident")]),
        ("community", [("staff", "jwh-boss", "community_duty"), ("contact", "女儿甲", "emergency_contact"), ("contact", "邻居乙", "emergency_contact")]),
        ("street", [("staff", "boss", "street_duty")]),
    ], "inactive accounts are left out; nobody on duty: the 居委会's admins and the street admins"

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        session.add_all([
            DutyShift(user_id=users["grid-a"], community_id=community_id, starts_at=datetime(2026, 5, 1, tzinfo=clock.CHINA), ends_at=datetime(2026, 7, 1, tzinfo=clock.CHINA)),
            DutyShift(user_id=users["officer"], community_id=None, starts_at=datetime(2026, 5, 1, tzinfo=clock.CHINA), ends_at=datetime(2026, 7, 1, tzinfo=clock.CHINA)),
        ])
    rungs = summary(await chain(kernel, building_id))
    assert rungs == [("grid", [("staff", "grid-a", "grid_worker")]), ("street", [("staff", "officer", "street_duty")])], (
        "the grid worker on community duty is already reached on the grid rung: the community rung is left empty and dropped"
    )
    with_contacts = summary(await chain(kernel, building_id, resident_id))
    assert with_contacts[1] == ("community", [("contact", "女儿甲", "emergency_contact"), ("contact", "邻居乙", "emergency_contact")])
    assert summary(await chain(kernel, building_id, at=datetime(2026, 7, 1, tzinfo=clock.CHINA)))[-1] == ("street", [("staff", "boss", "street_duty")]), "the shift is over"


async def test_the_chain_takes_a_fixed_number_of_statements(kernel, client):
    building_id, resident_id, community_id, users = await _place(kernel, client)
    street_id = kernel.street_id("changqing")

    async def counted() -> tuple[int, int]:
        async with kernel.db.transaction(street_id) as session:
            with count_statements() as counter:
                rungs = await reach_chain(session, street_id, building_id=building_id, resident_id=resident_id, at=AT)
            return counter.count, sum(len(r.people) for r in rungs)

    few, people = await counted()
    for n in range(6):
        await client.token("grid_worker", username=f"more-grid-{n}")
        await client.token("street_admin", username=f"more-boss-{n}")
    async with kernel.db.transaction(street_id) as session:
        grid_id = await session.scalar(select(Building.grid_id).where(Building.id == building_id))
        more = list(await session.scalars(select(User.id).where(User.username.like("more-grid-%"))))
        session.add_all([GridWorker(grid_id=grid_id, user_id=u) for u in more])
        session.add_all([DutyShift(user_id=u, community_id=community_id, starts_at=datetime(2026, 1, 1, tzinfo=clock.CHINA), ends_at=datetime(2027, 1, 1, tzinfo=clock.CHINA)) for u in more])
    many, more_people = await counted()
    assert more_people >= people + 11, "six more grid workers (also on community duty) and six more street admins"
    assert 3 == many == few, "one statement for the staff, one for the resident, one for the contacts"
