"""Issue 15's "Done when", through GraphQL only and as the real roles: a resident's appeal goes
on a meeting's agenda, is decided with action items for the 物业 and the 业委会, the 物业 account
finds its work item in its inbox and resolves it, the resident rates 不满意 (reopened), the 物业
resolves again, the resident rates 满意; the topic is then implemented and residents read the
decision as a public notice. Each role also tries what it must not do."""

from __future__ import annotations

from datetime import date, timedelta

from jiedao.core.clock import now
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.testing.organisations import make_organisation

RAISE = "mutation($input: RaiseTopicInput!) { raiseTopic(input: $input) { topic { id status } errors { code field } } }"
SCHEDULE = """mutation($input: ScheduleMeetingInput!) {
  scheduleMeeting(input: $input) { meeting { id agenda { id topic { status } } } errors { code field message } } }"""
DECIDE = """mutation($input: DecideAgendaItemInput!) { decideAgendaItem(input: $input) {
  meeting { agenda { decision actionItems { id description dueOn done organisation { name } workItem { state dueAt } } } }
  errors { code field message } } }"""
MINUTES = "mutation($input: RecordMinutesInput!) { recordMinutes(input: $input) { errors { code field } } }"
PUBLISH = "mutation($id: ID!) { publishMeeting(input: {meetingId: $id}) { meeting { publishedAt } errors { code field } } }"
ADVANCE = """mutation($id: ID!, $status: TopicStatus!, $note: String! = "") {
  advanceTopic(input: {topicId: $id, status: $status, note: $note}) { topic { status } errors { code field message } } }"""
TOPIC = "query($id: ID!) { topic(id: $id) { status decision actionItems { done workItem { id state } } } }"
ITEM_FIELDS = "id subject state reopenCount rating ratingReason source assigneeOrganisationName dueAt timeline { action fromState toState actor note }"
INBOX = f"{{ workItems(first: 20) {{ totalCount edges {{ node {{ {ITEM_FIELDS} }} }} }} }}"
MINE = f"{{ workItems(first: 20, mine: true) {{ edges {{ node {{ {ITEM_FIELDS} }} }} }} }}"
WORK_ITEM = f"query($id: ID!) {{ workItem(id: $id) {{ {ITEM_FIELDS} }} }}"
NOTICES = "{ notices(first: 10) { edges { node { title body kind subjectId placeName } } } }"


def step(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ workItem {{ {ITEM_FIELDS} }} errors {{ code field message }} }} }}"


DISPATCH = step("dispatchWorkItem", "AssignWorkItemInput")
ACCEPT = step("acceptWorkItem", "WorkStepInput")
RESOLVE = step("resolveWorkItem", "ResolveWorkItemInput")
RATE = step("rateWorkItem", "RateWorkItemInput")


async def ok(client, mutation: str, token: str, **input) -> dict:
    """The payload's object of a step that must succeed."""
    data = next(iter((await client.query(mutation, {"input": input}, token=token)).values()))
    assert data["errors"] == [], data["errors"]
    return data.get("workItem", data)


async def refused(client, mutation: str, token: str | None, **input) -> str:
    """The code of a refused step: a payload error, or a GraphQL error for a missing permission."""
    body = await client.result(mutation, {"input": input}, token=token)
    if body.get("errors"):
        return body["errors"][0]["extensions"]["code"]
    [error] = next(iter(body["data"].values()))["errors"]
    return error["code"]


