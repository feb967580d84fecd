"""Who votes: the electorate is fixed when a ballot is announced, so a change of ownership during
the ballot neither drops a vote already cast nor lets a unit vote twice; a residents'
consultation (居民协商) gives one vote to every adult resident of the households in scope,
tenants included."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete

from jiedao.core.clock import CHINA, now
from jiedao.core.models import Household, Ownership, Resident
from jiedao.plugins.deliberation.tests.conftest import end_voting
from jiedao.plugins.deliberation.tests.test_ballots_api import BALLOT, CAST, CLOSE, CREATE, OPEN, RECORD, cast, create_ballot, iso, owner_token, pk

RESULT = """
query($id: ID!) { ballot(id: $id) { electorate turnout { eligibleOwners participatingOwners }
  result { eligibleOwners participatingOwners agreeOwners passed reasons reasonsZh } } }"""
RECORD_FOR_RESIDENT = """
mutation($id: ID!, $resident: ID!) {
  recordVote(input: {ballotId: $id, residentId: $resident, choice: AGREE, channel: PAPER}) { votes { channel } errors { code field message } }
}"""


async def sell(kernel, unit_id: int, buyer: str) -> int:
    """The unit changes hands: its owners are replaced by a new resident ``buyer``; returns the buyer's id."""
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        person = Resident(external_ref=f"{buyer}-{secrets.token_hex(4)}", name=buyer)
        session.add(person)
        await session.flush()
        await session.execute(delete(Ownership).where(Ownership.unit_id == unit_id))
        session.add(Ownership(unit_id=unit_id, resident_id=person.id))
        return person.id


async def test_an_ownership_change_during_the_ballot_keeps_the_vote_and_lets_no_unit_vote_twice(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",)), (10000, ("C",)), (10000, ("D",))])
    ballot = await create_ballot(client, world, rule="ART278_ORDINARY")
    assert (await cast(client, world, ballot, "A"))["errors"] == []

    new_owner_of_a = await sell(kernel, world.units[0], "N")  # A's unit, after A voted
    token_n = await client.token("resident", username="buyer-n", resident_id=new_owner_of_a)
    twice = (await client.query(CAST, {"id": ballot, "choice": "OPPOSE"}, token=token_n))["castVote"]
    assert [e["code"] for e in twice["errors"]] == ["ALREADY_VOTED"], "the unit's vote was cast by its former owner"
    seen_by_buyer = (await client.query(BALLOT, {"id": ballot}, token=token_n))["ballot"]["myVote"]
    assert seen_by_buyer == {"choice": None, "channel": "ONLINE"}, "the buyer sees that the unit voted, never how the seller voted"

    new_owner_of_b = await sell(kernel, world.units[1], "M")  # B's unit, before B voted
    assert [e["code"] for e in (await cast(client, world, ballot, "B"))["errors"]] == ["NOT_AN_OWNER"], "a seller no longer votes"
    token_m = await client.token("resident", username="buyer-m", resident_id=new_owner_of_b)
    bought = (await client.query(CAST, {"id": ballot, "choice": "AGREE"}, token=token_m))["castVote"]
    assert bought["errors"] == [], "the new owner votes for the unit bought"
    mine = (await client.query(BALLOT, {"id": ballot}, token=token_m))["ballot"]
    assert mine["myVote"] == {"choice": "AGREE", "channel": "ONLINE"}
    assert mine["turnout"]["eligibleOwners"] == 4 and mine["turnout"]["participatingOwners"] == 2

    assert (await cast(client, world, ballot, "C"))["errors"] == []
    worker = await client.token("community_worker")
    await end_voting(kernel, "changqing", pk(ballot))
    assert (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]["errors"] == []
    result = (await client.query(RESULT, {"id": ballot}, token=worker))["ballot"]["result"]
    assert (result["eligibleOwners"], result["participatingOwners"], result["agreeOwners"]) == (4, 3, 3), "A's vote counts"
    assert result["passed"]


async def test_the_buyer_of_one_flat_of_a_two_flat_owner_does_not_vote_for_the_seller_s_holding(kernel, client, world_of):
    """A owns two flats: one owner, their areas summed, fixed at the announcement. A sells one
    during the ballot: the buyer may not cast A's whole holding's vote (nor lock A out of it);
    A, who still owns part of it, votes. A buyer of a single-flat owner's only flat still
    votes for it (the test above)."""
    world = await world_of([(10000, ("A",)), (12000, ("A",)), (10000, ("B",))])
    ballot = await create_ballot(client, world, rule="ART278_ORDINARY")
    buyer = await sell(kernel, world.units[1], "N")
    token_n = await client.token("resident", username="buyer-of-one", resident_id=buyer)
    refused = (await client.query(CAST, {"id": ballot, "choice": "OPPOSE"}, token=token_n))["castVote"]
    assert [(e["code"], "still owns part of it" in e["message"]) for e in refused["errors"]] == [("NOT_AN_OWNER", True)]
    assert (await cast(client, world, ballot, "A"))["errors"] == [], "the seller keeps the holding's vote"
    assert (await cast(client, world, ballot, "B"))["errors"] == []
    worker = await client.token("community_worker")
    await end_voting(kernel, "changqing", pk(ballot))
    assert (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]["errors"] == []
    result = (await client.query(RESULT, {"id": ballot}, token=worker))["ballot"]["result"]
    assert (result["eligibleOwners"], result["participatingOwners"], result["agreeOwners"]) == (2, 2, 2)


async def test_a_unit_without_an_owner_at_announcement_does_not_vote(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ())])
    ballot = await create_ballot(client, world)
    newcomer = await sell(kernel, world.units[1], "P")
    token = await client.token("resident", username="buyer-p", resident_id=newcomer)
    refused = (await client.query(CAST, {"id": ballot, "choice": "AGREE"}, token=token))["castVote"]
    assert [(e["code"], "fixed when it was announced" in e["message"]) for e in refused["errors"]] == [("NOT_AN_OWNER", True)]


