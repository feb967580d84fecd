"""Handling an alarm with the closed-loop work items: the person in charge (the assignee of
the alarm's work item, set by a dispatcher), handlers' comments that the households served
may read but not write, a structured outcome required to close it (closing its work item
too), and escalation by severity: a minor low battery never reaches the street."""

from __future__ import annotations

from datetime import timedelta

from jiedao.core.notify.alerts import advance_alerts
from jiedao.core.testing.organisations import make_grid
from jiedao.schema.ids import encode_global_id
from jiedao.plugins.sensors.service.alarms import now

from .test_alarms import alarms_of, deliver

COMMENT = """mutation($id: ID!, $text: String!) { commentOnAlarm(input: {alarmId: $id, text: $text}) {
    comment { author text } errors { code field message } } }"""
HOME = "{ homeAlarms { type severity status outcome comments { text } } }"
ALARM = """query($id: ID!) { node(id: $id) { ... on Alarm { status outcome acknowledgementOutcome assignee note
    comments { author text }
    workItem { state outcome assigneeUsername timeline { action actor note } } } } }"""
ACK = 'mutation($id: ID!) { acknowledgeAlarm(input: {alarmId: $id}) { errors { code } } }'
CLEAR = """mutation($id: ID!, $outcome: AlarmOutcome!) { clearAlarm(input: {alarmId: $id, outcome: $outcome, note: "换了漏电开关"}) {
    alarm { status outcome } errors { code field } } }"""


async def _alarm_id(kernel, device_id: str) -> str:
    await kernel.state("sensors").background.settled()
    [alarm] = await alarms_of(kernel, device_id)
    return encode_global_id("Alarm", alarm.id)


async def test_handlers_comment_on_an_alarm_and_the_household_served_reads_but_may_not_write(kernel, client, registry):
    await deliver(kernel, "SD-1", {"smoke": True})  # the detector of residents[0] (building 1, flat 001)
    await deliver(kernel, "EM-1", {"residual_current": 320})  # building 1, flat 002
    smoke = await _alarm_id(kernel, "SD-1")
    grid, community = await client.token("grid_worker", username="gw-1"), await client.token("community_worker", username="cw-1")

    said = (await client.query(COMMENT, {"id": smoke, "text": "  已上门，厨房油烟，无明火  "}, token=grid))["commentOnAlarm"]
    assert said == {"comment": {"author": "gw-1", "text": "已上门，厨房油烟，无明火"}, "errors": []}
    await client.query(COMMENT, {"id": smoke, "text": "已电话告知女儿"}, token=community)
    empty = (await client.query(COMMENT, {"id": smoke, "text": "   "}, token=grid))["commentOnAlarm"]
    assert (empty["comment"], [(e["code"], e["field"]) for e in empty["errors"]]) == (None, [("REQUIRED", "text")])

    home = await client.token("resident", username="res-0", resident_id=registry.residents[0])
    assert (await client.query(HOME, token=home))["homeAlarms"] == [
        {"type": "SMOKE", "severity": "CRITICAL", "status": "ACTIVE_UNACK", "outcome": None,
         "comments": [{"text": "已上门，厨房油烟，无明火"}, {"text": "已电话告知女儿"}]},
    ]
    [unknown] = await client.errors("{ homeAlarms { comments { author } } }", token=home)  # the handlers' accounts stay with the staff
    assert "Cannot query field 'author' on type 'HomeAlarmComment'" in unknown["message"]
    [refused] = await client.errors(COMMENT, {"id": smoke, "text": "是我做饭"}, token=home)
    assert refused["extensions"]["code"] == "FORBIDDEN"
    neighbour = await client.token("resident", username="res-1", resident_id=registry.residents[1])
    assert [a["type"] for a in (await client.query(HOME, token=neighbour))["homeAlarms"]] == ["RESIDUAL_CURRENT"]  # their own flat's monitor only
    stranger = await client.token("resident", username="res-3", resident_id=registry.residents[3])
    assert (await client.query(HOME, token=stranger))["homeAlarms"] == []
    inspector = await client.token("inspector")
    [refused] = await client.errors(COMMENT, {"id": smoke, "text": "巡查"}, token=inspector)
    assert refused["extensions"]["code"] == "FORBIDDEN"

    seen = (await client.query(ALARM, {"id": smoke}, token=grid))["node"]["comments"]
    assert [c["author"] for c in seen] == ["gw-1", "cw-1"]


