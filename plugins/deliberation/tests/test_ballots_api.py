"""Owners' ballots through the GraphQL API, as staff and owners use them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from jiedao.core.clock import now
from jiedao.plugins.deliberation.models import Vote
from jiedao.plugins.deliberation.tests.conftest import end_voting, start_voting

CREATE = """
mutation($input: CreateBallotInput!) {
  createBallot(input: $input) { ballot { id status rule } errors { field code message } }
}"""
OPEN = "mutation($id: ID!) { openBallot(input: {ballotId: $id}) { ballot { status } errors { code message } } }"
CLOSE = """
mutation($id: ID!) {
  closeBallot(input: {ballotId: $id}) {
    ballot { status result { eligibleArea eligibleOwners participatingArea participatingOwners agreeArea agreeOwners
                             quorumMet passed reasons byBuilding { building { name } eligibleOwners agreeOwners } } }
    errors { code message }
  }
}"""
CAST = "mutation($id: ID!, $choice: VoteChoice!) { castVote(input: {ballotId: $id, choice: $choice}) { votes { choice channel } errors { code message } } }"
RECORD = """
mutation($id: ID!, $unit: ID!, $choice: VoteChoice!, $channel: VoteChannel!) {
  recordVote(input: {ballotId: $id, unitId: $unit, choice: $choice, channel: $channel}) { votes { channel choice } errors { code field message } }
}"""
BALLOT = """
query($id: ID!) {
  ballot(id: $id) { title status turnout { eligibleOwners participatingOwners eligibleArea participatingArea }
                    result { passed } myVote { choice channel } }
}"""


def iso(delta: timedelta) -> str:
    return (now() + delta).isoformat()


NOTICE = timedelta(days=15)
"""The default notice_days: a binding ballot is announced this long before voting opens."""


async def create_ballot(
    client, world, *, rule="ART278_MAJOR", opens=None, closes=None, scope=None, open_it=True, start=True, extra=None, token=None
) -> str:
    """A ballot over the world's compound created by a community worker; with ``open_it``
    announced (openBallot), and with ``start`` its notice period run out so that voting is open.
    A binding ballot opens by default just after its notice period, and lasts a week."""
    worker = token or await client.token("community_worker")
    if opens is None:
        opens = NOTICE + timedelta(hours=1) if rule != "SIMPLE_MAJORITY" else timedelta(hours=-1)
    closes = closes if closes is not None else opens + timedelta(days=7)
    variables = {
        "input": {
            "title": "加装电梯表决",
            "matter": "2幢加装电梯 (Art. 278 matter 7)",
            "rule": rule,
            "scope": scope or {"compoundId": world.gid("Compound", world.compound)},
            "opensAt": iso(opens),
            "closesAt": iso(closes),
            **(extra or {}),
        }
    }
    payload = (await client.query(CREATE, variables, token=worker))["createBallot"]
    assert payload["errors"] == [], payload
    ballot_id = payload["ballot"]["id"]
    if open_it:
        opened = (await client.query(OPEN, {"id": ballot_id}, token=worker))["openBallot"]
        assert opened["errors"] == [] and opened["ballot"]["status"] == "OPEN", opened
        if start and opens > timedelta(0):
            await start_voting(client.kernel, world.street, pk(ballot_id))
    return ballot_id


async def owner_token(client, world, name: str) -> str:
    return await client.token("resident", username=f"owner-{name}-{world.owners[name]}", resident_id=world.owners[name])


async def cast(client, world, ballot_id: str, name: str, choice: str = "AGREE") -> dict:
    token = await owner_token(client, world, name)
    return (await client.query(CAST, {"id": ballot_id, "choice": choice}, token=token))["castVote"]


def pk(global_id: str) -> int:
    from jiedao.schema.ids import decode_global_id

    return decode_global_id(global_id)[1]


async def test_a_ballot_from_draft_to_result(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",)), (10000, ("C",)), (10000, ("D",))], buildings=2)
    worker = await client.token("community_worker")
    ballot = await create_ballot(client, world, open_it=False)
    assert (await cast(client, world, ballot, "A"))["errors"][0]["code"] == "NOT_OPEN", "a draft takes no votes"
    await client.query(OPEN, {"id": ballot}, token=worker)
    assert (await cast(client, world, ballot, "A"))["errors"][0]["code"] == "NOT_OPEN", "announced, voting opens after the notice period"
    await start_voting(kernel, "changqing", pk(ballot))
    for name, choice in (("A", "AGREE"), ("B", "AGREE"), ("C", "AGREE")):
        assert (await cast(client, world, ballot, name, choice))["errors"] == []

    seen = (await client.query(BALLOT, {"id": ballot}, token=await owner_token(client, world, "A")))["ballot"]
    assert seen["status"] == "OPEN" and seen["result"] is None, "sealed while open"
    assert seen["turnout"] == {"eligibleOwners": 4, "participatingOwners": 3, "eligibleArea": 400.0, "participatingArea": 300.0}
    assert seen["myVote"] == {"choice": "AGREE", "channel": "ONLINE"}

    early = (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]
    assert early["errors"][0]["code"] == "TOO_EARLY"

    await end_voting(kernel, "changqing", pk(ballot))
    closed = (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]
    assert closed["errors"] == []
    result = closed["ballot"]["result"]
    assert closed["ballot"]["status"] == "CLOSED"
    assert (result["eligibleOwners"], result["participatingOwners"], result["agreeOwners"]) == (4, 3, 3)
    assert (result["eligibleArea"], result["agreeArea"]) == (400.0, 300.0)
    assert result["quorumMet"] and result["passed"]
    assert [b["building"]["name"] for b in result["byBuilding"]] == ["1幢", "2幢"]
    assert sum(b["agreeOwners"] for b in result["byBuilding"]) == 3

    again = (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]
    assert again["errors"][0]["code"] == "INVALID_STATUS"

    admin = await client.token("street_admin")
    log = await client.query("{ auditLog(first: 50) { edges { node { action target } } } }", token=admin)
    actions = [e["node"]["action"] for e in log["auditLog"]["edges"] if e["node"]["target"] == ballot]
    assert actions == ["deliberation.ballot.create", "deliberation.ballot.open", "deliberation.ballot.close"]


async def test_concurrent_double_votes_leave_exactly_one(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("P", "Q")), (10000, ("C",))])
    ballot = await create_ballot(client, world)
    token_a = await owner_token(client, world, "A")
    token_p, token_q = await owner_token(client, world, "P"), await owner_token(client, world, "Q")

    attempts = [client.query(CAST, {"id": ballot, "choice": "AGREE"}, token=token_a) for _ in range(8)]
    attempts += [client.query(CAST, {"id": ballot, "choice": c}, token=t) for t, c in [(token_p, "AGREE"), (token_q, "OPPOSE")] * 4]
    payloads = [r["castVote"] for r in await asyncio.gather(*attempts)]

    accepted = [p for p in payloads if not p["errors"]]
    refused = {e["code"] for p in payloads for e in p["errors"]}
    assert len(accepted) == 2, payloads
    assert refused == {"ALREADY_VOTED"}
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(func.count()).select_from(Vote).where(Vote.ballot_id == pk(ballot))) == 2


async def test_many_owners_voting_at_once_lose_no_vote(kernel, client, world_of):
    names = [f"O{i}" for i in range(24)]
    world = await world_of([(9000, (n,)) for n in names], buildings=3)
    ballot = await create_ballot(client, world)
    tokens = [await owner_token(client, world, n) for n in names]
    payloads = await asyncio.gather(*(client.query(CAST, {"id": ballot, "choice": "AGREE"}, token=t) for t in tokens))
    assert all(p["castVote"]["errors"] == [] for p in payloads), payloads
    seen = (await client.query(BALLOT, {"id": ballot}, token=tokens[0]))["ballot"]
    assert seen["turnout"]["participatingOwners"] == 24


async def test_votes_outside_the_voting_period_are_refused(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",))])
    worker = await client.token("community_worker")
    later = await create_ballot(client, world, start=False)
    refused = await cast(client, world, later, "A")
    assert refused["errors"][0]["code"] == "NOT_OPEN" and "not open yet" in refused["errors"][0]["message"]

    ballot = await create_ballot(client, world)
    await end_voting(kernel, "changqing", pk(ballot))
    assert (await cast(client, world, ballot, "A"))["errors"][0]["code"] == "CLOSED"
    paper = await client.query(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[1]), "choice": "AGREE", "channel": "PAPER"}, token=worker)
    assert paper["recordVote"]["errors"][0]["code"] == "CLOSED"


async def test_non_owners_and_units_out_of_scope_are_refused(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",)), (10000, ("Z",))], buildings=3)
    ballot = await create_ballot(client, world, scope={"buildingIds": [world.gid("Building", b) for b in world.buildings[:2]]})
    outsider = await cast(client, world, ballot, "Z")  # Z owns only a unit of building 3
    assert outsider["errors"][0]["code"] == "NOT_AN_OWNER"
    no_resident = await client.token("resident", username="just-an-account")
    plain = await client.query(CAST, {"id": ballot, "choice": "AGREE"}, token=no_resident)
    assert plain["castVote"]["errors"][0]["code"] == "NOT_AN_OWNER"

    worker = await client.token("community_worker")
    out = await client.query(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[2]), "choice": "AGREE", "channel": "PAPER"}, token=worker)
    assert out["recordVote"]["errors"] == [{"code": "OUT_OF_SCOPE", "field": "unitId", "message": "The unit is outside this ballot's scope."}]
    ok = await client.query(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[1]), "choice": "OPPOSE", "channel": "PAPER"}, token=worker)
    assert ok["recordVote"] == {"votes": [{"channel": "PAPER", "choice": None}], "errors": []}, "staff never see a choice while open"
    assert (await cast(client, world, ballot, "B"))["errors"][0]["code"] == "ALREADY_VOTED"


async def test_an_owner_cannot_record_votes_for_others(client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",))])
    ballot = await create_ballot(client, world)
    token = await owner_token(client, world, "A")
    errors = await client.errors(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[1]), "choice": "AGREE", "channel": "PROXY"}, token=token)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    refused = (await client.query(OPEN, {"id": ballot}, token=token))["openBallot"]  # only its convener opens it
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"] and refused["ballot"] is None


async def test_ballot_scope_and_period_are_checked_on_creation(client, world_of):
    world = await world_of([(10000, ("A",))])
    worker = await client.token("community_worker")
    base = {"title": "x", "matter": "", "rule": "ART278_ORDINARY", "opensAt": iso(timedelta(0)), "closesAt": iso(timedelta(days=1))}
    both = {**base, "scope": {"compoundId": world.gid("Compound", world.compound), "buildingIds": [world.gid("Building", world.buildings[0])]}}
    assert (await client.query(CREATE, {"input": both}, token=worker))["createBallot"]["errors"][0]["code"] == "INVALID_SCOPE"
    backwards = {**base, "closesAt": iso(timedelta(days=-1)), "scope": {"compoundId": world.gid("Compound", world.compound)}}
    assert (await client.query(CREATE, {"input": backwards}, token=worker))["createBallot"]["errors"][0]["code"] == "INVALID_PERIOD"


async def test_a_gongchen_account_sees_nothing_of_changqing(client, world_of):
    world = await world_of([(10000, ("A",))])
    ballot = await create_ballot(client, world)
    gongchen = await client.token("community_worker", "gongchen")
    data = await client.query(
        "query($id: ID!) { ballot(id: $id) { title } node(id: $id) { id } ballots { totalCount } }", {"id": ballot}, street="gongchen", token=gongchen
    )
    assert data == {"ballot": None, "node": None, "ballots": {"totalCount": 0}}
    refused = await client.post("{ ballots { totalCount } }", street="changqing", token=gongchen)
    assert refused.status_code == 401


async def test_a_units_vote_is_shown_to_its_owners_and_to_staff(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",))])
    ballot = await create_ballot(client, world)
    assert (await cast(client, world, ballot, "A", "OPPOSE"))["errors"] == []
    query = "query($id: ID!) { node(id: $id) { ... on Unit { ballots { ballot { title } vote { choice channel } } } } }"
    unit_a = world.gid("Unit", world.units[0])

    async def seen_by(token):
        return (await client.query(query, {"id": unit_a}, token=token))["node"]["ballots"]

    assert await seen_by(await owner_token(client, world, "A")) == [{"ballot": {"title": "加装电梯表决"}, "vote": {"choice": "OPPOSE", "channel": "ONLINE"}}]
    neighbour = await client.query(query, {"id": unit_a}, token=await owner_token(client, world, "B"))
    assert neighbour == {"node": None}, "a neighbour cannot even fetch A's unit, let alone its vote"
    worker = await client.token("community_worker")
    assert (await seen_by(worker))[0]["vote"] == {"choice": None, "channel": "ONLINE"}, "sealed from staff while open"
    await end_voting(kernel, "changqing", pk(ballot))
    await client.query(CLOSE, {"id": ballot}, token=worker)
    assert (await seen_by(worker))[0]["vote"] == {"choice": "OPPOSE", "channel": "ONLINE"}


async def test_statement_count_does_not_grow_with_units_or_ballots(client, world_of, monkeypatch):
    monkeypatch.setenv("JIEDAO_DEBUG", "1")
    monkeypatch.setattr(client.kernel.config, "max_objects", 10**6)  # the estimate of this deep query (tests/test_limits.py)
    monkeypatch.setattr("jiedao.schema.extensions.MAX_COST", 10**8)
    worker = await client.token("community_worker")
    query = """
    query($compound: ID!) {
      buildings(compoundId: $compound) { edges { node {
        topics { title history { toStatus } comments { body } unit { number } }
        units { number ballots { vote { channel } ballot { turnout { participatingOwners } } } } } } }
      ballots(first: 50) { edges { node { title turnout { eligibleOwners } buildings { name } myVote { choice } compound { name } } } }
    }"""
    counts = []
    for size in (2, 8):
        world = await world_of([(9000, (f"S{size}-{i}",)) for i in range(size)], buildings=2)
        for _ in range(size // 2):
            await create_ballot(client, world)
        for unit in world.units:
            raised = await client.query(
                "mutation($u: ID!) { raiseTopic(input: {title: \"漏水\", unitId: $u}) { errors { code } } }", {"u": world.gid("Unit", unit)}, token=worker
            )
            assert raised["raiseTopic"]["errors"] == []
        body = await client.result(query, {"compound": world.gid("Compound", world.compound)}, token=worker)
        assert "errors" not in body, body
        counts.append(body["extensions"]["statements"])
    assert counts[0] == counts[1], counts


async def test_a_street_can_limit_the_voting_period(make_kernel, password_hash):
    from jiedao.core.testing.fixtures import app_client
    from jiedao.plugins.deliberation.tests.conftest import build_world

    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["deliberation"], "deliberation": {"max_voting_days": 7}}})
    world = await build_world(kernel, [(9000, ("A",))])
    async with app_client(kernel, password_hash) as client:
        worker = await client.token("community_worker")
        variables = {"input": {"title": "x", "matter": "", "rule": "ART278_ORDINARY", "scope": {"compoundId": world.gid("Compound", world.compound)},
                               "opensAt": iso(timedelta(0)), "closesAt": iso(timedelta(days=10))}}
        errors = (await client.query(CREATE, variables, token=worker))["createBallot"]["errors"]
        assert errors == [{"field": "closesAt", "code": "INVALID_PERIOD", "message": "Voting may last at most 7 days in this street."}]


async def test_a_list_of_ballots_counts_turnout_once_per_kind_of_electorate(client, world_of):
    """The ballots screen lists each ballot with its turnout: one statement per kind of
    electorate among them (the one fixed at announcement, today's owners), however many
    ballots, without reading the ballots again; each ballot counted over its own votes."""
    world = await world_of([(9000, ("A",)), (8000, ("B",)), (7000, ("A",))])
    worker = await client.token("community_worker")
    draft = await create_ballot(client, world, open_it=False)
    first, second = [await create_ballot(client, world) for _ in range(2)]
    assert (await client.query(CAST, {"id": first, "choice": "AGREE"}, token=await owner_token(client, world, "A")))["castVote"]["errors"] == []
    listed = "{ ballots(first: 50) { edges { node { id %s } } } }"
    turnout = "turnout { eligibleOwners eligibleArea participatingOwners participatingArea }"
    assert await client.statements(listed % turnout, token=worker) == await client.statements(listed % "", token=worker) + 2

    seen = {e["node"]["id"]: e["node"]["turnout"] for e in (await client.query(listed % turnout, token=worker))["ballots"]["edges"]}
    everyone = {"eligibleOwners": 2, "eligibleArea": 240.0}
    assert seen[first] == {**everyone, "participatingOwners": 1, "participatingArea": 160.0}, "A votes for both units"
    assert seen[second] == seen[draft] == {**everyone, "participatingOwners": 0, "participatingArea": 0.0}
