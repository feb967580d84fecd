"""The demo's organisations and grids: the 业委会 and the 物业 of 凤起都市花园 log in and act for
their organisations, every building of the street has a grid and the grid worker works them."""

from __future__ import annotations

from sqlalchemy import func, select

from jiedao.api import organisations as api
from jiedao.api.domain import CHINA
from jiedao.api import DomainError
from jiedao.core.demo import DEMO_PASSWORD, seed_demo
from jiedao.core.grids.models import Grid
from jiedao.core.identity.models import User
from jiedao.core.models import Building, Compound
from jiedao.core.organisations.models import Organisation

LOGIN = "mutation($u: String!) { login(input: {username: $u, password: \"%s\"}) { token errors { code } } }" % DEMO_PASSWORD
ME = "{ me { roles organisations { office role permissions organisation { name kind termStart termEnd filedOn compound { name } members { office } servedCompounds { compound { name } current } } } } }"


async def test_demo_organisations_log_in_and_every_building_has_a_grid(kernel, client):
    accounts = await seed_demo(kernel)
    assert {"changqing-yeweihui", "changqing-wuye"} <= set(accounts)
    yeweihui = (await client.query(LOGIN, {"u": "changqing-yeweihui"}))["login"]["token"]
    [committee] = (await client.query(ME, token=yeweihui))["me"]["organisations"]
    org = committee["organisation"]
    assert (org["kind"], org["compound"]["name"], org["termStart"][:7], org["termEnd"][:7]) == ("OWNERS_COMMITTEE", "凤起都市花园", "2023-01", "2028-01")
    assert [m["office"] for m in org["members"]] == ["主任", "副主任", "委员", "委员", "委员"] and committee["office"] == "主任"
    assert "org.ballots.convene" in committee["permissions"]
    wuye = (await client.query(LOGIN, {"u": "changqing-wuye"}))["login"]["token"]
    [company] = (await client.query(ME, token=wuye))["me"]["organisations"]
    assert company["organisation"]["kind"] == "PROPERTY_MANAGER"
    assert company["organisation"]["servedCompounds"] == [{"compound": {"name": "凤起都市花园"}, "current": True}]

    admin = (await client.query(LOGIN, {"u": "changqing-admin"}))["login"]["token"]
    kinds = {}
    for kind in ("RESIDENTS_COMMITTEE", "DEPARTMENT", "PARTY_ORGANISATION"):
        page = await client.query("query($k: OrganisationKind) { organisations(first: 20, kind: $k) { edges { node { name partyLevel coveredBuildings { name compound { name } } } } } }", {"k": kind}, token=admin)
        kinds[kind] = [e["node"] for e in page["organisations"]["edges"]]
    assert len(kinds["RESIDENTS_COMMITTEE"]) == 5 and len(kinds["DEPARTMENT"]) == 5
    [branch] = [o for o in kinds["PARTY_ORGANISATION"] if o["partyLevel"] == "BUILDING_BRANCH"]
    assert branch["coveredBuildings"] == [{"name": "1幢", "compound": {"name": "凤起都市花园"}}]
    assert (await client.query("{ residents(first: 100) { edges { node { partyMember } } } }", token=admin))["residents"]["edges"][0]["node"]["partyMember"] is not None

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(func.count()).select_from(Building).where(Building.grid_id.is_(None))) == 0
        grids = await session.scalar(select(func.count()).select_from(Grid))
        compound = await session.scalar(select(Compound.id).where(Compound.name == "凤起都市花园"))
        chair = await session.scalar(select(User).where(User.username == "changqing-yeweihui"))
        assert await api.may_convene_ballot(session, chair, compound)
    grid = (await client.query(LOGIN, {"u": "changqing-grid"}))["login"]["token"]
    assert len((await client.query("{ me { grids { name } } }", token=grid))["me"]["grids"]) == grids
    async with kernel.db.transaction(kernel.street_id("gongchen")) as session:
        assert await session.scalar(select(func.count()).select_from(Building).where(Building.grid_id.is_(None))) == 0

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        before = await session.scalar(select(func.count()).select_from(Organisation))
    await seed_demo(kernel)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == before, "seeding twice changes nothing"
