"""Demo data at the seed's real scale: 长庆街道 and 拱宸桥街道, their registries and accounts.

Idempotent: a street whose registry exists is left alone; accounts are created once.
Plugins add their own demo data through ``jiedao_seed``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from jiedao.core.identity import service
from jiedao.core.identity.models import User
from jiedao.core.identity.passwords import hash_password
from jiedao.core.identity.roles import COMMUNITY_WORKER, GRID_WORKER, INSPECTOR, MEDIATOR, PLATFORM_ADMIN, RESIDENT, STREET_ADMIN
from jiedao.core.models import Building, Community, Compound, Ownership, Resident, Unit

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

DEMO_PASSWORD = "jiedao-demo"

HOTSPOT_BUILDING = ("东清大厦", "1幢")
"""(compound, building) of the demo's early-warning story: plugins that take part place a
burst of recent events there (leakage alarms, a water-leak dispute, ...), so the cockpit
shows a hotspot that several independent sources confirm. Plugins agree only on this
place of the core registry, never on each other."""


async def hotspot_building_id(session) -> int | None:
    """The id of ``HOTSPOT_BUILDING`` in the session's street, if the demo registry has it."""
    return await session.scalar(
        select(Building.id).join(Compound, Compound.id == Building.compound_id).where(Compound.name == HOTSPOT_BUILDING[0], Building.name == HOTSPOT_BUILDING[1])
    )

CHANGQING = {
    "王马社区": ["王马小区", "横燕子弄小区", "长庆街"],
    "浙大御跸社区": ["浙大御跸小区", "凤起都市花园", "东清大厦"],
    "长寿桥社区": ["长寿桥小区", "岳家湾小区"],
    "青春坊社区": ["青春坊小区", "金衙庄小区"],
    "潮鸣寺巷社区": ["潮鸣寺巷小区", "中山花园"],
}
GONGCHEN = {
    "拱宸桥社区": ["桥西直街小区", "如意里"],
    "小河社区": ["小河新村"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢傅钟"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰玉珍建国志红海燕霞晓文"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


async def seed_registry(session, plan: dict[str, list[str]], buildings_per_compound: tuple[int, int], rng: random.Random) -> None:
    """Communities, compounds, buildings (5-6 floors, 2-4 units a floor), owners."""
    developer = Resident(external_ref="developer", name="杭州城建开发有限公司", is_organisation=True)
    session.add(developer)
    people = 0
    for community_name, compound_names in plan.items():
        community = Community(name=community_name)
        session.add(community)
        await session.flush()
        for compound_name in compound_names:
            compound = Compound(community_id=community.id, name=compound_name)
            session.add(compound)
            await session.flush()
            buildings = [Building(compound_id=compound.id, name=f"{n}幢") for n in range(1, rng.randint(*buildings_per_compound) + 1)]
            session.add_all(buildings)
            await session.flush()
            units = []
            for building in buildings:
                per_floor = rng.choice((2, 3, 4))
                for floor in range(1, rng.choice((5, 6)) + 1):
                    for door in range(1, per_floor + 1):
                        stairwell = str((door - 1) // 2 + 1)  # two doors per stairwell (单元) on each floor
                        units.append(Unit(building_id=building.id, number=f"{floor}0{door}", area_dm2=rng.randint(4500, 13500), stairwell=stairwell, floor=floor))
            session.add_all(units)
            await session.flush()
            owners, ownerships = [], []
            for unit in units:
                roll = rng.random()
                if roll < 0.02:
                    ownerships.append((unit, developer))
                    continue
                people += 1
                owner = Resident(
                    external_ref=f"p{people}",
                    name=_name(rng),
                    phone=f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                    birth_year=rng.randint(1935, 1995),
                )
                owner.elderly = owner.birth_year <= 1961
                owner.lives_alone = owner.elderly and rng.random() < 0.45
                owners.append(owner)
                ownerships.append((unit, owner))
                if roll > 0.85:  # a co-owner (spouse) shares the unit
                    people += 1
                    spouse = Resident(external_ref=f"p{people}", name=_name(rng), birth_year=owner.birth_year)
                    owners.append(spouse)
                    ownerships.append((unit, spouse))
            session.add_all(owners)
            await session.flush()
            session.add_all([Ownership(unit_id=u.id, resident_id=r.id) for u, r in ownerships])
            await session.flush()


DEMO_ACCOUNTS = [
    ("admin", None, PLATFORM_ADMIN),
    ("changqing-admin", "changqing", STREET_ADMIN),
    ("changqing-worker", "changqing", COMMUNITY_WORKER),
    ("changqing-grid", "changqing", GRID_WORKER),
    ("changqing-mediator", "changqing", MEDIATOR),
    ("changqing-inspector", "changqing", INSPECTOR),
    ("gongchen-admin", "gongchen", STREET_ADMIN),
]
DEMO_OWNERS = ("changqing-owner1", "changqing-owner2", "changqing-owner3")


async def seed_accounts(kernel: Kernel) -> list[str]:
    """The demo accounts, created once; returns their usernames."""
    password_hash = hash_password(DEMO_PASSWORD)
    made = []
    async with kernel.db.transaction() as session:
        for username, street, role in DEMO_ACCOUNTS:
            if street is not None and street not in kernel.config.streets:
                continue
            made.append(username)
            if await session.scalar(select(User.id).where(User.username == username)):
                continue
            user = await service.create_user(session, username, "", password_hash=password_hash)
            place = await service.street_by_slug(session, street) if street else None
            await service.grant(session, user, place, role, actor="demo")
    if "changqing" in kernel.config.streets:
        street_id = kernel.street_id("changqing")
        async with kernel.db.transaction(street_id) as session:
            owners = (await session.scalars(select(Resident).where(Resident.is_organisation.is_(False), Resident.phone.is_not(None)).order_by(Resident.id).limit(len(DEMO_OWNERS)))).all()
        async with kernel.db.transaction() as session:
            street = await service.street_by_slug(session, "changqing")
            for username, resident in zip(DEMO_OWNERS, owners):
                made.append(username)
                if await session.scalar(select(User.id).where(User.username == username)):
                    continue
                user = await service.create_user(session, username, "", resident_id=resident.id, password_hash=password_hash)
                await service.grant(session, user, street, RESIDENT, actor="demo")
    return made


async def seed_demo(kernel: Kernel) -> list[str]:
    """Seed both demo streets (those configured), plugins' demo data and the accounts."""
    await kernel.sync_streets()
    plans = {"changqing": (CHANGQING, (8, 14)), "gongchen": (GONGCHEN, (3, 5))}
    for slug, (plan, sizes) in plans.items():
        if slug not in kernel.config.streets:
            continue
        street_id = kernel.street_id(slug)
        async with kernel.db.transaction(street_id) as session:
            if not await session.scalar(select(func.count()).select_from(Community)):
                await seed_registry(session, plan, sizes, random.Random(slug))
                if slug == "changqing":
                    from jiedao.core.demo_locations import place_demo_buildings

                    await place_demo_buildings(session)
    accounts = await seed_accounts(kernel)
    from jiedao.core.organisations.demo import seed_organisations

    accounts += await seed_organisations(kernel)
    for slug in kernel.config.streets:
        street_id = kernel.street_id(slug)
        for plugin, seeder in kernel.contributions.seeders:
            if plugin != "core" and plugin not in kernel.enabled_plugins(slug):
                continue
            async with kernel.db.transaction(street_id) as session:
                await seeder(session, slug)
    await kernel.db.dispose()
    return accounts


__all__ = ["DEMO_PASSWORD", "seed_demo"]
