"""Topics (appeals) from raising to implementation, consultations, and meetings, through the API."""

from __future__ import annotations

from datetime import date, timedelta

from jiedao.core.clock import now

RAISE = """
mutation($input: RaiseTopicInput!) {
  raiseTopic(input: $input) { topic { id status title building { name } compound { name } } errors { code field message } }
}"""
ADVANCE = """
mutation($id: ID!, $status: TopicStatus!, $note: String! = "") {
  advanceTopic(input: {topicId: $id, status: $status, note: $note}) {
    topic { status decision rejectionReason history { fromStatus toStatus note actor } }
    errors { code field message }
  }
}"""

SCHEDULE = """
mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id agenda { id } } errors { code field } } }"""
DECIDE = """
mutation($input: DecideAgendaItemInput!) { decideAgendaItem(input: $input) { errors { code field message } } }"""


async def resident(client, world, name):
    return await client.token("resident", username=f"res-{name}-{world.owners[name]}", resident_id=world.owners[name])


async def test_a_topic_goes_from_raised_to_implemented_and_keeps_every_step(client, world_of):
    world = await world_of([(9000, ("A",)), (9000, ("B",))])
    owner = await resident(client, world, "A")
    worker = await client.token("community_worker")
    raised = (await client.query(RAISE, {"input": {"title": "2幢楼道灯坏了", "unitId": world.gid("Unit", world.units[0])}}, token=owner))["raiseTopic"]
    assert raised["errors"] == []
    topic = raised["topic"]
    assert (topic["status"], topic["building"]["name"], topic["compound"]["name"]) == ("RAISED", "1幢", "测试小区")

    assert (await client.query(ADVANCE, {"id": topic["id"], "status": "DISCUSSING"}, token=worker))["advanceTopic"]["errors"] == []
    no_meeting = (await client.query(ADVANCE, {"id": topic["id"], "status": "DECIDED", "note": "物业一周内更换"}, token=worker))["advanceTopic"]
    assert [(e["code"], e["field"]) for e in no_meeting["errors"]] == [("INVALID_TRANSITION", "status")]
    meeting = (await client.query(SCHEDULE, {"input": {"kind": "JOINT", "title": "半月谈", "scheduledAt": now().isoformat(),
                                                       "agenda": [{"title": "楼道灯", "topicId": topic["id"]}]}}, token=worker))["scheduleMeeting"]["meeting"]
    decided = await client.query(DECIDE, {"input": {"agendaItemId": meeting["agenda"][0]["id"], "decision": "物业一周内更换"}}, token=worker)
    assert decided["decideAgendaItem"]["errors"] == []
    done = (await client.query(ADVANCE, {"id": topic["id"], "status": "IMPLEMENTED", "note": "已更换"}, token=worker))["advanceTopic"]
    assert done["topic"]["decision"] == "物业一周内更换"
    history = done["topic"]["history"]
    assert [(s["fromStatus"], s["toStatus"]) for s in history] == [
        (None, "RAISED"),
        ("RAISED", "DISCUSSING"),
        ("DISCUSSING", "DECIDED"),
        ("DECIDED", "IMPLEMENTED"),
    ]
    assert history[0]["actor"].startswith("res-A") and history[-1]["actor"] == "community_worker-changqing"

    backwards = (await client.query(ADVANCE, {"id": topic["id"], "status": "DISCUSSING"}, token=worker))["advanceTopic"]
    assert backwards["errors"][0]["code"] == "INVALID_TRANSITION"

    mine = await client.query("{ myTopics { edges { node { title status } } } }", token=owner)
    assert mine["myTopics"]["edges"] == [{"node": {"title": "2幢楼道灯坏了", "status": "IMPLEMENTED"}}]
    neighbour = await resident(client, world, "B")
    assert (await client.query("{ myTopics { edges { node { title } } } }", token=neighbour))["myTopics"]["edges"] == []

    data = await client.query(
        "query($b: ID!, $r: ID!) { building(id: $b) { topics { title } } node(id: $r) { ... on Resident { topics { title } } } }",
        {"b": world.gid("Building", world.buildings[0]), "r": world.gid("Resident", world.owners["A"])},
        token=worker,
    )
    assert data["building"]["topics"] == [{"title": "2幢楼道灯坏了"}]
    assert data["node"]["topics"] == [{"title": "2幢楼道灯坏了"}]


