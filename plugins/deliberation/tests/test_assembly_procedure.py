"""The owners' assembly procedure around a binding ballot, through GraphQL as each role uses it:
a convenor, an announcement at least ``notice_days`` before voting opens, a minimum voting
period, the result announced with its per-building breakdown, the topic it decides, and
cancellation by the convenor (物业管理条例 Art. 14; Civil Code Art. 278, 280)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from jiedao.core.clock import CHINA, now
from jiedao.core.models import Compound
from jiedao.core.organisations.models import Organisation, OrganisationKind
from jiedao.plugins.deliberation.models import Ballot
from jiedao.plugins.deliberation.tests.conftest import end_voting, start_voting
from jiedao.plugins.deliberation.tests.test_ballot_conveners import committee
from jiedao.plugins.deliberation.tests.test_ballots_api import CAST, CLOSE, CREATE, NOTICE, OPEN, RECORD, cast, create_ballot, iso, owner_token, pk

BALLOT = """
query($id: ID!) {
  ballot(id: $id) {
    status announcedAt announcementId resultNoticeId cancellationNoticeId cancelledAt cancellationReason
    convenor { kind name organisationId convenedBy }
    topic { title }
    result { passed reasons reasonsZh }
  }
}"""
NOTICES = "{ notices(first: 20) { edges { node { id title body kind subjectId publishedBy } } } }"
CANCEL = """
mutation($id: ID!, $reason: String!) {
  cancelBallot(input: {ballotId: $id, reason: $reason}) { ballot { status cancellationReason } errors { code field message } }
}"""


def china(moment) -> str:
    return moment.astimezone(CHINA).strftime("%Y年%m月%d日 %H:%M")


def ballot_input(world, opens: timedelta, closes: timedelta, **extra) -> dict:
    return {"input": {
        "title": "2幢加装电梯", "matter": "在2幢加装电梯一部，费用按楼层系数分摊。", "rule": "ART278_MAJOR",
        "scope": {"compoundId": world.gid("Compound", world.compound)}, "opensAt": iso(opens), "closesAt": iso(closes), **extra,
    }}


async def notices_of(client, token) -> list[dict]:
    return [e["node"] for e in (await client.query(NOTICES, token=token))["notices"]["edges"]]


async def test_a_binding_ballot_is_announced_at_least_fifteen_days_before_voting_opens(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",))])
    worker = await client.token("community_worker")

    soon = (await client.query(CREATE, ballot_input(world, timedelta(hours=1), timedelta(days=8)), token=worker))["createBallot"]
    [error] = soon["errors"]
    assert (error["code"], error["field"]) == ("INVALID_PERIOD", "opensAt")
    assert "at least 15 days (notice_days) before voting opens" in error["message"]

    seventy_seconds = ballot_input(world, NOTICE + timedelta(days=1), NOTICE + timedelta(days=1, seconds=70))
    [error] = (await client.query(CREATE, seventy_seconds, token=worker))["createBallot"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID_PERIOD", "closesAt")
    assert "at least 7 days (min_voting_days)" in error["message"]

    opens, closes = now() + NOTICE + timedelta(hours=2), now() + NOTICE + timedelta(days=10)
    variables = ballot_input(world, opens - now(), closes - now())
    variables["input"]["opensAt"], variables["input"]["closesAt"] = opens.isoformat(), closes.isoformat()
    created = (await client.query(CREATE, variables, token=worker))["createBallot"]
    assert created["errors"] == []
    ballot = created["ballot"]["id"]
    owner = await owner_token(client, world, "A")
    assert await notices_of(client, owner) == [], "a draft is not public"

    assert (await client.query(OPEN, {"id": ballot}, token=worker))["openBallot"]["errors"] == []
    seen = (await client.query(BALLOT, {"id": ballot}, token=worker))["ballot"]
    assert seen["status"] == "OPEN" and seen["announcedAt"] and seen["resultNoticeId"] is None
    [notice] = await notices_of(client, owner)
    assert notice["id"] == seen["announcementId"] and notice["subjectId"] == ballot
    assert (notice["title"], notice["kind"]) == ("表决公告：2幢加装电梯", "ANNOUNCEMENT")
    body = notice["body"]
    assert "表决事项：2幢加装电梯" in body and "具体内容：在2幢加装电梯一部，费用按楼层系数分摊。" in body
    assert f"表决时间：{china(opens)} 至 {china(closes)}（北京时间）" in body
    assert "表决方式：业主本人登录平台在线投票" in body and "授权委托书" in body
    assert "四分之三以上" in body, "the rule the matter needs (Art. 278 matters 6-8)"
    assert (await cast(client, world, ballot, "A"))["errors"][0]["code"] == "NOT_OPEN", "no vote during the notice period"


async def test_a_draft_left_too_long_cannot_be_announced_late(kernel, client, world_of):
    world = await world_of([(10000, ("A",))])
    worker = await client.token("community_worker")
    ballot = await create_ballot(client, world, open_it=False)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:  # as if the draft waited for a week
        await session.execute(update(Ballot).where(Ballot.id == pk(ballot)).values(opens_at=now() + timedelta(days=8)))
    announce = "mutation($id: ID!) { openBallot(input: {ballotId: $id}) { errors { code field message } } }"
    [error] = (await client.query(announce, {"id": ballot}, token=worker))["openBallot"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID_PERIOD", "opensAt") and "at least 15 days" in error["message"]
    assert (await client.query(BALLOT, {"id": ballot}, token=worker))["ballot"]["status"] == "DRAFT"


async def test_a_street_sets_its_notice_and_voting_periods(make_kernel, password_hash):
    from jiedao.core.testing.fixtures import app_client
    from jiedao.plugins.deliberation.tests.conftest import build_world

    settings = {"notice_days": 20, "min_voting_days": 10}
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["deliberation"], "deliberation": settings}})
    world = await build_world(kernel, [(9000, ("A",))])
    async with app_client(kernel, password_hash) as client:
        worker = await client.token("community_worker")
        early = (await client.query(CREATE, ballot_input(world, timedelta(days=16), timedelta(days=30)), token=worker))["createBallot"]
        assert [(e["field"], "20 days" in e["message"]) for e in early["errors"]] == [("opensAt", True)]
        short = (await client.query(CREATE, ballot_input(world, timedelta(days=21), timedelta(days=29)), token=worker))["createBallot"]
        assert [(e["field"], "10 days" in e["message"]) for e in short["errors"]] == [("closesAt", True)]
        fine = (await client.query(CREATE, ballot_input(world, timedelta(days=21), timedelta(days=31)), token=worker))["createBallot"]
        assert fine["errors"] == []


async def test_the_convenor_is_recorded_with_who_acted(kernel, client, world_of):
    world = await world_of([(10000, ("A",))])
    other = await world_of([(10000, ("B",))])
    ywh = await client.token("organisation_member", username="ywh-convenor")
    committee_id = await committee(kernel, world.compound, "ywh-convenor")
    other_committee = await committee(kernel, other.compound, "ywh-elsewhere")
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        community = (await session.get(Compound, world.compound)).community_id
        jwh = Organisation(code=f"JWH-{community}", kind=OrganisationKind.RESIDENTS_COMMITTEE, name="测试社区居委会", community_id=community)
        session.add(jwh)
        await session.flush()
        jwh_id = jwh.id
    worker = await client.token("community_worker")

    by_committee = await create_ballot(client, world, token=ywh, open_it=False)
    seen = (await client.query(BALLOT, {"id": by_committee}, token=worker))["ballot"]["convenor"]
    assert seen == {"kind": "OWNERS_COMMITTEE", "name": "业主委员会", "organisationId": world.gid("Organisation", committee_id), "convenedBy": "ywh-convenor"}

    by_jwh = await create_ballot(client, world, open_it=False, extra={"convenorId": world.gid("Organisation", jwh_id)})
    seen = (await client.query(BALLOT, {"id": by_jwh}, token=worker))["ballot"]["convenor"]
    assert (seen["kind"], seen["name"], seen["convenedBy"]) == ("RESIDENTS_COMMITTEE", "测试社区居委会", "community_worker-changqing")

    by_street = await create_ballot(client, world)
    seen = (await client.query(BALLOT, {"id": by_street}, token=worker))["ballot"]["convenor"]
    assert (seen["kind"], seen["name"], seen["organisationId"]) == ("STREET", "街道办事处", None)
    [announcement] = await notices_of(client, await owner_token(client, world, "A"))
    assert "召集人：街道办事处" in announcement["body"]

    wrong = ballot_input(world, NOTICE + timedelta(days=1), NOTICE + timedelta(days=8), convenorId=world.gid("Organisation", other_committee))
    [error] = (await client.query(CREATE, wrong, token=worker))["createBallot"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID_CONVENOR", "convenorId")
    [error] = (await client.query(CREATE, wrong, token=ywh))["createBallot"]["errors"]
    assert (error["code"], error["field"]) == ("FORBIDDEN", "convenorId"), "a committee member convenes for their own committee only"


async def test_the_result_is_announced_with_each_buildings_count_and_reasons_in_chinese(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (8000, ("B",)), (6000, ("C",)), (9000, ("D",))], buildings=2)
    ballot = await create_ballot(client, world, rule="ART278_ORDINARY")
    for name, choice in (("A", "AGREE"), ("B", "AGREE"), ("C", "OPPOSE")):
        assert (await cast(client, world, ballot, name, choice))["errors"] == []
    worker = await client.token("community_worker")
    await end_voting(kernel, "changqing", pk(ballot))
    assert (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]["errors"] == []

    seen = (await client.query(BALLOT, {"id": ballot}, token=worker))["ballot"]
    assert seen["result"]["passed"]
    assert seen["result"]["reasonsZh"] == [
        "参与表决的专有部分面积 240.00平方米，占总面积 330.00平方米 的 72.73%；须占三分之二以上：已达到。",
        "参与表决业主 3 人，占总人数 4 人的 75.00%；须占三分之二以上：已达到。",
        "同意的专有部分面积 180.00平方米，占参与表决面积 240.00平方米 的 75.00%；须过半数：已达到。",
        "同意业主 2 人，占参与表决人数 3 人的 66.67%；须过半数：已达到。",
    ]
    assert len(seen["result"]["reasons"]) == 4 and seen["result"]["reasons"][1].startswith("participation by owners: 3 of 4")
    assert seen["result"]["reasons"][0] == "participation by area: 240.00 m² of 330.00 m² (72.73%); at least 2/3 required: met."
    # The reasons follow the request's language (issue 19); the deprecated reasonsZh stays Chinese.
    for language in ("zh-CN", None):  # None: the street's language, zh-CN
        chinese = (await client.query(BALLOT, {"id": ballot}, token=worker, language=language))["ballot"]["result"]
        assert chinese["reasons"] == chinese["reasonsZh"] == seen["result"]["reasonsZh"]
    result_notices = [n for n in await notices_of(client, await owner_token(client, world, "D")) if n["kind"] == "PUBLICITY"]
    [notice] = result_notices
    assert notice["id"] == seen["resultNoticeId"]
    lines = notice["body"].split("\n")
    assert "参与表决业主 3 人，占总人数 4 人的 75.00%；须占三分之二以上：已达到。" in lines
    # Units go round-robin: 1幢 holds A (100 m²) and C (60 m²), 2幢 holds B (80 m²) and D (90 m²).
    assert "1幢：应参与 2 户，参与 2 户，同意 1 户，反对 1 户，弃权 0 户，专有面积 160.00 平方米中参与 160.00、同意 100.00。" in lines
    assert "2幢：应参与 2 户，参与 1 户，同意 1 户，反对 0 户，弃权 0 户，专有面积 170.00 平方米中参与 80.00、同意 80.00。" in lines


async def test_a_ballot_is_linked_to_the_topic_it_decides(kernel, client, world_of):
    world = await world_of([(10000, ("A",))])
    worker = await client.token("community_worker")
    raised = await client.query(
        'mutation($c: ID!) { raiseTopic(input: {title: "加装电梯", compoundId: $c}) { topic { id } errors { code } } }',
        {"c": world.gid("Compound", world.compound)}, token=worker,
    )
    topic = raised["raiseTopic"]["topic"]["id"]
    ballot = await create_ballot(client, world, open_it=False, extra={"topicId": topic})
    assert (await client.query(BALLOT, {"id": ballot}, token=worker))["ballot"]["topic"] == {"title": "加装电梯"}
    linked = await client.query("query($id: ID!) { topic(id: $id) { ballots { id title } } }", {"id": topic}, token=worker)
    assert linked["topic"]["ballots"] == [{"id": ballot, "title": "加装电梯表决"}]
    unknown = ballot_input(world, NOTICE + timedelta(days=1), NOTICE + timedelta(days=8), topicId=world.gid("Topic", 999_999))
    [error] = (await client.query(CREATE, unknown, token=worker))["createBallot"]["errors"]
    assert (error["code"], error["field"]) == ("NOT_FOUND", "topicId")


async def test_a_ballot_decides_only_a_topic_of_its_own_compound(kernel, client, world_of):
    world = await world_of([(10000, ("A",))])
    elsewhere = await world_of([(10000, ("B",))])
    worker = await client.token("community_worker")

    async def topic(**place) -> str:
        raised = await client.query(
            "mutation($input: RaiseTopicInput!) { raiseTopic(input: $input) { topic { id } errors { code field } } }",
            {"input": {"title": "议题", **place}}, token=worker,
        )
        assert raised["raiseTopic"]["errors"] == [], raised
        return raised["raiseTopic"]["topic"]["id"]

    others = [
        await topic(compoundId=elsewhere.gid("Compound", elsewhere.compound)),
        await topic(buildingId=elsewhere.gid("Building", elsewhere.buildings[0])),
        await topic(unitId=elsewhere.gid("Unit", elsewhere.units[0])),
    ]
    for other in others:
        refused = ballot_input(world, NOTICE + timedelta(days=1), NOTICE + timedelta(days=8), topicId=other)
        [error] = (await client.query(CREATE, refused, token=worker))["createBallot"]["errors"]
        assert (error["code"], error["field"]) == ("INVALID_SCOPE", "topicId")
    for fitting in (await topic(streetWide=True), await topic(buildingId=world.gid("Building", world.buildings[0]))):
        assert await create_ballot(client, world, open_it=False, extra={"topicId": fitting})


async def test_the_convenor_cancels_with_a_reason_and_the_cancellation_is_announced(kernel, client, world_of):
    world = await world_of([(10000, ("A",)), (10000, ("B",))])
    ballot = await create_ballot(client, world)
    assert (await cast(client, world, ballot, "A"))["errors"] == []
    owner = await owner_token(client, world, "B")
    refused = (await client.query(CANCEL, {"id": ballot, "reason": "不想表决"}, token=owner))["cancelBallot"]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    grid = await client.token("grid_worker")
    assert [e["code"] for e in (await client.query(CANCEL, {"id": ballot, "reason": "x"}, token=grid))["cancelBallot"]["errors"]] == ["FORBIDDEN"]
    worker = await client.token("community_worker")
    blank = (await client.query(CANCEL, {"id": ballot, "reason": "  "}, token=worker))["cancelBallot"]
    assert [(e["code"], e["field"]) for e in blank["errors"]] == [("REQUIRED", "reason")]

    reason = "电梯方案需经消防审查后重新表决"
    cancelled = (await client.query(CANCEL, {"id": ballot, "reason": reason}, token=worker))["cancelBallot"]
    assert cancelled == {"ballot": {"status": "CANCELLED", "cancellationReason": reason}, "errors": []}
    [notice] = await notices_of(client, owner)
    assert notice["title"] == "取消表决公告：加装电梯表决" and f"取消原因：{reason}" in notice["body"], "it replaces the announcement"
    seen = (await client.query(BALLOT, {"id": ballot}, token=worker))["ballot"]
    assert seen["cancellationNoticeId"] == notice["id"] and seen["cancelledAt"] and seen["result"] is None

    refused = await cast(client, world, ballot, "B")
    assert [(e["code"], e["message"]) for e in refused["errors"]] == [("CANCELLED", f"The ballot was cancelled: {reason}")]
    paper = await client.query(RECORD, {"id": ballot, "unit": world.gid("Unit", world.units[1]), "choice": "AGREE", "channel": "PAPER"}, token=worker)
    assert paper["recordVote"]["errors"][0]["code"] == "CANCELLED"
    await end_voting(kernel, "changqing", pk(ballot))
    assert (await client.query(CLOSE, {"id": ballot}, token=worker))["closeBallot"]["errors"][0]["code"] == "INVALID_STATUS"
    assert (await client.query(CANCEL, {"id": ballot, "reason": reason}, token=worker))["cancelBallot"]["errors"][0]["code"] == "INVALID_STATUS"
    assert (await client.query(BALLOT, {"id": ballot}, token=worker))["ballot"]["result"] is None

    admin = await client.token("street_admin")
    log = await client.query("{ auditLog(first: 50) { edges { node { action target } } } }", token=admin)
    assert "deliberation.ballot.cancel" in [e["node"]["action"] for e in log["auditLog"]["edges"] if e["node"]["target"] == ballot]


async def test_only_the_convening_committee_cancels_its_ballot(kernel, client, world_of):
    world = await world_of([(10000, ("A",))])
    ywh = await client.token("organisation_member", username="ywh-cancel")
    await committee(kernel, world.compound, "ywh-cancel")
    by_street = await create_ballot(client, world)
    refused = (await client.query(CANCEL, {"id": by_street, "reason": "改期"}, token=ywh))["cancelBallot"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("FORBIDDEN", "ballotId")], "the street convened it"
    own = await create_ballot(client, world, token=ywh)
    assert (await client.query(CANCEL, {"id": own, "reason": "改期"}, token=ywh))["cancelBallot"]["errors"] == []


async def test_a_draft_is_cancelled_without_a_notice(kernel, client, world_of):
    world = await world_of([(10000, ("A",))])
    ballot = await create_ballot(client, world, open_it=False)
    worker = await client.token("community_worker")
    assert (await client.query(CANCEL, {"id": ballot, "reason": "议题撤回"}, token=worker))["cancelBallot"]["errors"] == []
    assert await notices_of(client, await owner_token(client, world, "A")) == []
    assert (await client.query(OPEN, {"id": ballot}, token=worker))["openBallot"]["errors"][0]["code"] == "INVALID_STATUS"