async def test_closing_an_alarm_requires_an_outcome_and_closes_its_work_item_with_it(kernel, client, registry):
    grid = await client.token("grid_worker", username="gw-1")
    await make_grid(kernel, "changqing", registry.buildings, ["gw-1"])
    await deliver(kernel, "EM-1", {"residual_current": 520})  # CRITICAL: opens a work item for gw-1
    alarm = await _alarm_id(kernel, "EM-1")
    await client.query(ACK, {"id": alarm}, token=grid)

    [missing] = await client.errors('mutation($id: ID!) { clearAlarm(input: {alarmId: $id, note: "done"}) { errors { code } } }', {"id": alarm}, token=grid)
    assert "outcome" in missing["message"]
    community = await client.token("community_worker")
    [refused] = await client.errors(CLEAR, {"id": alarm, "outcome": "FALSE_ALARM"}, token=community)  # may acknowledge, not close
    assert refused["extensions"]["code"] == "FORBIDDEN"

    cleared = (await client.query(CLEAR, {"id": alarm, "outcome": "ELECTRICAL_FAULT_FIXED"}, token=grid))["clearAlarm"]
    assert cleared == {"alarm": {"status": "CLEARED", "outcome": "ELECTRICAL_FAULT_FIXED"}, "errors": []}
    node = (await client.query(ALARM, {"id": alarm}, token=grid))["node"]
    assert (node["acknowledgementOutcome"], node["note"].splitlines()[-1]) == ("REAL_DANGER", "gw-1: [ELECTRICAL_FAULT_FIXED] 换了漏电开关")
    item = node["workItem"]
    assert item["state"] == "CLOSED" and item["timeline"][-1]["action"] == "close" and item["timeline"][-1]["actor"] == "gw-1"
    assert "ELECTRICAL_FAULT_FIXED" in item["timeline"][-1]["note"] and "FIXED" in item["timeline"][-1]["note"]


async def test_a_dispatcher_puts_a_person_in_charge_of_an_alarm_through_its_work_item(kernel, client, registry):
    gw1, gw2 = await client.token("grid_worker", username="gw-1"), await client.token("grid_worker", username="gw-2")
    await make_grid(kernel, "changqing", registry.buildings, ["gw-1", "gw-2"])
    await deliver(kernel, "SD-1", {"tamper": True})  # CRITICAL at the home of an elderly person living alone
    alarm = await _alarm_id(kernel, "SD-1")
    node = (await client.query(ALARM, {"id": alarm}, token=gw1))["node"]
    assert node["assignee"] is None  # dispatched to the grid: both its workers may take it
    item_id = (await client.query("query($id: ID!) { node(id: $id) { ... on Alarm { workItem { id } } } }", {"id": alarm}, token=gw1))["node"]["workItem"]["id"]

    reassign = 'mutation($id: ID!, $who: String!) { reassignWorkItem(input: {id: $id, assigneeUsername: $who}) { errors { code } } }'
    [refused] = await client.errors(reassign, {"id": item_id, "who": "gw-1"}, token=gw1)  # a grid worker does not dispatch
    assert refused["extensions"]["code"] == "FORBIDDEN"
    community = await client.token("community_worker", username="cw-1")
    assert (await client.query(reassign, {"id": item_id, "who": "gw-2"}, token=community))["reassignWorkItem"]["errors"] == []
    node = (await client.query(ALARM, {"id": alarm}, token=gw2))["node"]
    assert (node["assignee"], node["workItem"]["assigneeUsername"]) == ("gw-2", "gw-2")

    # the person in charge takes the alarm, then resolves its item with an outcome: the alarm says what happened
    await client.query(ACK, {"id": alarm}, token=gw2)
    await client.query("mutation($id: ID!) { acceptWorkItem(input: {id: $id}) { errors { code } } }", {"id": item_id}, token=gw2)
    resolve = 'mutation($id: ID!) { resolveWorkItem(input: {id: $id, outcome: DEVICE_FAULT, note: "探测器外壳松动"}) { errors { code } } }'
    assert (await client.query(resolve, {"id": item_id}, token=gw2))["resolveWorkItem"]["errors"] == []
    await kernel.state("sensors").background.settled()
    node = (await client.query(ALARM, {"id": alarm}, token=gw2))["node"]
    assert (node["status"], node["outcome"], node["workItem"]["outcome"]) == ("ACKNOWLEDGED", "DEVICE_FAULT", "DEVICE_FAULT")