async def test_rejecting_a_topic_needs_a_reason_and_residents_cannot_move_topics(client, world_of):
    world = await world_of([(9000, ("A",))])
    owner = await resident(client, world, "A")
    worker = await client.token("community_worker")
    topic = (await client.query(RAISE, {"input": {"title": "要求拆除违建", "compoundId": world.gid("Compound", world.compound)}}, token=owner))["raiseTopic"]["topic"]
    errors = await client.errors(ADVANCE, {"id": topic["id"], "status": "REJECTED", "note": "x"}, token=owner)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await client.query(ADVANCE, {"id": topic["id"], "status": "REJECTED"}, token=worker))["advanceTopic"]["errors"][0]["field"] == "note"
    rejected = (await client.query(ADVANCE, {"id": topic["id"], "status": "REJECTED", "note": "不属于小区公共事务，已转城管"}, token=worker))["advanceTopic"]
    assert rejected["topic"]["status"] == "REJECTED" and rejected["topic"]["rejectionReason"] == "不属于小区公共事务，已转城管"
    where = (await client.query(RAISE, {"input": {"title": "无地点"}}, token=owner))["raiseTopic"]
    assert where["errors"][0]["code"] == "REQUIRED"


async def test_consultation_comments_are_moderated(client, world_of):
    world = await world_of([(9000, ("A",)), (9000, ("B",))])
    worker = await client.token("community_worker")
    topic = (await client.query(RAISE, {"input": {"title": "电动车充电桩选址", "compoundId": world.gid("Compound", world.compound)}}, token=worker))["raiseTopic"]["topic"]
    comment = "mutation($id: ID!, $body: String!) { addComment(input: {topicId: $id, body: $body}) { comment { id } errors { code } } }"
    a, b = await resident(client, world, "A"), await resident(client, world, "B")
    assert (await client.query(comment, {"id": topic["id"], "body": "建议放在北门"}, token=a))["addComment"]["errors"][0]["code"] == "NOT_OPEN"
    opened = await client.query(
        "mutation($id: ID!, $at: DateTime!) { openConsultation(input: {topicId: $id, closesAt: $at}) { errors { code } } }",
        {"id": topic["id"], "at": (now() + timedelta(days=14)).isoformat()},
        token=worker,
    )
    assert opened["openConsultation"]["errors"] == []
    await client.query(comment, {"id": topic["id"], "body": "建议放在北门"}, token=a)
    rude = (await client.query(comment, {"id": topic["id"], "body": "广告：低价充电"}, token=b))["addComment"]["comment"]["id"]
    hidden = await client.query(
        "mutation($id: ID!) { hideComment(input: {commentId: $id, reason: \"广告\"}) { comment { hidden } errors { code } } }", {"id": rude}, token=worker
    )
    assert hidden["hideComment"]["comment"]["hidden"]
    query = "query($id: ID!) { node(id: $id) { ... on Topic { comments { body hidden } } } }"
    as_worker = (await client.query("query($id: ID!) { topic(id: $id) { comments { body hidden hiddenReason } } }", {"id": topic["id"]}, token=worker))["topic"]
    assert [c["hidden"] for c in as_worker["comments"]] == [False, True]
    as_resident = (await client.query(query, {"id": topic["id"]}, token=a))["node"]
    assert as_resident["comments"] == [{"body": "建议放在北门", "hidden": False}]


