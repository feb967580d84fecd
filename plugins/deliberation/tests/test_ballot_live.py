"""``ballotChanged``: a ballot's turnout arrives live when a vote is cast online or recorded
on paper, and its result when it closes — to those who may read ballots in this street only:
not to an account of another street, not to a role without ``deliberation.ballot.read``, and
never with the choices while the ballot is open."""

from __future__ import annotations

from jiedao.core.testing.subscriber import Subscriber
from jiedao.plugins.deliberation.tests.conftest import end_voting
from jiedao.plugins.deliberation.tests.test_ballots_api import CAST, CLOSE, RECORD, create_ballot, owner_token, pk

LIVE = """
subscription($id: ID) {
  ballotChanged(ballotId: $id) { id status turnout { eligibleOwners participatingOwners } result { passed agreeOwners } myVote { choice } }
}"""


async def test_votes_and_the_close_arrive_live_to_readers_of_ballots(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",)), (10000, ("C",))])
    worker = await client.token("community_worker")
    ballot = await create_ballot(client, world, token=worker)
    other = await create_ballot(client, world, token=worker)
    owner_b = await owner_token(client, world, "B")
    staff = await Subscriber(kernel, worker, LIVE, {"id": ballot}).start()
    resident = await Subscriber(kernel, owner_b, LIVE, {"id": ballot}).start()
    elsewhere = await Subscriber(kernel, await client.token("community_worker", "gongchen", username="gc-worker"), LIVE, {}, street="gongchen").start()
    lowest = await Subscriber(kernel, await client.token("organisation_member"), LIVE, {"id": ballot}).start()
    try:
        assert await lowest.first_error_code() == "FORBIDDEN"

        assert (await client.query(CAST, {"id": ballot, "choice": "AGREE"}, token=await owner_token(client, world, "A")))["castVote"]["errors"] == []
        seen = (await staff.received())["ballotChanged"]
        assert seen["id"] == ballot and seen["turnout"] == {"eligibleOwners": 3, "participatingOwners": 1}
        assert seen["result"] is None, "sealed while open"
        assert seen["myVote"] is None, "the worker has not voted: A's choice is not theirs to see"

        # a paper vote recorded by staff; a vote in another ballot is filtered out by ballotId
        recorded = await client.query(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[2]), "choice": "AGREE", "channel": "PAPER"}, token=worker)
        assert recorded["recordVote"]["errors"] == []
        assert (await client.query(CAST, {"id": other, "choice": "OPPOSE"}, token=owner_b))["castVote"]["errors"] == []
        assert (await staff.received())["ballotChanged"]["turnout"]["participatingOwners"] == 2

        await end_voting(kernel, "changqing", pk(ballot))
        assert (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]["errors"] == []
        seen = (await staff.received())["ballotChanged"]
        assert seen["status"] == "CLOSED" and seen["result"] == {"passed": True, "agreeOwners": 2}
        # a resident hears of no single vote (its step in the turnout would say which home voted):
        # the first thing B hears of is the close, with the turnout and the result
        heard = (await resident.received())["ballotChanged"]
        assert (heard["status"], heard["turnout"]["participatingOwners"]) == ("CLOSED", 2)
        assert heard["result"] == {"passed": True, "agreeOwners": 2}
        assert await elsewhere.nothing_within(), "another street's subscriber hears nothing of changqing's ballots"
    finally:
        for subscriber in (staff, resident, elsewhere, lowest):
            await subscriber.stop()


async def test_a_subscriber_without_filter_hears_every_ballot_and_a_bad_id_is_named(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",))])
    worker = await client.token("community_worker")
    ballot = await create_ballot(client, world, token=worker)
    everything = await Subscriber(kernel, worker, LIVE, {}).start()
    wrong = await Subscriber(kernel, worker, LIVE, {"id": world.gid("Unit", world.units[0])}).start()
    try:
        assert (await client.query(CAST, {"id": ballot, "choice": "AGREE"}, token=await owner_token(client, world, "A")))["castVote"]["errors"] == []
        assert (await everything.received())["ballotChanged"]["id"] == ballot
        result = await wrong.next
        assert result.errors and result.errors[0].extensions == {"code": "INVALID_ID", "field": "ballotId"}
    finally:
        await everything.stop()
        wrong.next = None
        await wrong.stop()
