"""The kernel's answers to "whom does this account act for, and where": the functions the
work-item loop and plugins call through ``jiedao.api``."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from jiedao.api import organisations as api
from jiedao.api.domain import CHINA
from jiedao.api import DomainError
from jiedao.core.grids.models import Grid, GridWorker
from jiedao.core.identity.models import User
from jiedao.core.models import Building, Compound
from jiedao.core.organisations.models import CoveredBuilding, Membership, Organisation, OrganisationKind, ServedCompound
from jiedao.core.testing.fixtures import new_compound

K = OrganisationKind


async def _world(kernel, password_hash):
    """Two compounds of one community, a 居委会, a 业委会, a 物业 (one current, one lapsed
    contract), a 楼道党支部 covering one building, a department; one account per membership."""
    async with kernel.db.transaction() as session:
        users = {name: User(username=f"acc-{name}", password_hash=password_hash) for name in ("wuye", "yeweihui", "ended", "none")}
        session.add_all(users.values())
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        compound, buildings = await new_compound(session, 3)
        other = Compound(community_id=compound.community_id, name="其他小区")
        session.add(other)
        await session.flush()
        other_building = Building(compound_id=other.id, name="9幢")
        session.add(other_building)
        await session.flush()
        orgs = {
            "rc": Organisation(code="rc", kind=K.RESIDENTS_COMMITTEE, name="居委会", community_id=compound.community_id),
            "oc": Organisation(code="oc", kind=K.OWNERS_COMMITTEE, name="业委会", compound_id=compound.id, community_id=compound.community_id,
                               term_start=date(2023, 1, 1), term_end=date(2099, 1, 1)),
            "pm": Organisation(code="pm", kind=K.PROPERTY_MANAGER, name="物业"),
            "party": Organisation(code="party", kind=K.PARTY_ORGANISATION, name="楼道党支部"),
            "dept": Organisation(code="dept", kind=K.DEPARTMENT, name="城管"),
        }
        session.add_all(orgs.values())
        await session.flush()
        session.add_all([
            ServedCompound(organisation_id=orgs["pm"].id, compound_id=compound.id, contract_start=date(2020, 1, 1), contract_end=date(2099, 1, 1)),
            ServedCompound(organisation_id=orgs["pm"].id, compound_id=other.id, contract_start=date(2010, 1, 1), contract_end=date(2015, 1, 1)),
            CoveredBuilding(organisation_id=orgs["party"].id, building_id=buildings[1].id),
            Membership(organisation_id=orgs["pm"].id, user_id=users["wuye"].id, office="经理", role="org_staff"),
            Membership(organisation_id=orgs["oc"].id, user_id=users["yeweihui"].id, office="主任", role="org_member"),
            Membership(organisation_id=orgs["oc"].id, user_id=users["ended"].id, office="委员", role="org_admin", ended_on=date(2024, 1, 1)),
        ])
    return {k: o.id for k, o in orgs.items()}, {k: u.id for k, u in users.items()}, compound.id, other.id, [b.id for b in buildings], other_building.id


async def test_places_of_each_kind_of_organisation(kernel, password_hash):
    orgs, _, compound, other, buildings, other_building = await _world(kernel, password_hash)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        rc = await api.places_of(session, orgs["rc"])
        assert rc.compound_ids == {compound, other} and rc.building_ids == {*buildings, other_building} and len(rc.community_ids) == 1
        assert (await api.places_of(session, orgs["oc"])).building_ids == set(buildings)
        pm = await api.places_of(session, orgs["pm"])
        assert pm.compound_ids == {compound} and pm.building_ids == set(buildings)  # the lapsed contract counts no more
        assert (await api.places_of(session, orgs["pm"], on=date(2012, 6, 1))).compound_ids == {other}
        assert (await api.places_of(session, orgs["party"])).building_ids == {buildings[1]}
        assert (await api.places_of(session, orgs["dept"])).building_ids == frozenset()
        responsible = await api.responsible_for_building(session, buildings[1])
        assert responsible == [(orgs["rc"], K.RESIDENTS_COMMITTEE), (orgs["oc"], K.OWNERS_COMMITTEE), (orgs["pm"], K.PROPERTY_MANAGER), (orgs["party"], K.PARTY_ORGANISATION)]
        assert await api.responsible_for_building(session, other_building) == [(orgs["rc"], K.RESIDENTS_COMMITTEE)]
        assert set(await session.scalars(api.place_building_ids(api.acted_for_ids((await session.scalar(select(User.id).where(User.username == "acc-wuye"))))))) == set(buildings)


async def test_who_acts_for_what_and_with_which_permissions(kernel, password_hash):
    orgs, users, compound, other, _, _ = await _world(kernel, password_hash)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        [wuye] = await api.organisations_acted_for(session, users["wuye"])
        assert (wuye.org_id, wuye.kind, wuye.role, wuye.office) == (orgs["pm"], K.PROPERTY_MANAGER, "org_staff", "经理")
        assert await api.acts_for(session, users["wuye"], orgs["pm"], "org.work.handle")
        assert not await api.acts_for(session, users["wuye"], orgs["oc"], "org.work.read")
        assert not await api.acts_for(session, users["yeweihui"], orgs["oc"], "org.work.handle")  # a member only reads
        assert await api.organisations_acted_for(session, users["ended"]) == []
        assert await api.organisations_acted_for(session, users["none"]) == [] and await api.organisations_acted_for(session, None) == []
        with pytest.raises(DomainError) as refused:
            await api.require_acts_for(session, users["wuye"], orgs["oc"], "org.work.read", field="organisationId")
        assert refused.value.code == "FORBIDDEN" and refused.value.field == "organisationId"


async def test_only_a_sitting_owners_committee_member_convenes_ballots_of_its_compound(kernel, password_hash, monkeypatch):
    orgs, users, compound, other, _, _ = await _world(kernel, password_hash)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await api.may_convene_ballot(session, users["yeweihui"], compound)
        assert not await api.may_convene_ballot(session, users["yeweihui"], other)
        assert not await api.may_convene_ballot(session, users["wuye"], compound)  # the 物业 is not the owners
        assert not await api.may_convene_ballot(session, users["ended"], compound)
        assert not await api.may_convene_ballot(session, users["yeweihui"], compound, on=date(2022, 12, 31))  # before the term
        monkeypatch.setattr("jiedao.core.clock.now", lambda: datetime(2099, 3, 1, tzinfo=CHINA))
        assert not await api.may_convene_ballot(session, users["yeweihui"], compound)  # the term is over


async def test_grid_workers_of_a_building(kernel, password_hash):
    async with kernel.db.transaction() as session:
        worker = User(username="grid-1", password_hash=password_hash)
        session.add(worker)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        compound, buildings = await new_compound(session, 2)
        grid = Grid(code="g1", name="一网格", community_id=compound.community_id)
        session.add(grid)
        await session.flush()
        buildings[0].grid_id = grid.id
        session.add(GridWorker(grid_id=grid.id, user_id=worker.id))
        await session.flush()
        assert await api.grids_worked_by(session, worker) == [grid.id]
        assert await api.grid_of_building(session, buildings[0].id) == grid.id
        assert await api.grid_of_building(session, buildings[1].id) is None
        assert await api.grid_workers_of_building(session, buildings[0].id) == [worker.id]
        assert await api.grid_workers_of_building(session, buildings[1].id) == []
        assert set(await session.scalars(api.grid_building_ids(worker))) == {buildings[0].id}
    async with kernel.db.transaction(kernel.street_id("gongchen")) as session:
        assert await api.grids_worked_by(session, worker) == []  # another street sees none of it
        assert await api.grid_workers_of_building(session, buildings[0].id) == []
