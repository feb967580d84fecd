"""Demo organisations and grids of 长庆街道 (and the grids of every demo street).

The 凤起都市花园 业主委员会 (formed January 2023, term 2023-01 to 2028-01, offices 主任/副主任/委员)
with the log-in ``changqing-yeweihui``; its 物业 company with the log-in ``changqing-wuye``
serving 凤起都市花园 under a contract; the 居委会 of every community; the street's departments
(城管, 市场监管, 消防, 派出所, 住建); the party working committee, the 浙大御跸社区 party committee
and the first 楼道党支部 covering 凤起都市花园 1幢; grids covering every building of the street,
one per compound, worked by the demo grid worker. Idempotent: a street that has organisations
(or grids) keeps them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from jiedao.core.grids.models import Grid, GridWorker
from jiedao.core.identity import service
from jiedao.core.identity.models import User
from jiedao.core.identity.passwords import hash_password
from jiedao.core.identity.roles import ORGANISATION_MEMBER, RESIDENT
from jiedao.core.models import Building, Community, Compound, Ownership, Resident, Unit
from jiedao.core.organisations.models import CoveredBuilding, Membership, Organisation, OrganisationKind, PartyLevel, ServedCompound
from jiedao.core.organisations.roles import ORG_ADMIN, ORG_STAFF

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

K = OrganisationKind
OWNERS_COMPOUND = "凤起都市花园"
YEWEIHUI = "changqing-yeweihui"
WUYE = "changqing-wuye"
GRID_WORKER_ACCOUNT = "changqing-grid"
DEPARTMENTS = [
    ("dept-chengguan", "长庆街道综合行政执法队（城管）"),
    ("dept-shichang", "长庆市场监督管理所"),
    ("dept-xiaofang", "长庆消防救援站"),
    ("dept-paichusuo", "长庆派出所"),
    ("dept-zhujian", "区住房和城乡建设局（住建）"),
]
COMMITTEE_OFFICES = ["主任", "副主任", "委员", "委员", "委员"]
TERM = (date(2023, 1, 16), date(2028, 1, 15))
FILED_ON = date(2023, 2, 10)
CONTRACT = (date(2023, 3, 1), date(2028, 2, 29))


async def _account(session, username: str, password_hash: str, resident_id: int | None = None) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        user = await service.create_user(session, username, "", resident_id=resident_id, password_hash=password_hash)
    return user


async def _owners_of(session, compound_id: int, how_many: int) -> list[Resident]:
    """Owners (people, not the developer) of the compound with a phone, in a stable order."""
    statement = (
        select(Resident)
        .join(Ownership, Ownership.resident_id == Resident.id)
        .join(Unit, Unit.id == Ownership.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.compound_id == compound_id, Resident.is_organisation.is_(False), Resident.phone.is_not(None))
        .order_by(Resident.id)
        .limit(how_many)
    )
    return list(await session.scalars(statement))


async def seed_grids(session) -> None:
    """One grid per compound, covering every building of the street (skipped if it has grids)."""
    if await session.scalar(select(func.count()).select_from(Grid)):
        return
    rows = (await session.execute(select(Compound, Community.name).join(Community, Community.id == Compound.community_id).order_by(Community.id, Compound.id))).all()
    numbers: dict[int, int] = {}
    for compound, community_name in rows:
        numbers[compound.community_id] = numbers.get(compound.community_id, 0) + 1
        grid = Grid(code=f"grid-{compound.id}", name=f"{community_name}第{numbers[compound.community_id]}网格（{compound.name}）", community_id=compound.community_id)
        session.add(grid)
        await session.flush()
        for building in await session.scalars(select(Building).where(Building.compound_id == compound.id)):
            building.grid_id = grid.id
    await session.flush()


async def seed_changqing_organisations(session, accounts: dict[str, int]) -> int | None:
    """The organisations of 长庆街道 (skipped if it has some); ``accounts``: user ids by demo
    username. Returns the resident id of the owners' committee's 主任, whose account it is."""
    if await session.scalar(select(func.count()).select_from(Organisation)):
        return None
    communities = {c.name: c for c in await session.scalars(select(Community).order_by(Community.id))}
    compound = await session.scalar(select(Compound).where(Compound.name == OWNERS_COMPOUND))
    if compound is None:
        return None
    add = session.add
    working = Organisation(code="party-gongwei", kind=K.PARTY_ORGANISATION, party_level=PartyLevel.COMMITTEE, name="中共长庆街道工作委员会")
    add(working)
    for n, (name, community) in enumerate(communities.items(), start=1):
        add(Organisation(code=f"jwh-{n}", kind=K.RESIDENTS_COMMITTEE, name=f"{name}居民委员会", community_id=community.id, phone=f"0571-8700{n:04d}"))
    for code, name in DEPARTMENTS:
        add(Organisation(code=code, kind=K.DEPARTMENT, name=name))
    add(Organisation(code="volunteers", kind=K.VOLUNTEER_TEAM, name="长庆街道志愿服务队"))
    await session.flush()
    community_party = Organisation(code="party-zdyb", kind=K.PARTY_ORGANISATION, party_level=PartyLevel.COMMITTEE, name="中共浙大御跸社区委员会",
                                   community_id=compound.community_id, parent_id=working.id)
    committee = Organisation(code="yeweihui-fqdsh", kind=K.OWNERS_COMMITTEE, name=f"{OWNERS_COMPOUND}业主委员会", compound_id=compound.id,
                             community_id=compound.community_id, term_start=TERM[0], term_end=TERM[1], filed_on=FILED_ON)
    company = Organisation(code="wuye-fqdsh", kind=K.PROPERTY_MANAGER, name="杭州凤起物业服务有限公司", phone="0571-87065432")
    session.add_all([community_party, committee, company])
    await session.flush()
    branch = Organisation(code="party-fqdsh-1", kind=K.PARTY_ORGANISATION, party_level=PartyLevel.BUILDING_BRANCH, name=f"{OWNERS_COMPOUND}1幢楼道党支部",
                          community_id=compound.community_id, compound_id=compound.id, parent_id=community_party.id)
    add(branch)
    await session.flush()
    first_building = await session.scalar(select(Building).where(Building.compound_id == compound.id).order_by(Building.id).limit(1))
    add(CoveredBuilding(organisation_id=branch.id, building_id=first_building.id))
    add(ServedCompound(organisation_id=company.id, compound_id=compound.id, contract_start=CONTRACT[0], contract_end=CONTRACT[1]))
    owners = await _owners_of(session, compound.id, 40)
    members = owners[-len(COMMITTEE_OFFICES):]
    for index, (resident, office) in enumerate(zip(members, COMMITTEE_OFFICES)):
        account = accounts[YEWEIHUI] if index == 0 else None
        add(Membership(organisation_id=committee.id, resident_id=resident.id, user_id=account, office=office,
                       role=ORG_ADMIN if account else None, started_on=TERM[0]))
    add(Membership(organisation_id=company.id, user_id=accounts[WUYE], office="项目经理", role=ORG_STAFF, started_on=CONTRACT[0]))
    in_branch = list(await session.scalars(
        select(Resident).join(Ownership, Ownership.resident_id == Resident.id).join(Unit, Unit.id == Ownership.unit_id)
        .where(Unit.building_id == first_building.id, Resident.is_organisation.is_(False)).order_by(Resident.id).limit(4)
    ))
    for resident, office in zip(in_branch, ["书记", "组织委员", "宣传委员", "党员"]):
        resident.party_member = True
        add(Membership(organisation_id=branch.id, resident_id=resident.id, office=office, role=None, started_on=date(2024, 7, 1)))
    await session.flush()
    return members[0].id if members else None


async def seed_organisations(kernel: Kernel, password_hash: str | None = None) -> list[str]:
    """Seed grids of every demo street and the organisations of 长庆街道; returns the
    organisations' demo accounts (created once, password ``DEMO_PASSWORD``)."""
    from jiedao.core.demo import DEMO_PASSWORD

    for slug in kernel.config.streets:
        async with kernel.db.transaction(kernel.street_id(slug)) as session:
            await seed_grids(session)
    if "changqing" not in kernel.config.streets:
        return []
    password_hash = password_hash or hash_password(DEMO_PASSWORD)
    street_id = kernel.street_id("changqing")
    async with kernel.db.transaction() as session:
        users = {name: await _account(session, name, password_hash) for name in (YEWEIHUI, WUYE)}
        street = await service.street_by_slug(session, "changqing")
        for user in users.values():
            await service.grant(session, user, street, ORGANISATION_MEMBER, actor="demo")
        await service.grant(session, users[YEWEIHUI], street, RESIDENT, actor="demo")  # the 主任 is an owner too
        grid_worker = await session.scalar(select(User.id).where(User.username == GRID_WORKER_ACCOUNT))
    async with kernel.db.transaction(street_id) as session:
        chair = await seed_changqing_organisations(session, {name: user.id for name, user in users.items()})
        if grid_worker is not None and not await session.scalar(select(func.count()).select_from(GridWorker)):
            session.add_all([GridWorker(grid_id=grid_id, user_id=grid_worker) for grid_id in await session.scalars(select(Grid.id).order_by(Grid.id))])
    if chair is not None:
        async with kernel.db.transaction() as session:
            (await session.get(User, users[YEWEIHUI].id)).resident_id = chair
    return [YEWEIHUI, WUYE]