async def residents_world(kernel, world_of):
    """Unit 1: its owner A lives there with a spouse S and a child of ten; unit 2: its owner B
    lives elsewhere and rents it to T1 and T2; unit 3 is empty."""
    world = await world_of([(10000, ("A",)), (10000, ("B",)), (10000, ("C",))])
    year = now().astimezone(CHINA).year
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        home, rented = Household(unit_id=world.units[0], name="A家"), Household(unit_id=world.units[1], name="租户")
        session.add_all([home, rented])
        await session.flush()
        (await session.get(Resident, world.owners["A"])).household_id = home.id
        people = {
            "S": Resident(external_ref=f"S-{secrets.token_hex(4)}", name="S", household_id=home.id, birth_year=year - 40),
            "kid": Resident(external_ref=f"K-{secrets.token_hex(4)}", name="kid", household_id=home.id, birth_year=year - 10),
            "T1": Resident(external_ref=f"T1-{secrets.token_hex(4)}", name="T1", household_id=rented.id, birth_year=year - 30),
            "T2": Resident(external_ref=f"T2-{secrets.token_hex(4)}", name="T2", household_id=rented.id),
        }
        session.add_all(people.values())
        await session.flush()
        world.owners.update({name: p.id for name, p in people.items()})
    return world


async def test_a_residents_consultation_gives_every_adult_resident_one_vote(kernel, client, world_of):
    world = await residents_world(kernel, world_of)
    worker = await client.token("community_worker")
    binding = {"input": {"title": "x", "matter": "", "rule": "ART278_ORDINARY", "electorate": "RESIDENTS",
                         "scope": {"compoundId": world.gid("Compound", world.compound)}, "opensAt": iso(timedelta(days=16)), "closesAt": iso(timedelta(days=24))}}
    [error] = (await client.query(CREATE, binding, token=worker))["createBallot"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "electorate")

    ballot = await create_ballot(client, world, rule="SIMPLE_MAJORITY", extra={"electorate": "RESIDENTS"}, open_it=False)
    draft = (await client.query(RESULT, {"id": ballot}, token=worker))["ballot"]
    assert draft["electorate"] == "RESIDENTS"
    assert draft["turnout"]["eligibleOwners"] == 4, "A, S, T1 and T2: not the child, not B who lives elsewhere"
    assert (await client.query(OPEN, {"id": ballot}, token=worker))["openBallot"]["errors"] == [], "a consultation needs no notice period"
    assert (await client.query(RESULT, {"id": ballot}, token=worker))["ballot"]["turnout"]["eligibleOwners"] == 4

    for name, choice in (("T1", "AGREE"), ("A", "OPPOSE")):
        assert (await cast(client, world, ballot, name, choice))["errors"] == [], name
    landlord = (await client.query(BALLOT, {"id": ballot}, token=await owner_token(client, world, "B")))["ballot"]["myVote"]
    assert landlord is None, "a landlord does not see the tenant's vote"
    assert [e["code"] for e in (await cast(client, world, ballot, "kid"))["errors"]] == ["NOT_AN_OWNER"]
    assert [e["code"] for e in (await cast(client, world, ballot, "B"))["errors"]] == ["NOT_AN_OWNER"], "an owner living elsewhere is no resident"
    assert [e["code"] for e in (await cast(client, world, ballot, "T1"))["errors"]] == ["ALREADY_VOTED"]

    paper = (await client.query(RECORD_FOR_RESIDENT, {"id": ballot, "resident": world.gid("Resident", world.owners["T2"])}, token=worker))["recordVote"]
    assert paper == {"votes": [{"channel": "PAPER"}], "errors": []}
    outsider = (await client.query(RECORD_FOR_RESIDENT, {"id": ballot, "resident": world.gid("Resident", world.owners["B"])}, token=worker))["recordVote"]
    assert [(e["code"], e["field"]) for e in outsider["errors"]] == [("NOT_AN_OWNER", "residentId")]
    by_unit = await client.query(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[0]), "choice": "AGREE", "channel": "PAPER"}, token=worker)
    assert [(e["code"], e["field"]) for e in by_unit["recordVote"]["errors"]] == [("REQUIRED", "residentId")]

    await end_voting(kernel, "changqing", pk(ballot))
    assert (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]["errors"] == []
    result = (await client.query(RESULT, {"id": ballot}, token=worker))["ballot"]["result"]
    assert (result["eligibleOwners"], result["participatingOwners"], result["agreeOwners"], result["passed"]) == (4, 3, 2, True)
    assert result["reasonsZh"] == ["非约束性征询：参与表决 3 票，同意 2 票；已超过半数。"]
    assert result["reasons"] == ["non-binding: 2 of 3 votes cast agree; more than half reached."]
    notices = await client.query("{ notices(first: 5) { edges { node { title body } } } }", token=await owner_token(client, world, "T1"))
    [notice] = [e["node"] for e in notices["notices"]["edges"] if e["node"]["title"].startswith("居民协商结果公示")]
    assert "应参与 4 人，参与 3 人；同意 2 人，反对 1 人，弃权 0 人。" in notice["body"]
