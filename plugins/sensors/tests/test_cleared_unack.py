"""An alarm that is over by itself before anybody acknowledged it stays CLEARED_UNACK: open,
listed, escalating, until a person acknowledges it; its condition coming back reopens it."""

from __future__ import annotations

from datetime import timedelta

from jiedao.schema.ids import encode_global_id

from jiedao.plugins.sensors.metrics import alarms_open
from jiedao.plugins.sensors.service.alarms import now, sweep
from jiedao.plugins.sensors.service.publish import publish

from .conftest import alert_of
from .test_alarms import alarms_of, deliver, events  # noqa: F401 - the events fixture

ALARMS = "{ alarms { totalCount edges { node { id type status escalationLevel } } } }"
ALARM = "query($id: ID!) { node(id: $id) { ... on Alarm { status acknowledgedBy acknowledgedAt acknowledgementOutcome note escalationLevel } } }"
ACK = """mutation($id: ID!, $outcome: AcknowledgementOutcome) { acknowledgeAlarm(input: {alarmId: $id, note: "已联系老人，是做饭的油烟", outcome: $outcome}) {
    alarm { status acknowledgedBy acknowledgementOutcome } errors { code field message } } }"""
CLEAR = 'mutation($id: ID!) { clearAlarm(input: {alarmId: $id, outcome: FALSE_ALARM, note: "done"}) { alarm { status } errors { code field message } } }'


async def _sweep(kernel, at):
    """One watchdog round at ``at``, its changes published; the escalation steps taken."""
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        changes = await sweep(session, kernel.settings("changqing", "sensors"), at=at)
    await publish(kernel, "changqing", changes)
    return [(c.what, c.alarm.type, c.alarm.escalation_level) for c in changes]