NOTIFIED = """query($id: ID!) { node(id: $id) { ... on Alarm { type severity notifications(first: 50) { edges { node { recipientRole recipientName } } } } } }"""


async def test_a_minor_low_battery_never_reaches_the_street_while_a_major_alarm_does(kernel, client, registry):
    admin = await client.token("street_admin", username="admin-1")  # the street's fallback when nobody is on duty
    await client.token("grid_worker", username="gw-1")
    await make_grid(kernel, "changqing", registry.buildings, ["gw-1"])
    await deliver(kernel, "SD-2", {"battery": 8})  # LOW_BATTERY, MINOR, even at the home of an elderly person living alone
    await deliver(kernel, "EM-2", {"residual_current": 320})  # MAJOR, nobody in need at that flat
    battery, leak = await _alarm_id(kernel, "SD-2"), await _alarm_id(kernel, "EM-2")

    street_id = kernel.street_id("changqing")
    for later in (timedelta(minutes=20), timedelta(hours=1), timedelta(hours=3), timedelta(days=1), timedelta(days=3)):
        async with kernel.db.transaction(street_id) as session:
            await advance_alerts(session, kernel, "changqing", at=now() + later)

    def reached(body) -> set[tuple[str, str]]:
        return {(e["node"]["recipientRole"], e["node"]["recipientName"]) for e in body["node"]["notifications"]["edges"]}

    low = (await client.query(NOTIFIED, {"id": battery}, token=admin))
    assert low["node"]["severity"] == "MINOR"
    assert ("grid_worker", "gw-1") in reached(low) and not {role for role, _ in reached(low)} & {"street_duty", "community_duty"}
    major = (await client.query(NOTIFIED, {"id": leak}, token=admin))
    assert ("street_duty", "admin-1") in reached(major)


async def test_the_duty_list_shows_each_alarms_person_in_charge_with_one_statement(kernel, client, registry):
    """The duty screen lists alarms with the person in charge of each: one statement for the
    whole page (the latest work item's assignee joined to their account), each alarm its own."""
    for name in ("gw-1", "gw-2"):
        await client.token("grid_worker", username=name)
    await make_grid(kernel, "changqing", registry.buildings, ["gw-1", "gw-2"])
    await deliver(kernel, "SD-1", {"tamper": True})
    await deliver(kernel, "EM-1", {"residual_current": 520})
    tampered, leaking = await _alarm_id(kernel, "SD-1"), await _alarm_id(kernel, "EM-1")
    community = await client.token("community_worker", username="cw-1")
    item = (await client.query("query($id: ID!) { node(id: $id) { ... on Alarm { workItem { id } } } }", {"id": leaking}, token=community))["node"]["workItem"]["id"]
    reassign = 'mutation($id: ID!) { reassignWorkItem(input: {id: $id, assigneeUsername: "gw-2"}) { errors { code } } }'
    assert (await client.query(reassign, {"id": item}, token=community))["reassignWorkItem"]["errors"] == []

    listed = "{ alarms(first: 20) { edges { node { id %s } } } }"
    seen = {e["node"]["id"]: e["node"]["assignee"] for e in (await client.query(listed % "assignee", token=community))["alarms"]["edges"]}
    assert seen == {tampered: None, leaking: "gw-2"}
    assert await client.statements(listed % "assignee", token=community) == await client.statements(listed % "", token=community) + 1
