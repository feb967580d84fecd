"""A constructed compound with stairwells (单元), its owners, and helpers the stairwell-scope
and maintenance-fund tests share (GraphQL as the real roles)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from jiedao.core.kernel import Kernel
from jiedao.core.models import Ownership, Resident, Unit
from jiedao.core.testing.fixtures import new_compound
from jiedao.plugins.deliberation.tests.conftest import World, end_voting, start_voting
from jiedao.plugins.deliberation.tests.test_ballots_api import CAST, OPEN, iso, owner_token, pk

# building index, stairwell, area (dm²), owner
ELEVATOR_BLOCK = [
    (0, "1", 10000, "A"), (0, "1", 10000, "B"), (0, "1", 10000, "C"), (0, "1", 10000, "D"),
    (0, "2", 12000, "E"), (0, "2", 8000, "F"),
    (1, "1", 9000, "G"),
]

CREATE = """
mutation($input: CreateBallotInput!) {
  createBallot(input: $input) { ballot { id status stairwells { stairwell building { name } } } errors { field code message } }
}"""
CLOSE = """
mutation($id: ID!) {
  closeBallot(input: {ballotId: $id}) {
    ballot { result { eligibleOwners eligibleArea participatingOwners agreeOwners agreeArea passed quorumMet
                      byBuilding { building { name } eligibleOwners agreeOwners }
                      byStairwell { building { name } stairwell eligibleOwners eligibleArea participatingOwners agreeOwners } } }
    errors { code message }
  }
}"""


async def stairwell_world(kernel: Kernel, units=ELEVATOR_BLOCK, *, buildings: int = 2) -> World:
    """A compound of ``buildings`` buildings whose units are ``(building, stairwell, area_dm2, owner)``."""
    street = "changqing"
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        compound, made = await new_compound(session, buildings)
        rows = [Unit(building_id=made[b].id, number=f"{s}-{i + 1:02d}", area_dm2=area, stairwell=s, floor=i + 1) for i, (b, s, area, _) in enumerate(units)]
        session.add_all(rows)
        people = {n: Resident(external_ref=f"{n}-{secrets.token_hex(4)}", name=n) for n in sorted({u[3] for u in units})}
        session.add_all(people.values())
        await session.flush()
        session.add_all(Ownership(unit_id=row.id, resident_id=people[u[3]].id) for row, u in zip(rows, units))
        return World(kernel, street, compound.id, [b.id for b in made], [u.id for u in rows], {n: p.id for n, p in people.items()})


async def ballot_over(client, world: World, scope: dict, *, rule: str = "ART278_MAJOR", token: str | None = None) -> dict:
    """``createBallot`` as a community worker (or ``token``) over ``scope``, voting from 15
    days on (the notice period) for a week; the payload."""
    token = token or await client.token("community_worker")
    variables = {"input": {
        "title": "1幢1单元加装电梯", "matter": "加装电梯 (Art. 278(1)(7))", "rule": rule, "scope": scope,
        "opensAt": iso(timedelta(days=15, hours=1)), "closesAt": iso(timedelta(days=22, hours=1)),
    }}
    return (await client.query(CREATE, variables, token=token))["createBallot"]


def stairwell(world: World, building: int, name: str) -> dict:
    """A ``StairwellInput``."""
    return {"buildingId": world.gid("Building", world.buildings[building]), "stairwell": name}


PUT_TO_VOTE = """mutation($input: PutFundUseToVoteInput!) {
  putFundUseToVote(input: $input) { use { id status ballot { id } } errors { code field message } }
}"""


async def decided_ballot(client, world: World, scope: dict, votes: dict[str, str], *, rule: str = "ART278_MAJOR", use: str | None = None) -> str:
    """A ballot over ``scope`` (deciding the fund use ``use``, put to its vote while a draft)
    announced, its notice period run out, voted online by ``votes`` ({owner: choice}) and closed."""
    created = await ballot_over(client, world, scope, rule=rule)
    assert created["errors"] == [], created
    ballot = created["ballot"]["id"]
    worker = await client.token("community_worker")
    if use is not None:
        put = (await client.query(PUT_TO_VOTE, {"input": {"useId": use, "ballotId": ballot}}, token=worker))["putFundUseToVote"]
        assert put["errors"] == [], put
    assert (await client.query(OPEN, {"id": ballot}, token=worker))["openBallot"]["errors"] == []
    await start_voting(world.kernel, world.street, pk(ballot))
    for name, choice in votes.items():
        cast = await client.query(CAST, {"id": ballot, "choice": choice}, token=await owner_token(client, world, name))
        assert cast["castVote"]["errors"] == [], cast
    await end_voting(world.kernel, world.street, pk(ballot))
    closed = (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]
    assert closed["errors"] == [], closed
    return ballot


async def refused(client, mutation: str, variables: dict, token: str | None) -> tuple[str, str | None]:
    """``(code, field)`` of a refused mutation: a payload error, or a GraphQL error (permission)."""
    body = await client.result(mutation, variables, token=token)
    if body.get("errors"):
        return body["errors"][0]["extensions"]["code"], None
    [error] = next(iter(body["data"].values()))["errors"]
    return error["code"], error["field"]