async def test_an_appeal_goes_round_the_three_parties_to_a_rated_result_and_a_public_decision(kernel, client, world_of):
    world = await world_of([(9000, ("A",)), (9000, ("B",))])
    other = await world_of([(9000, ("C",))])
    gid = world.gid
    resident = await client.token("resident", username="res-a", resident_id=world.owners["A"])
    neighbour = await client.token("resident", username="res-b", resident_id=world.owners["B"])
    staff = await client.token("community_worker")
    wuye = await client.token("organisation_member", username="wuye-fq")
    yeweihui = await client.token("organisation_member", username="yeweihui-fq")
    other_wuye = await client.token("organisation_member", username="wuye-wm")
    wuye_org = await make_organisation(kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "凤起物业", ["wuye-fq"])
    ywh_org = await make_organisation(kernel, "changqing", OrganisationKind.OWNERS_COMMITTEE, "凤起业委会", ["yeweihui-fq"])
    await make_organisation(kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "王马物业", ["wuye-wm"])
    assert other.compound != world.compound

    # The resident raises an appeal about their own building: a work item opens, waiting for staff.
    raised = (await client.query(RAISE, {"input": {"title": "1幢楼道灯坏了一个月", "buildingId": gid("Building", world.buildings[0])}}, token=resident))["raiseTopic"]
    assert raised["errors"] == [] and raised["topic"]["status"] == "RAISED"
    topic = raised["topic"]["id"]
    [appeal] = [e["node"] for e in (await client.query(MINE, token=resident))["workItems"]["edges"]]
    assert (appeal["state"], appeal["source"], [s["action"] for s in appeal["timeline"]]) == ("NEW", "RESIDENT_APPEAL", ["open"])
    assert await refused(client, DISPATCH, resident, id=appeal["id"], organisationId=gid("Organisation", ywh_org)) == "FORBIDDEN"
    dispatched = await ok(client, DISPATCH, staff, id=appeal["id"], organisationId=gid("Organisation", ywh_org), note="提交半月谈")
    assert (dispatched["state"], dispatched["assigneeOrganisationName"]) == ("DISPATCHED", "凤起业委会")

    # On the agenda of the 半月谈 (DISCUSSING), then decided with an action item for the 物业 and one for the 业委会.
    meeting = (await client.query(SCHEDULE, {"input": {
        "kind": "JOINT", "title": "半月谈第9期", "scheduledAt": (now() - timedelta(minutes=1)).isoformat(),
        "compoundId": gid("Compound", world.compound), "agenda": [{"title": "楼道灯", "topicId": topic}]}}, token=staff))["scheduleMeeting"]
    assert meeting["errors"] == [] and meeting["meeting"]["agenda"][0]["topic"]["status"] == "DISCUSSING"
    due = (date.today() + timedelta(days=7)).isoformat()
    decided = (await client.query(DECIDE, {"input": {"agendaItemId": meeting["meeting"]["agenda"][0]["id"], "decision": "物业一周内更换楼道灯",
        "actionItems": [
            {"description": "更换1幢楼道灯", "dueOn": due, "organisationId": gid("Organisation", wuye_org)},
            {"description": "业委会验收楼道灯", "dueOn": due, "organisationId": gid("Organisation", ywh_org)},
        ]}}, token=staff))["decideAgendaItem"]
    assert decided["errors"] == []
    actions = decided["meeting"]["agenda"][0]["actionItems"]
    assert [(a["organisation"]["name"], a["done"], a["workItem"]["state"]) for a in actions] == [("凤起物业", False, "DISPATCHED"), ("凤起业委会", False, "DISPATCHED")]
    assert actions[0]["workItem"]["dueAt"].startswith(due)

    # The 物业 account finds the item in its inbox (not the 业委会's), accepts and resolves it.
    inbox = [e["node"] for e in (await client.query(INBOX, token=wuye))["workItems"]["edges"]]
    assert [(i["source"], i["assigneeOrganisationName"]) for i in inbox] == [("MEETING_ACTION", "凤起物业")]
    work = inbox[0]["id"]
    assert (await client.query(INBOX, token=other_wuye))["workItems"]["totalCount"] == 0
    assert await refused(client, ACCEPT, other_wuye, id=work) == "FORBIDDEN"
    assert await refused(client, ACCEPT, None, id=work) == "UNAUTHENTICATED"
    await ok(client, ACCEPT, wuye, id=work, note="已派电工")
    assert await refused(client, RESOLVE, other_wuye, id=work, note="已修好") == "FORBIDDEN"
    assert (await ok(client, RESOLVE, wuye, id=work, note="已更换灯泡"))["state"] == "RESOLVED"
    topic_now = (await client.query(TOPIC, {"id": topic}, token=staff))["topic"]
    assert [a["done"] for a in topic_now["actionItems"]] == [True, False]

    # Only the resident who raised it rates: 不满意 reopens it (and the action item is open again).
    assert await refused(client, RATE, neighbour, id=work, rating="SATISFIED") == "FORBIDDEN"
    assert await refused(client, RATE, wuye, id=work, rating="SATISFIED") == "FORBIDDEN"
    assert await refused(client, RATE, None, id=work, rating="SATISFIED") == "UNAUTHENTICATED"
    reopened = await ok(client, RATE, resident, id=work, rating="UNSATISFIED", reason="只换了一层的灯")
    assert (reopened["state"], reopened["reopenCount"], reopened["ratingReason"]) == ("REOPENED", 1, "只换了一层的灯")
    assert [a["done"] for a in (await client.query(TOPIC, {"id": topic}, token=staff))["topic"]["actionItems"]] == [False, False]
    refused_early = (await client.query(ADVANCE, {"id": topic, "status": "IMPLEMENTED", "note": "已落实"}, token=staff))["advanceTopic"]
    assert [(e["code"], e["field"]) for e in refused_early["errors"]] == [("INVALID_STATE", "status")]
    assert "更换1幢楼道灯" in refused_early["errors"][0]["message"]

    # The 物业 resolves again, the resident is satisfied: confirmed.
    await ok(client, RESOLVE, wuye, id=work, note="六层楼道灯全部更换")
    confirmed = await ok(client, RATE, resident, id=work, rating="SATISFIED")
    assert (confirmed["state"], confirmed["rating"]) == ("CONFIRMED", "SATISFIED")

    # The 业委会 member resolves the other action item; the resident confirms it.
    [ywh_item] = [e["node"] for e in (await client.query(INBOX, token=yeweihui))["workItems"]["edges"] if e["node"]["source"] == "MEETING_ACTION"]
    await ok(client, ACCEPT, yeweihui, id=ywh_item["id"])
    await ok(client, RESOLVE, yeweihui, id=ywh_item["id"], note="已验收")
    await ok(client, RATE, resident, id=ywh_item["id"], rating="BASICALLY_SATISFIED")
    assert [a["done"] for a in (await client.query(TOPIC, {"id": topic}, token=staff))["topic"]["actionItems"]] == [True, True]

    # Implemented by staff, with a note (not by the 物业, nor without a note); the appeal's item closes.
    wuye_try = await client.result(ADVANCE, {"id": topic, "status": "IMPLEMENTED", "note": "已落实"}, token=wuye)
    assert wuye_try["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    no_note = (await client.query(ADVANCE, {"id": topic, "status": "IMPLEMENTED"}, token=staff))["advanceTopic"]
    assert [(e["code"], e["field"]) for e in no_note["errors"]] == [("REQUIRED", "note")]
    done = (await client.query(ADVANCE, {"id": topic, "status": "IMPLEMENTED", "note": "楼道灯已全部更换，居民满意"}, token=staff))["advanceTopic"]
    assert done["errors"] == [] and done["topic"]["status"] == "IMPLEMENTED"

    # The meeting's decisions are published: residents of the compound read them as a notice.
    meeting_id = meeting["meeting"]["id"]
    assert (await client.query(MINUTES, {"input": {"meetingId": meeting_id, "minutes": "三方议定更换楼道灯", "attendance": ["居委会", "业委会", "物业"]}}, token=staff))["recordMinutes"]["errors"] == []
    assert (await client.result(PUBLISH, {"id": meeting_id}, token=resident))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await client.query(PUBLISH, {"id": meeting_id}, token=staff))["publishMeeting"]["errors"] == []
    for reader in (resident, neighbour):
        [notice] = [e["node"] for e in (await client.query(NOTICES, token=reader))["notices"]["edges"]]
        assert notice["title"] == "会议决定公示：半月谈第9期" and "楼道灯：物业一周内更换楼道灯" in notice["body"], notice
        assert (notice["kind"], notice["subjectId"]) == ("PUBLICITY", meeting_id)
    outsider = await client.token("resident", username="res-c", resident_id=other.owners["C"])
    assert (await client.query(NOTICES, token=outsider))["notices"]["edges"] == []

    # The resident sees the timelines: the appeal closed with the topic, the 物业's item rated twice.
    mine = {e["node"]["id"]: e["node"] for e in (await client.query(MINE, token=resident))["workItems"]["edges"]}
    assert set(mine) == {appeal["id"], work, ywh_item["id"]}
    assert [s["action"] for s in mine[appeal["id"]]["timeline"]] == ["open", "dispatch", "close"]
    assert mine[appeal["id"]]["state"] == "CLOSED" and "楼道灯已全部更换" in mine[appeal["id"]]["timeline"][-1]["note"]
    timeline = (await client.query(WORK_ITEM, {"id": work}, token=resident))["workItem"]["timeline"]
    assert [(s["action"], s["toState"], s["actor"]) for s in timeline] == [
        ("open", "DISPATCHED", "jiedao"), ("accept", "ACCEPTED", "wuye-fq"), ("resolve", "RESOLVED", "wuye-fq"),
        ("rate_reopen", "REOPENED", "res-a"), ("resolve", "RESOLVED", "wuye-fq"), ("confirm", "CONFIRMED", "res-a"),
    ]
    # Another resident does not see the work item at all.
    assert (await client.query(WORK_ITEM, {"id": work}, token=neighbour))["workItem"] is None
