"""The smaller ends of the loop: a rejected topic closes its appeal's work item; an action
item closed by hand closes its work item; a staff-raised topic's item has nobody to rate it;
a closed ballot's result is a public notice to its compound's residents."""

from __future__ import annotations

from datetime import date, timedelta

from jiedao.core.clock import now
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.testing.organisations import make_organisation
from jiedao.plugins.deliberation.models import Rule
from jiedao.plugins.deliberation.tests.conftest import end_voting, open_ballot, vote

RAISE = "mutation($input: RaiseTopicInput!) { raiseTopic(input: $input) { topic { id } errors { code field } } }"
ADVANCE = """mutation($id: ID!, $status: TopicStatus!, $note: String! = "") {
  advanceTopic(input: {topicId: $id, status: $status, note: $note}) { topic { status } errors { code field message } } }"""
SCHEDULE = """mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id agenda { id } } errors { code } } }"""
DECIDE = """mutation($input: DecideAgendaItemInput!) { decideAgendaItem(input: $input) {
  meeting { actionItems { id done workItem { id state } } } errors { code field message } } }"""
COMPLETE = "mutation($id: ID!) { completeActionItem(input: {actionItemId: $id}) { meeting { actionItems { done workItem { state timeline { action actor } } } } errors { code } } }"
MINE = "{ workItems(first: 10, mine: true) { edges { node { subject state raisedBy { id } timeline { action note } } } } }"
ALL = "{ workItems(first: 10) { edges { node { source state timeline { action } } } } }"
CLOSE = "mutation($id: ID!) { closeBallot(input: {ballotId: $id}) { errors { code field } } }"
NOTICES = "{ notices(first: 10) { edges { node { title body kind subjectId } } } }"


async def test_a_rejected_topic_closes_its_appeal_with_the_reason(client, world_of):
    world = await world_of([(9000, ("A",))])
    resident = await client.token("resident", username="res-rej", resident_id=world.owners["A"])
    staff = await client.token("community_worker")
    raised = (await client.query(RAISE, {"input": {"title": "楼上装修噪音", "compoundId": world.gid("Compound", world.compound)}}, token=resident))["raiseTopic"]
    [before] = [e["node"] for e in (await client.query(MINE, token=resident))["workItems"]["edges"]]
    assert before["state"] == "NEW"
    rejected = (await client.query(ADVANCE, {"id": raised["topic"]["id"], "status": "REJECTED", "note": "属于个人纠纷，已引导调解"}, token=staff))["advanceTopic"]
    assert rejected["errors"] == []
    [after] = [e["node"] for e in (await client.query(MINE, token=resident))["workItems"]["edges"]]
    assert after["state"] == "CLOSED" and after["timeline"][-1]["action"] == "close"
    assert after["timeline"][-1]["note"] == "议题不予采纳：属于个人纠纷，已引导调解"


async def test_an_action_item_closed_by_hand_closes_its_work_item_and_a_staff_topic_has_nobody_to_rate(kernel, client, world_of):
    world = await world_of([(9000, ("A",))])
    staff = await client.token("community_worker")
    wuye = await make_organisation(kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "物业甲")
    topic = (await client.query(RAISE, {"input": {"title": "消防通道堵塞", "compoundId": world.gid("Compound", world.compound)}}, token=staff))["raiseTopic"]["topic"]["id"]
    meeting = (await client.query(SCHEDULE, {"input": {"kind": "JOINT", "title": "半月谈", "scheduledAt": (now() - timedelta(minutes=1)).isoformat(),
        "compoundId": world.gid("Compound", world.compound), "agenda": [{"title": "消防通道", "topicId": topic}]}}, token=staff))["scheduleMeeting"]["meeting"]
    decided = (await client.query(DECIDE, {"input": {"agendaItemId": meeting["agenda"][0]["id"], "decision": "物业清理",
        "actionItems": [{"description": "清理消防通道", "dueOn": (date.today() + timedelta(days=3)).isoformat(), "organisationId": world.gid("Organisation", wuye)}]}},
        token=staff))["decideAgendaItem"]
    [action] = decided["meeting"]["actionItems"]
    assert (action["done"], action["workItem"]["state"]) == (False, "DISPATCHED")
    done = (await client.query(COMPLETE, {"id": action["id"]}, token=staff))["completeActionItem"]
    [after] = done["meeting"]["actionItems"]
    assert (after["done"], after["workItem"]["state"], after["workItem"]["timeline"][-1]["action"]) == (True, "CLOSED", "close")
    sources = {(i["node"]["source"], i["node"]["state"]) for i in (await client.query(ALL, token=staff))["workItems"]["edges"]}
    assert ("RESIDENT_APPEAL", "NEW") in sources  # raised by staff: it waits for dispatch, nobody rates it


async def test_a_closed_ballots_result_is_a_notice_to_its_compound(client, world_of):
    world = await world_of([(9000, ("A",)), (8000, ("B",)), (7000, ("C",))])
    other = await world_of([(9000, ("D",))])
    ballot = await open_ballot(world, Rule.ART278_ORDINARY)
    await vote(world, ballot, {"A": "AGREE", "B": "AGREE", "C": "OPPOSE"})
    await end_voting(world.kernel, world.street, ballot)
    owner = await client.token("resident", username="res-ballot", resident_id=world.owners["C"])
    refused = (await client.query(CLOSE, {"id": world.gid("Ballot", ballot)}, token=owner))["closeBallot"]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    [announcement] = [e["node"] for e in (await client.query(NOTICES, token=owner))["notices"]["edges"]]
    assert announcement["title"] == "表决公告：测试表决" and announcement["kind"] == "ANNOUNCEMENT", "only the announcement so far"
    staff = await client.token("community_worker")
    assert (await client.query(CLOSE, {"id": world.gid("Ballot", ballot)}, token=staff))["closeBallot"]["errors"] == []
    [notice] = [e["node"] for e in (await client.query(NOTICES, token=owner))["notices"]["edges"] if e["node"]["kind"] == "PUBLICITY"]
    assert notice["title"] == "业主表决结果公示：测试表决" and notice["kind"] == "PUBLICITY" and notice["subjectId"] == world.gid("Ballot", ballot)
    assert "结果：通过" in notice["body"] and "同意 2 户，反对 1 户" in notice["body"]
    outsider = await client.token("resident", username="res-ballot-d", resident_id=other.owners["D"])
    assert (await client.query(NOTICES, token=outsider))["notices"]["edges"] == []
