"""The accountability chain of a topic, through GraphQL as the real roles: agenda ->
discussion, a decision per agenda item linked to its meeting, action items owned by an
organisation with a deadline, implemented only once they are closed; minutes not before the
meeting; residents raise topics only in their own community and read what is published to them.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from jiedao.core.clock import now
from jiedao.core.models import Household, Resident
from jiedao.core.organisations.models import Organisation, OrganisationKind
from jiedao.plugins.deliberation.models import Meeting as MeetingModel

RAISE = """
mutation($input: RaiseTopicInput!) { raiseTopic(input: $input) { topic { id status streetWide compound { name } } errors { code field message } } }"""
ADVANCE = """
mutation($id: ID!, $status: TopicStatus!, $note: String! = "") {
  advanceTopic(input: {topicId: $id, status: $status, note: $note}) { topic { status } errors { code field message } }
}"""
SCHEDULE = """
mutation($input: ScheduleMeetingInput!) {
  scheduleMeeting(input: $input) { meeting { id title agenda { id title topic { id status } } } errors { code field message } }
}"""
DECIDE = """
mutation($input: DecideAgendaItemInput!) {
  decideAgendaItem(input: $input) {
    meeting { agenda { decision decidedAt decidesTopic actionItems { description } } }
    errors { code field message }
  }
}"""
MINUTES = """
mutation($input: RecordMinutesInput!) { recordMinutes(input: $input) { meeting { minutes } errors { code field message } } }"""
PUBLISH = "mutation($id: ID!) { publishMeeting(input: {meetingId: $id}) { meeting { publishedAt } errors { code field } } }"
COMPLETE = "mutation($id: ID!) { completeActionItem(input: {actionItemId: $id}) { errors { code } } }"
TOPIC = """
query($id: ID!) { topic(id: $id) {
  title status decision
  decisionMeeting { title minutes }
  decisionItem { decision meeting { title } }
  actionItems { id description owner dueOn done responsibleOrganisation { name } topic { title } }
  history { fromStatus toStatus note actor }
  unit { number }
} }"""


async def resident(client, world, name):
    return await client.token("resident", username=f"res-{name}-{world.owners[name]}", resident_id=world.owners[name])


async def organisation(world, name: str, kind: OrganisationKind) -> str:
    """An organisation of the world's street; returns its global ID."""
    async with world.kernel.db.transaction(world.street_id) as session:
        row = Organisation(code=f"{name}-{world.compound}", kind=kind, name=name, compound_id=world.compound)
        session.add(row)
        await session.flush()
        return world.gid("Organisation", row.id)


async def raise_topic(client, token, title, **place):
    data = (await client.query(RAISE, {"input": {"title": title, **place}}, token=token))["raiseTopic"]
    assert data["errors"] == [], data
    return data["topic"]["id"]


async def schedule(client, worker, world, topic_ids, *, at=None, title="半月谈第1期"):
    data = await client.query(
        SCHEDULE,
        {"input": {"kind": "JOINT", "title": title, "scheduledAt": (at or now() - timedelta(minutes=1)).isoformat(),
                   "compoundId": world.gid("Compound", world.compound),
                   "agenda": [{"title": f"议题{i}", "topicId": t} for i, t in enumerate(topic_ids)]}},
        token=worker,
    )
    assert data["scheduleMeeting"]["errors"] == [], data
    return data["scheduleMeeting"]["meeting"]


async def topic_on_agenda(client, worker, world, title):
    """A topic about the world's compound placed on the agenda of a new meeting: the topic's
    ID and the agenda item's."""
    topic = await raise_topic(client, worker, title, compoundId=world.gid("Compound", world.compound))
    return topic, (await schedule(client, worker, world, [topic]))["agenda"][0]["id"]


