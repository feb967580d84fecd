"""How votes reach the ballot box: only the owner's own session votes ONLINE; staff record
PAPER votes (with the scan, if any) and PROXY votes with the proxy's identity and the owner's
written authorisation, which only ballot managers read."""

from __future__ import annotations

import base64

from sqlalchemy import select

from jiedao.core.files import LocalFileStore
from jiedao.core.testing.fixtures import app_client
from jiedao.plugins.deliberation.models import Vote
from jiedao.plugins.deliberation.tests.conftest import build_world
from jiedao.plugins.deliberation.tests.test_ballots_api import RECORD, cast, create_ballot, owner_token, pk

ID_CARD = "11010519491231002X"  # a valid number (GB 11643 check digit X)
RECORD_WITH_DOCUMENTS = """
mutation($id: ID!, $unit: ID!, $choice: VoteChoice!, $channel: VoteChannel!, $proxy: ProxyInput, $scan: VoteDocumentInput) {
  recordVote(input: {ballotId: $id, unitId: $unit, choice: $choice, channel: $channel, proxy: $proxy, scan: $scan}) {
    votes { channel proxy { name idCardMasked } attachment { name size } } errors { code field message }
  }
}"""
UNIT_VOTES = """
query($id: ID!) { node(id: $id) { ... on Unit { ballots { vote { channel proxy { name idCardMasked }
  attachment { name contentType size reference contentBase64 } } } } } }"""
AUTHORISATION = "业主张三授权李四代为投票。签名：张三".encode()


def document(data: bytes, name: str = "授权委托书.pdf") -> dict:
    return {"name": name, "contentType": "application/pdf", "contentBase64": base64.b64encode(data).decode()}


async def street(make_kernel, tmp_path, **settings):
    return await make_kernel(streets={"changqing": {
        "name": "长庆街道", "plugins": ["deliberation"],
        "deliberation": {"file_store": str(tmp_path / "files"), "max_attachment_bytes": 200, **settings},
    }})


