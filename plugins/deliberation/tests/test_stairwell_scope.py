"""Owners' ballots over stairwells (单元), the usual scope of adding an elevator: only the units
of those stairwells vote and are counted, per building and per stairwell."""

from __future__ import annotations

from jiedao.plugins.deliberation.tests.conftest import end_voting, start_voting
from jiedao.plugins.deliberation.tests.fund_world import CLOSE, ballot_over, decided_ballot, stairwell, stairwell_world
from jiedao.plugins.deliberation.tests.test_assembly_procedure import notices_of
from jiedao.plugins.deliberation.tests.test_ballots_api import BALLOT, OPEN, RECORD, cast, owner_token, pk

UNIT_BALLOTS = "query($id: ID!) { node(id: $id) { ... on Unit { ballots { ballot { title } } } } }"


async def test_only_the_stairwells_owners_vote_and_count(kernel, client):
    world = await stairwell_world(kernel)
    worker = await client.token("community_worker")
    created = await ballot_over(client, world, {"stairwells": [stairwell(world, 0, "1")]})
    assert created["errors"] == []
    assert created["ballot"]["stairwells"] == [{"stairwell": "1", "building": {"name": "1幢"}}]
    ballot = created["ballot"]["id"]
    assert (await client.query(OPEN, {"id": ballot}, token=worker))["openBallot"]["errors"] == []
    await start_voting(kernel, "changqing", pk(ballot))

    seen = (await client.query(BALLOT, {"id": ballot}, token=worker))["ballot"]
    assert seen["turnout"] == {"eligibleOwners": 4, "participatingOwners": 0, "eligibleArea": 400.0, "participatingArea": 0.0}
    assert (await cast(client, world, ballot, "E", "OPPOSE"))["errors"][0]["code"] == "NOT_AN_OWNER", "E lives on stairwell 2"
    out = await client.query(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[5]), "choice": "OPPOSE", "channel": "PAPER"}, token=worker)
    assert [(e["code"], e["field"]) for e in out["recordVote"]["errors"]] == [("OUT_OF_SCOPE", "unitId")]

    for name, choice in (("A", "AGREE"), ("B", "AGREE"), ("C", "AGREE"), ("D", "OPPOSE")):
        assert (await cast(client, world, ballot, name, choice))["errors"] == []
    await end_voting(kernel, "changqing", pk(ballot))
    result = (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]["ballot"]["result"]
    # exactly 3/4 of the stairwell's owners and area agree: the elevator passes (E and F of stairwell 2 are not asked)
    assert (result["eligibleOwners"], result["participatingOwners"], result["agreeOwners"]) == (4, 4, 3)
    assert (result["eligibleArea"], result["agreeArea"]) == (400.0, 300.0)
    assert result["quorumMet"] and result["passed"]
    assert result["byBuilding"] == [{"building": {"name": "1幢"}, "eligibleOwners": 4, "agreeOwners": 3}]
    assert result["byStairwell"] == [
        {"building": {"name": "1幢"}, "stairwell": "1", "eligibleOwners": 4, "eligibleArea": 400.0, "participatingOwners": 4, "agreeOwners": 3}
    ]


async def test_the_announcement_names_the_stairwells_it_is_put_to(kernel, client):
    world = await stairwell_world(kernel)
    worker = await client.token("community_worker")
    scope = {"stairwells": [stairwell(world, 1, "1"), stairwell(world, 0, "2"), stairwell(world, 0, "1")]}
    created = await ballot_over(client, world, scope)
    assert created["errors"] == [], created
    assert (await client.query(OPEN, {"id": created["ballot"]["id"]}, token=worker))["openBallot"]["errors"] == []
    [notice] = [n for n in await notices_of(client, worker) if n["title"].startswith("表决公告")]
    assert "表决范围：1幢1单元、1幢2单元、2幢1单元" in notice["body"].split("\n")  # not "1幢、2幢": the owners of 1幢3单元 do not vote


async def test_the_same_votes_over_the_whole_building_do_not_pass(kernel, client):
    world = await stairwell_world(kernel)
    scope = {"buildingIds": [world.gid("Building", world.buildings[0])]}
    ballot = await decided_ballot(client, world, scope, {"A": "AGREE", "B": "AGREE", "C": "AGREE", "D": "OPPOSE", "E": "OPPOSE"})
    result = (await client.query(BALLOT.replace("result { passed }", "result { passed byStairwell { stairwell } }"), {"id": ballot},
                                 token=await client.token("community_worker")))["ballot"]["result"]
    assert result == {"passed": False, "byStairwell": []}, "3 of 5 participating owners is below 3/4; no stairwell breakdown"


async def test_a_unit_lists_only_the_ballots_of_its_own_stairwell(kernel, client):
    world = await stairwell_world(kernel)
    created = await ballot_over(client, world, {"stairwells": [stairwell(world, 0, "1")]})
    await client.query(OPEN, {"id": created["ballot"]["id"]}, token=await client.token("community_worker"))

    async def ballots_of(name, unit):
        token = await owner_token(client, world, name)
        return (await client.query(UNIT_BALLOTS, {"id": world.gid("Unit", world.units[unit])}, token=token))["node"]["ballots"]

    assert await ballots_of("A", 0) == [{"ballot": {"title": "1幢1单元加装电梯"}}]
    assert await ballots_of("E", 4) == []


async def test_unknown_or_mixed_stairwell_scopes_are_refused_naming_the_field(kernel, client):
    world = await stairwell_world(kernel)
    unknown = await ballot_over(client, world, {"stairwells": [stairwell(world, 0, "1"), stairwell(world, 1, "3")]})
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [("NOT_FOUND", "scope.stairwells[1].stairwell")]
    assert "'3'" in unknown["errors"][0]["message"] and "'1'" in unknown["errors"][0]["message"], "names what the building has"
    mixed = await ballot_over(client, world, {"compoundId": world.gid("Compound", world.compound), "stairwells": [stairwell(world, 0, "1")]})
    assert [(e["code"], e["field"]) for e in mixed["errors"]] == [("INVALID_SCOPE", "scope")]
    bad_building = await ballot_over(client, world, {"stairwells": [{"buildingId": world.gid("Unit", world.units[0]), "stairwell": "1"}]})
    assert bad_building["errors"][0]["field"] == "scope.stairwells[0].buildingId"


async def test_an_owner_cannot_convene_a_stairwell_ballot(kernel, client):
    world = await stairwell_world(kernel)
    owner = await owner_token(client, world, "A")
    refused = await ballot_over(client, world, {"stairwells": [stairwell(world, 0, "1")]}, token=owner)
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("FORBIDDEN", "scope")]