def due(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


async def test_placing_a_topic_on_an_agenda_moves_it_to_discussion_in_its_history_and_the_audit_log(client, world_of):
    world = await world_of([(9000, ("A",))])
    owner, worker = await resident(client, world, "A"), await client.token("community_worker")
    topic = await raise_topic(client, owner, "楼道灯不亮", compoundId=world.gid("Compound", world.compound))
    meeting = await schedule(client, worker, world, [topic])
    assert meeting["agenda"][0]["topic"]["status"] == "DISCUSSING"
    history = (await client.query(TOPIC, {"id": topic}, token=worker))["topic"]["history"]
    assert [(s["fromStatus"], s["toStatus"], s["actor"]) for s in history[1:]] == [("RAISED", "DISCUSSING", "community_worker-changqing")]
    assert "半月谈第1期" in history[1]["note"]
    admin = await client.token("street_admin")
    log = await client.query('{ auditLog(first: 5, action: "deliberation.meeting.schedule") { edges { node { details } } } }', token=admin)
    assert [e["node"]["details"]["topics_to_discussion"] for e in log["auditLog"]["edges"]] == [[topic]]


async def test_a_decision_is_taken_on_an_agenda_item_and_the_topic_shows_the_meeting_that_took_it(client, world_of):
    world = await world_of([(9000, ("A",))])
    worker = await client.token("community_worker")
    topic = await raise_topic(client, worker, "垃圾房异味", compoundId=world.gid("Compound", world.compound))
    meeting = await schedule(client, worker, world, [topic])
    as_note = (await client.query(ADVANCE, {"id": topic, "status": "DECIDED", "note": "增加清运"}, token=worker))["advanceTopic"]
    assert [(e["code"], e["field"]) for e in as_note["errors"]] == [("INVALID_TRANSITION", "status")]
    item = meeting["agenda"][0]["id"]
    empty = (await client.query(DECIDE, {"input": {"agendaItemId": item, "decision": " "}}, token=worker))["decideAgendaItem"]
    assert [(e["code"], e["field"]) for e in empty["errors"]] == [("REQUIRED", "decision")]
    decided = (await client.query(DECIDE, {"input": {"agendaItemId": item, "decision": "物业每日清运两次"}}, token=worker))["decideAgendaItem"]
    agenda = decided["meeting"]["agenda"][0]
    assert (agenda["decision"], agenda["decidesTopic"], agenda["decidedAt"] is not None) == ("物业每日清运两次", True, True)
    again = (await client.query(DECIDE, {"input": {"agendaItemId": item, "decision": "改为三次"}}, token=worker))["decideAgendaItem"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("INVALID_STATE", "agendaItemId")]
    seen = (await client.query(TOPIC, {"id": topic}, token=worker))["topic"]
    assert (seen["status"], seen["decision"]) == ("DECIDED", "物业每日清运两次")
    assert seen["decisionMeeting"]["title"] == "半月谈第1期" and seen["decisionItem"]["meeting"]["title"] == "半月谈第1期"
    assert seen["history"][-1]["toStatus"] == "DECIDED" and "半月谈第1期" in seen["history"][-1]["note"]


async def test_action_items_are_linked_to_their_topic_and_owned_by_an_organisation_with_a_deadline(client, world_of):
    world = await world_of([(9000, ("A",))])
    worker = await client.token("community_worker")
    wuye = await organisation(world, "凤起物业", OrganisationKind.PROPERTY_MANAGER)
    topic, item = await topic_on_agenda(client, worker, world, "屋顶漏水")
    nobody = await client.query(DECIDE, {"input": {"agendaItemId": item, "decision": "维修", "actionItems": [{"description": "修屋顶", "dueOn": due(7)}]}}, token=worker)
    assert [(e["code"], e["field"]) for e in nobody["decideAgendaItem"]["errors"]] == [("REQUIRED", "actionItems[0].organisationId")]
    decided = await client.query(
        DECIDE,
        {"input": {"agendaItemId": item, "decision": "物业负责维修", "actionItems": [
            {"description": "修复屋顶防水层", "organisationId": wuye, "owner": "物业张经理", "dueOn": due(14)}]}},
        token=worker,
    )
    assert decided["decideAgendaItem"]["errors"] == []
    actions = (await client.query(TOPIC, {"id": topic}, token=worker))["topic"]["actionItems"]
    assert [(a["description"], a["owner"], a["dueOn"], a["done"], a["responsibleOrganisation"]["name"], a["topic"]["title"]) for a in actions] == [
        ("修复屋顶防水层", "物业张经理", due(14), False, "凤起物业", "屋顶漏水")
    ]


async def test_an_action_item_naming_an_organisation_the_street_does_not_have_is_refused(client, world_of):
    world = await world_of([(9000, ("A",))])
    worker = await client.token("community_worker")
    meeting = await schedule(client, worker, world, [])
    minutes = await client.query(
        MINUTES,
        {"input": {"meetingId": meeting["id"], "minutes": "议定", "actionItems": [
            {"description": "张贴告示", "organisationId": world.gid("Organisation", 999999), "dueOn": due(3)}]}},
        token=worker,
    )
    assert [(e["code"], e["field"]) for e in minutes["recordMinutes"]["errors"]] == [("NOT_FOUND", "actionItems[0].organisationId")]


async def test_a_topic_is_implemented_only_once_all_its_action_items_are_closed_and_with_a_note(client, world_of):
    world = await world_of([(9000, ("A",))])
    worker = await client.token("community_worker")
    yeweihui = await organisation(world, "凤起业委会", OrganisationKind.OWNERS_COMMITTEE)
    topic, item = await topic_on_agenda(client, worker, world, "公共收益公开")
    await client.query(DECIDE, {"input": {"agendaItemId": item, "decision": "季度公示", "actionItems": [
        {"description": "公示停车收益", "organisationId": yeweihui, "dueOn": due(10)},
        {"description": "公示广告收益", "organisationId": yeweihui, "dueOn": due(20)}]}}, token=worker)
    actions = (await client.query(TOPIC, {"id": topic}, token=worker))["topic"]["actionItems"]
    await client.query(COMPLETE, {"id": actions[0]["id"]}, token=worker)

    early = (await client.query(ADVANCE, {"id": topic, "status": "IMPLEMENTED", "note": "已公示"}, token=worker))["advanceTopic"]
    assert [(e["code"], e["field"]) for e in early["errors"]] == [("INVALID_STATE", "status")]
    assert "公示广告收益" in early["errors"][0]["message"] and "公示停车收益" not in early["errors"][0]["message"]
    await client.query(COMPLETE, {"id": actions[1]["id"]}, token=worker)
    silent = (await client.query(ADVANCE, {"id": topic, "status": "IMPLEMENTED"}, token=worker))["advanceTopic"]
    assert [(e["code"], e["field"]) for e in silent["errors"]] == [("REQUIRED", "note")]
    done = (await client.query(ADVANCE, {"id": topic, "status": "IMPLEMENTED", "note": "两项收益均已公示"}, token=worker))["advanceTopic"]
    assert done == {"topic": {"status": "IMPLEMENTED"}, "errors": []}


async def test_minutes_and_decisions_cannot_be_recorded_before_the_meeting(client, world_of):
    world = await world_of([(9000, ("A",))])
    worker = await client.token("community_worker")
    topic = await raise_topic(client, worker, "夜间施工噪音", compoundId=world.gid("Compound", world.compound))
    meeting = await schedule(client, worker, world, [topic], at=now() + timedelta(days=2))
    early = await client.query(MINUTES, {"input": {"meetingId": meeting["id"], "minutes": "提前写好的纪要"}}, token=worker)
    assert [(e["code"], e["field"]) for e in early["recordMinutes"]["errors"]] == [("TOO_EARLY", "meetingId")]
    decision = await client.query(DECIDE, {"input": {"agendaItemId": meeting["agenda"][0]["id"], "decision": "约谈施工方"}}, token=worker)
    assert [(e["code"], e["field"]) for e in decision["decideAgendaItem"]["errors"]] == [("TOO_EARLY", "meetingId")]
    async with world.kernel.db.transaction(world.street_id) as session:  # the two days pass
        await session.execute(update(MeetingModel).values(scheduled_at=now() - timedelta(hours=1)))
    held = await client.query(MINUTES, {"input": {"meetingId": meeting["id"], "minutes": "约谈施工方"}}, token=worker)
    assert held["recordMinutes"] == {"meeting": {"minutes": "约谈施工方"}, "errors": []}


async def test_a_resident_raises_topics_only_about_places_in_their_own_community_or_street_wide(client, world_of):
    wangma = await world_of([(9000, ("A",)), (9000, ("B",))])
    fengqi = await world_of([(9000, ("C",))])
    owner = await resident(client, wangma, "A")
    for field, place in (("compoundId", fengqi.gid("Compound", fengqi.compound)), ("buildingId", fengqi.gid("Building", fengqi.buildings[0])),
                         ("unitId", fengqi.gid("Unit", fengqi.units[0]))):
        refused = (await client.query(RAISE, {"input": {"title": "凤起都市花园停车难", field: place}}, token=owner))["raiseTopic"]
        assert [(e["code"], e["field"]) for e in refused["errors"]] == [("OUT_OF_SCOPE", field)]
    street = (await client.query(RAISE, {"input": {"title": "街道公交线路调整", "streetWide": True}}, token=owner))["raiseTopic"]
    assert (street["errors"], street["topic"]["streetWide"], street["topic"]["compound"]) == ([], True, None)
    both = (await client.query(RAISE, {"input": {"title": "x", "streetWide": True, "compoundId": wangma.gid("Compound", wangma.compound)}}, token=owner))
    assert [(e["code"], e["field"]) for e in both["raiseTopic"]["errors"]] == [("INVALID_SCOPE", "compoundId")]
    await raise_topic(client, owner, "王马小区楼道灯", compoundId=wangma.gid("Compound", wangma.compound))

    async with fengqi.kernel.db.transaction(fengqi.street_id) as session:  # B rents a flat in 凤起 and lives there
        household = Household(unit_id=fengqi.units[0])
        session.add(household)
        await session.flush()
        await session.execute(update(Resident).where(Resident.id == wangma.owners["B"]).values(household_id=household.id))
    tenant = await resident(client, wangma, "B")
    await raise_topic(client, tenant, "凤起都市花园停车难", compoundId=fengqi.gid("Compound", fengqi.compound))
    for staff in ("grid_worker", "community_worker"):
        await raise_topic(client, await client.token(staff), "凤起都市花园外墙脱落", compoundId=fengqi.gid("Compound", fengqi.compound))


async def test_residents_read_the_topics_decisions_and_minutes_published_to_them_and_nothing_else(client, world_of):
    wangma = await world_of([(9000, ("A",)), (9000, ("B",))])
    fengqi = await world_of([(9000, ("C",))])
    worker = await client.token("community_worker")
    a, b, c = await resident(client, wangma, "A"), await resident(client, wangma, "B"), await resident(client, fengqi, "C")
    appeal = await raise_topic(client, b, "王马小区二次供水", unitId=wangma.gid("Unit", wangma.units[1]))
    unpublished = await raise_topic(client, worker, "王马小区物业费调整", compoundId=wangma.gid("Compound", wangma.compound))
    elsewhere = await raise_topic(client, worker, "凤起都市花园加装电梯", compoundId=fengqi.gid("Compound", fengqi.compound))
    street = await raise_topic(client, worker, "街道垃圾分类宣传", streetWide=True)
    meeting = await schedule(client, worker, wangma, [appeal])
    await client.query(DECIDE, {"input": {"agendaItemId": meeting["agenda"][0]["id"], "decision": "清洗水箱并公示检测结果",
                                          "actionItems": [{"description": "清洗水箱", "owner": "物业张经理", "dueOn": due(7)}]}}, token=worker)
    await client.query(MINUTES, {"input": {"meetingId": meeting["id"], "minutes": "三方议定清洗水箱"}}, token=worker)
    other_meeting = await schedule(client, worker, fengqi, [elsewhere], title="凤起半月谈")
    await client.query(MINUTES, {"input": {"meetingId": other_meeting["id"], "minutes": "电梯方案"}}, token=worker)

    assert (await client.query(TOPIC, {"id": appeal}, token=a))["topic"] is None
    assert (await client.query("query($id: ID!) { meeting(id: $id) { title } }", {"id": meeting["id"]}, token=a))["meeting"] is None
    for published in (meeting["id"], other_meeting["id"]):
        assert (await client.query(PUBLISH, {"id": published}, token=worker))["publishMeeting"]["errors"] == []
    await client.query("mutation($id: ID!) { publishTopic(input: {topicId: $id}) { errors { code } } }", {"id": street}, token=worker)

    seen = (await client.query(TOPIC, {"id": appeal}, token=a))["topic"]
    assert (seen["status"], seen["decision"], seen["decisionMeeting"]) == ("DECIDED", "清洗水箱并公示检测结果", {"title": "半月谈第1期", "minutes": "三方议定清洗水箱"})
    assert [x["description"] for x in seen["actionItems"]] == ["清洗水箱"]
    assert seen["unit"] is None and seen["history"][0]["actor"] == "居民"  # not who raised it, nor their flat
    own = (await client.query(TOPIC, {"id": appeal}, token=b))["topic"]
    assert own["unit"] == {"number": "002"} and own["history"][0]["actor"].startswith("res-B")

    listed = await client.query("{ topics(first: 20) { edges { node { title } } } meetings(first: 10) { edges { node { title minutes } } } }", token=a)
    assert sorted(e["node"]["title"] for e in listed["topics"]["edges"]) == sorted(["王马小区二次供水", "街道垃圾分类宣传"])
    assert [e["node"] for e in listed["meetings"]["edges"]] == [{"title": "半月谈第1期", "minutes": "三方议定清洗水箱"}]
    for hidden in (unpublished, elsewhere):
        assert (await client.query(TOPIC, {"id": hidden}, token=a))["topic"] is None
    assert (await client.query("query($id: ID!) { node(id: $id) { id } }", {"id": other_meeting["id"]}, token=a))["node"] is None
    fengqi_view = await client.query("{ topics(first: 20) { edges { node { title } } } meetings(first: 10) { edges { node { title } } } }", token=c)
    assert sorted(e["node"]["title"] for e in fengqi_view["topics"]["edges"]) == sorted(["凤起都市花园加装电梯", "街道垃圾分类宣传"])
    assert [e["node"]["title"] for e in fengqi_view["meetings"]["edges"]] == ["凤起半月谈"]


async def test_published_material_and_the_chain_s_mutations_from_the_lowest_role_up(client, world_of):
    world = await world_of([(9000, ("A",))])
    worker = await client.token("community_worker")
    topic = await raise_topic(client, worker, "宠物管理公约", compoundId=world.gid("Compound", world.compound))
    meeting = await schedule(client, worker, world, [topic])
    await client.query(MINUTES, {"input": {"meetingId": meeting["id"], "minutes": "制定公约草案"}}, token=worker)
    reading = "{ meetings(first: 5) { edges { node { title } } } }"
    assert (await client.errors(reading))[0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
    inspector = await client.token("inspector")
    assert (await client.errors(reading, token=inspector))[0]["extensions"]["code"] == "FORBIDDEN"
    owner, grid = await resident(client, world, "A"), await client.token("grid_worker")
    decide = {"input": {"agendaItemId": meeting["agenda"][0]["id"], "decision": "通过公约"}}
    for token in (inspector, owner, grid):
        assert (await client.errors(PUBLISH, {"id": meeting["id"]}, token=token))[0]["extensions"]["code"] == "FORBIDDEN"
        assert (await client.errors(DECIDE, decide, token=token))[0]["extensions"]["code"] == "FORBIDDEN"
        assert (await client.query(reading, token=token if token != inspector else grid))["meetings"]["edges"] == []
    assert (await client.query(reading, token=worker))["meetings"]["edges"] == [{"node": {"title": "半月谈第1期"}}]
    assert (await client.query(DECIDE, decide, token=worker))["decideAgendaItem"]["errors"] == []
    assert (await client.query(PUBLISH, {"id": meeting["id"]}, token=worker))["publishMeeting"]["errors"] == []
    for token in (owner, grid):
        assert (await client.query(reading, token=token))["meetings"]["edges"] == [{"node": {"title": "半月谈第1期"}}]


async def test_reading_topics_with_their_meetings_and_action_items_costs_the_same_for_two_or_six(client, world_of):
    world = await world_of([(9000, ("A",))])
    worker = await client.token("community_worker")
    wuye = await organisation(world, "凤起物业", OrganisationKind.PROPERTY_MANAGER)
    owner = await resident(client, world, "A")
    query = """{ topics(first: 20) { edges { node { title decisionMeeting { title } decisionItem { decision actionItems { description } }
                 actionItems { responsibleOrganisation { name } topic { title } } agendaItems { meeting { title } } history { actor } } } } }"""
    costs = []
    for batch in (2, 4):
        topics = [await raise_topic(client, worker, f"议题{batch}-{i}", compoundId=world.gid("Compound", world.compound)) for i in range(batch)]
        meeting = await schedule(client, worker, world, topics, title=f"第{batch}期")
        for item in meeting["agenda"]:
            await client.query(DECIDE, {"input": {"agendaItemId": item["id"], "decision": "办理", "actionItems": [
                {"description": "整改", "organisationId": wuye, "dueOn": due(7)}]}}, token=worker)
        await client.query(PUBLISH, {"id": meeting["id"]}, token=worker)
        costs.append((await client.statements(query, token=worker), await client.statements(query, token=owner)))
    assert costs[0] == costs[1]