async def test_a_smoke_alarm_over_before_anybody_acknowledged_still_escalates_until_someone_does(kernel, registry, client):
    raised = now() - timedelta(hours=2)
    await deliver(kernel, "SD-1", {"smoke": True}, at=raised)
    await deliver(kernel, "SD-1", {"smoke": False}, at=raised + timedelta(minutes=1))  # the smoke is gone by itself
    [alarm] = await alarms_of(kernel, "SD-1")
    alarm_id = encode_global_id("Alarm", alarm.id)

    grid = await client.token("grid_worker")
    page = (await client.query(ALARMS, token=grid))["alarms"]  # still among the open alarms
    assert page["edges"] == [{"node": {"id": alarm_id, "type": "SMOKE", "status": "CLEARED_UNACK", "escalationLevel": 0}}]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert [(r.severity, r.type, r.value) for r in await session.execute(alarms_open())] == [("CRITICAL", "SMOKE", 1)]
    refused = (await client.query(CLEAR, {"id": alarm_id}, token=grid))["clearAlarm"]
    assert refused["alarm"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_STATE", "alarmId")]
    assert "acknowledge it" in refused["errors"][0]["message"]

    # Nobody answers: the ladder is climbed as for any unacknowledged alarm (step 1 at 15 min).
    assert await _sweep(kernel, raised + timedelta(minutes=16)) == [("escalated", "SMOKE", 1)]
    alert = await alert_of(kernel, alarm.id)  # the people are still being told: nobody acknowledged
    assert alert.severity == "critical" and alert.acknowledged_at is None and alert.closed_at is None
    assert await _sweep(kernel, raised + timedelta(minutes=30)) == []

    # The lowest role without the permission is refused; a community worker acknowledges: CLEARED.
    inspector = await client.token("inspector")
    [error] = await client.errors(ACK, {"id": alarm_id, "outcome": "FALSE_ALARM"}, token=inspector)
    assert error["extensions"]["code"] == "FORBIDDEN"
    worker = await client.token("community_worker", username="cw-1")
    acked = (await client.query(ACK, {"id": alarm_id, "outcome": "FALSE_ALARM"}, token=worker))["acknowledgeAlarm"]
    assert acked == {"alarm": {"status": "CLEARED", "acknowledgedBy": "cw-1", "acknowledgementOutcome": "FALSE_ALARM"}, "errors": []}
    admin = await client.token("street_admin")
    node = (await client.query(ALARM, {"id": alarm_id}, token=admin))["node"]
    assert node["acknowledgedAt"] is not None and node["escalationLevel"] == 1
    assert node["note"].endswith("cw-1: 误报 / false alarm; 已联系老人，是做饭的油烟")
    assert (await client.query(ALARMS, token=grid))["alarms"]["totalCount"] == 0
    alert = await alert_of(kernel, alarm.id)  # and the notifications stop
    assert (alert.acknowledged_by, alert.next_stage_at) == ("cw-1", None)
    assert await _sweep(kernel, raised + timedelta(hours=1, seconds=1)) == []  # acknowledged: step 2 never comes


async def test_the_condition_coming_back_reopens_the_same_alarm(kernel, registry, client, events):
    t0 = now() - timedelta(minutes=10)
    await deliver(kernel, "SD-1", {"smoke": True}, at=t0)
    await deliver(kernel, "SD-1", {"smoke": False}, at=t0 + timedelta(minutes=1))
    await deliver(kernel, "SD-1", {"smoke": False}, at=t0 + timedelta(minutes=2))  # still normal: nothing more happens
    await deliver(kernel, "SD-1", {"smoke": True}, at=t0 + timedelta(minutes=3))
    [alarm] = await alarms_of(kernel, "SD-1")  # no second alarm
    assert (alarm.status, alarm.repeat_count, alarm.cleared_at, alarm.cleared_by) == ("ACTIVE_UNACK", 1, None, None)
    assert [(name, fields["status"]) for name, fields in events] == [
        ("sensors.alarm.raised", "ACTIVE_UNACK"), ("sensors.alarm.cleared", "CLEARED_UNACK"), ("sensors.alarm.updated", "ACTIVE_UNACK"),
    ]
    alert = await alert_of(kernel, alarm.id)
    assert alert.repeats == 1, "the people of the alert's current stage hear of the smoke coming back"

    grid = await client.token("grid_worker")
    [edge] = (await client.query(ALARMS, token=grid))["alarms"]["edges"]
    assert edge["node"]["status"] == "ACTIVE_UNACK"


async def test_an_acknowledged_alarm_that_ends_by_itself_is_cleared(kernel, registry, client):
    await deliver(kernel, "SD-1", {"smoke": True})
    [alarm] = await alarms_of(kernel, "SD-1")
    grid = await client.token("grid_worker")
    acked = (await client.query(ACK, {"id": encode_global_id("Alarm", alarm.id)}, token=grid))["acknowledgeAlarm"]
    assert acked["alarm"] == {"status": "ACKNOWLEDGED", "acknowledgedBy": "grid_worker-changqing", "acknowledgementOutcome": None}
    await deliver(kernel, "SD-1", {"smoke": False})
    [alarm] = await alarms_of(kernel, "SD-1")
    assert (alarm.status, alarm.cleared_by) == ("CLEARED", "system")
    await deliver(kernel, "SD-1", {"smoke": True})  # a new episode: a new alarm
    assert [a.status for a in await alarms_of(kernel, "SD-1")] == ["CLEARED", "ACTIVE_UNACK"]


async def test_a_device_back_from_offline_and_silent_again_reopens_its_offline_alarm(kernel, registry):
    heard = now() - timedelta(hours=14)
    await deliver(kernel, "SD-1", {"battery": 90}, at=heard)
    assert await _sweep(kernel, heard + timedelta(hours=5, minutes=59)) == []  # within a detector's 6 h
    assert await _sweep(kernel, heard + timedelta(hours=6, minutes=1)) == [("raised", "OFFLINE", 0)]
    await deliver(kernel, "SD-1", {"battery": 90}, at=heard + timedelta(hours=6, minutes=5))  # back: CLEARED_UNACK
    # silent again: the same alarm comes back, and (never acknowledged, raised 6 h ago) climbs a step
    assert await _sweep(kernel, heard + timedelta(hours=12, minutes=6)) == [("updated", "OFFLINE", 1), ("escalated", "OFFLINE", 1)]
    [offline] = await alarms_of(kernel, "SD-1")
    assert (offline.status, offline.repeat_count) == ("ACTIVE_UNACK", 1)


async def test_retiring_a_device_closes_its_alarm_that_was_over_by_itself(kernel, registry):
    from jiedao.plugins.sensors.service.devices import retire_device

    await deliver(kernel, "SD-1", {"smoke": True})
    await deliver(kernel, "SD-1", {"smoke": False})
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        retirement = await retire_device(session, "SD-1", "admin", "detector replaced")
    assert [c.what for c in retirement.changes] == ["acknowledged"]
    [alarm] = await alarms_of(kernel, "SD-1")
    assert (alarm.status, alarm.acknowledged_by) == ("CLEARED", "admin")
    assert alarm.note.endswith("admin: device retired: detector replaced")