async def test_staff_cannot_record_an_online_vote(client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",))])
    ballot = await create_ballot(client, world)
    worker = await client.token("community_worker")
    online = await client.query(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[1]), "choice": "AGREE", "channel": "ONLINE"}, token=worker)
    [error] = online["recordVote"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID_CHANNEL", "channel")
    assert "Only the owner's own session casts an ONLINE vote" in error["message"]
    assert (await cast(client, world, ballot, "B"))["errors"] == [], "the owner still votes, online, themself"


async def test_a_proxy_vote_keeps_the_proxy_and_the_authorisation(make_kernel, password_hash, tmp_path):
    kernel = await street(make_kernel, tmp_path)
    world = await build_world(kernel, [(10000, ("A",)), (10000, ("B",)), (10000, ("C",))])
    async with app_client(kernel, password_hash) as client:
        ballot = await create_ballot(client, world)
        worker = await client.token("community_worker")
        unit_b = world.gid("Unit", world.units[1])
        base = {"id": ballot, "unit": unit_b, "choice": "AGREE", "channel": "PROXY"}

        async def errors(**extra):
            payload = (await client.query(RECORD_WITH_DOCUMENTS, {**base, **extra}, token=worker))["recordVote"]
            return [(e["code"], e["field"]) for e in payload["errors"]]

        assert await errors() == [("REQUIRED", "proxy")]
        assert await errors(proxy={"name": "李四", "idCard": ID_CARD}) == [("REQUIRED", "proxy.authorisation")]
        assert await errors(proxy={"name": "李四", "idCard": "110105194912310021", "authorisation": document(AUTHORISATION)}) == [("INVALID", "proxy.idCard")]
        assert await errors(proxy={"name": " ", "idCard": ID_CARD, "authorisation": document(AUTHORISATION)}) == [("REQUIRED", "proxy.name")]
        too_big = document(b"x" * 201)
        assert await errors(proxy={"name": "李四", "idCard": ID_CARD, "authorisation": too_big}) == [("BAD_INPUT", "proxy.authorisation.contentBase64")]
        not_base64 = {**document(AUTHORISATION), "contentBase64": "@@@"}
        assert await errors(proxy={"name": "李四", "idCard": ID_CARD, "authorisation": not_base64}) == [("INVALID", "proxy.authorisation.contentBase64")]
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            assert await session.scalar(select(Vote.id).where(Vote.ballot_id == pk(ballot))) is None, "nothing refused was recorded"

        proxy = {"name": "李四", "idCard": ID_CARD, "authorisation": document(AUTHORISATION)}
        recorded = (await client.query(RECORD_WITH_DOCUMENTS, {**base, "proxy": proxy}, token=worker))["recordVote"]
        assert recorded["errors"] == []
        assert recorded["votes"] == [{"channel": "PROXY", "proxy": {"name": "李四", "idCardMasked": "110105********002X"},
                                      "attachment": {"name": "授权委托书.pdf", "size": len(AUTHORISATION)}}]

        [seen] = (await client.query(UNIT_VOTES, {"id": unit_b}, token=worker))["node"]["ballots"]
        attachment = seen["vote"]["attachment"]
        assert base64.b64decode(attachment["contentBase64"]) == AUTHORISATION
        assert LocalFileStore(tmp_path / "files").get(attachment["reference"]) == AUTHORISATION
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            stored = await session.scalar(select(Vote).where(Vote.ballot_id == pk(ballot)))
            assert ID_CARD not in repr(vars(stored)) and stored.proxy_id_card_masked == "110105********002X", "only the masked number is kept"

        owner_b = await owner_token(client, world, "B")
        [as_owner] = (await client.query(UNIT_VOTES, {"id": unit_b}, token=owner_b))["node"]["ballots"]
        assert as_owner["vote"] == {"channel": "PROXY", "proxy": None, "attachment": None}, "ballot managers only"
        grid = await client.token("grid_worker")
        [as_grid] = (await client.query(UNIT_VOTES, {"id": unit_b}, token=grid))["node"]["ballots"]
        assert as_grid["vote"] is None, "a grid worker does not even see that the unit voted"


async def test_a_paper_vote_may_carry_its_scan_and_no_proxy(make_kernel, password_hash, tmp_path):
    kernel = await street(make_kernel, tmp_path)
    world = await build_world(kernel, [(10000, ("A",)), (10000, ("B",)), (10000, ("C",))])
    async with app_client(kernel, password_hash) as client:
        ballot = await create_ballot(client, world)
        worker = await client.token("community_worker")
        paper = {"id": ballot, "choice": "OPPOSE", "channel": "PAPER"}
        with_proxy = {**paper, "unit": world.gid("Unit", world.units[0]), "proxy": {"name": "李四", "idCard": ID_CARD, "authorisation": document(AUTHORISATION)}}
        refused = (await client.query(RECORD_WITH_DOCUMENTS, with_proxy, token=worker))["recordVote"]
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", "proxy")]

        scan = b"%PDF-1.4 ballot paper of unit 002"
        scanned = await client.query(RECORD_WITH_DOCUMENTS, {**paper, "unit": world.gid("Unit", world.units[1]), "scan": document(scan, "表决票.pdf")}, token=worker)
        assert scanned["recordVote"]["votes"] == [{"channel": "PAPER", "proxy": None, "attachment": {"name": "表决票.pdf", "size": len(scan)}}]
        plain = await client.query(RECORD_WITH_DOCUMENTS, {**paper, "unit": world.gid("Unit", world.units[2])}, token=worker)
        assert plain["recordVote"]["votes"] == [{"channel": "PAPER", "proxy": None, "attachment": None}]
        [seen] = (await client.query(UNIT_VOTES, {"id": world.gid("Unit", world.units[1])}, token=worker))["node"]["ballots"]
        assert base64.b64decode(seen["vote"]["attachment"]["contentBase64"]) == scan
