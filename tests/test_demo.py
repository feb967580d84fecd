"""The demo: both streets seeded at the seed's scale, idempotently, with working accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from jiedao.core.demo import DEMO_PASSWORD, seed_demo
from jiedao.core.models import Building, Community, Compound, Unit

LOGIN = "mutation($u: String!) { login(input: {username: $u, password: \"%s\"}) { token errors { code } } }" % DEMO_PASSWORD


async def registry_counts(kernel, street: str) -> dict[str, int]:
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        return {m.__tablename__: await session.scalar(select(func.count()).select_from(m)) for m in (Community, Compound, Building, Unit)}


async def test_demo_seeds_both_streets_once_and_its_accounts_log_in(kernel, client):
    accounts = await seed_demo(kernel)
    assert {"admin", "changqing-admin", "changqing-worker", "changqing-grid", "changqing-mediator", "changqing-inspector", "gongchen-admin"} <= set(accounts)
    changqing = await registry_counts(kernel, "changqing")
    gongchen = await registry_counts(kernel, "gongchen")
    assert changqing["communities"] == 5 and changqing["buildings"] > 100 and changqing["units"] > 2000
    assert 0 < gongchen["buildings"] < changqing["buildings"]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        compounds = set((await session.scalars(select(Compound.name))).all())
    assert {"凤起都市花园", "横燕子弄小区", "东清大厦"} <= compounds
    # Changqing's buildings stand where the street is (GCJ-02, around 120.17E 30.27N), each on its own spot; gongchen's are unlocated
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        spots = (await session.execute(select(Building.longitude, Building.latitude))).all()
    assert len(spots) == changqing["buildings"] and len(set(spots)) == len(spots)
    assert all(120.15 < lng < 120.19 and 30.255 < lat < 30.285 for lng, lat in spots), spots[:3]
    async with kernel.db.transaction(kernel.street_id("gongchen")) as session:
        assert await session.scalar(select(func.count()).select_from(Building).where(Building.longitude.is_not(None))) == 0

    await seed_demo(kernel)
    assert await registry_counts(kernel, "changqing") == changqing, "seeding twice changes nothing"

    token = (await client.query(LOGIN, {"u": "changqing-owner1"}))["login"]["token"]
    me = await client.query("{ me { roles resident { name units { number } } } }", token=token)
    assert me["me"]["roles"] == ["resident"] and me["me"]["resident"]["units"]
    admin = (await client.query(LOGIN, {"u": "gongchen-admin"}, street="gongchen"))["login"]["token"]
    assert (await client.query("{ street { plugins } }", street="gongchen", token=admin))["street"]["plugins"] == list(kernel.enabled_plugins("gongchen"))

    notices = "{ notices(first: 20) { edges { node { title kind scope placeName } } } }"
    read = [e["node"] for e in (await client.query(notices, token=token))["notices"]["edges"]]
    assert {"title": "长庆街道关于开展冬季消防安全检查的公告", "kind": "ANNOUNCEMENT", "scope": "STREET", "placeName": "长庆街道"} in read
    worker = (await client.query(LOGIN, {"u": "changqing-worker"}))["login"]["token"]
    staff = [e["node"] for e in (await client.query(notices, token=worker))["notices"]["edges"]]
    assert {"title": "凤起都市花园第二届业主委员会候选人名单公示", "kind": "PUBLICITY", "scope": "COMPOUND", "placeName": "凤起都市花园"} in staff