async def test_a_joint_meeting_with_agenda_minutes_and_overdue_action_items(client, world_of):
    world = await world_of([(9000, ("A",))])
    worker = await client.token("community_worker")
    topic = (await client.query(RAISE, {"input": {"title": "垃圾分类点异味", "compoundId": world.gid("Compound", world.compound)}}, token=worker))["raiseTopic"]["topic"]
    scheduled = await client.query(
        """mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) {
             meeting { id kind parties agenda { title topic { title } } } errors { code message } } }""",
        {"input": {"kind": "JOINT", "title": "半月谈", "scheduledAt": now().isoformat(), "compoundId": world.gid("Compound", world.compound),
                   "agenda": [{"title": "垃圾分类点异味", "topicId": topic["id"]}]}},
        token=worker,
    )
    meeting = scheduled["scheduleMeeting"]["meeting"]
    assert meeting["parties"] == ["居委会", "业委会", "物业"] and meeting["agenda"][0]["topic"]["title"] == "垃圾分类点异味"
    minutes = await client.query(
        """mutation($input: RecordMinutesInput!) { recordMinutes(input: $input) {
             meeting { minutes attendance actionItems { id description overdue done } } errors { code } } }""",
        {"input": {"meetingId": meeting["id"], "minutes": "物业增加清运频次", "attendance": ["王主任", "业委会李", "物业张经理"],
                   "actionItems": [{"description": "每日清运两次", "owner": "物业张经理", "dueOn": (date.today() - timedelta(days=3)).isoformat()},
                                   {"description": "张贴告示", "owner": "居委会", "dueOn": (date.today() + timedelta(days=3)).isoformat()}]}},
        token=worker,
    )
    items = minutes["recordMinutes"]["meeting"]["actionItems"]
    assert [(i["description"], i["overdue"]) for i in items] == [("每日清运两次", True), ("张贴告示", False)]
    overdue = await client.query("{ overdueActionItems { description owner } }", token=worker)
    assert overdue["overdueActionItems"] == [{"description": "每日清运两次", "owner": "物业张经理"}]
    await client.query("mutation($id: ID!) { completeActionItem(input: {actionItemId: $id}) { errors { code } } }", {"id": items[0]["id"]}, token=worker)
    assert (await client.query("{ overdueActionItems { description } }", token=worker))["overdueActionItems"] == []


async def test_the_unit_of_a_topic_is_shown_to_staff_and_its_raiser_only(client, world_of, monkeypatch):
    """A topic raised about a unit and opened for consultation: on the consultations page the
    community worker and the raiser see the unit, a neighbour reading the same page sees
    null; the page reads the units it shows in one statement and graphql-core resolves no
    field of a topic (the field is read ahead with its per-row rule)."""
    from jiedao.core.testing.plain_path import resolved_parent_types

    world = await world_of([(9000, ("A",)), (9000, ("B",))])
    owner, neighbour = await resident(client, world, "A"), await resident(client, world, "B")
    worker = await client.token("community_worker")
    topic = (await client.query(RAISE, {"input": {"title": "2幢楼道灯坏了", "unitId": world.gid("Unit", world.units[0])}}, token=owner))["raiseTopic"]["topic"]
    opened = await client.query(
        "mutation($id: ID!, $at: DateTime!) { openConsultation(input: {topicId: $id, closesAt: $at}) { errors { code } } }",
        {"id": topic["id"], "at": (now() + timedelta(days=14)).isoformat()},
        token=worker,
    )
    assert opened["openConsultation"]["errors"] == []
    query = "{ consultations(first: 10) { edges { node { id unit { id } } } } }"
    resolved = resolved_parent_types(monkeypatch)
    unit = {"id": world.gid("Unit", world.units[0])}
    for token, expected in ((worker, unit), (owner, unit), (neighbour, None)):
        edges = (await client.query(query, token=token))["consultations"]["edges"]
        assert edges == [{"node": {"id": topic["id"], "unit": expected}}]
    assert "Topic" not in resolved, resolved
