"""The GraphQL API as a front end uses it: lists, the alarm lifecycle, who may do what."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from jiedao.core.identity.models import AuditEntry
from jiedao.core.testing.fixtures import app_client
from jiedao.plugins.sensors.state import feed_of
from jiedao.schema.context import Context
from jiedao.schema.ids import encode_global_id

from .conftest import register_devices
from .test_alarms import alarms_of, deliver
from .test_home_live import PATIENCE, wait_for_listeners

ALARMS = "query($s: [AlarmStatus!]) { alarms(status: $s) { totalCount edges { node { id type severity status device { deviceId } } } } }"
ACK = "mutation($id: ID!, $note: String!) { acknowledgeAlarm(input: {alarmId: $id, note: $note}) { alarm { status acknowledgedBy } errors { code field message } } }"
CLEAR = "mutation($id: ID!, $note: String!) { clearAlarm(input: {alarmId: $id, outcome: ELECTRICAL_FAULT_FIXED, note: $note}) { alarm { status clearedBy note outcome acknowledgementOutcome } errors { code field } } }"


async def raise_leak(kernel, device_id: str = "EM-1", street: str = "changqing") -> str:
    await deliver(kernel, device_id, {"residual_current": 420}, street=street)
    [alarm] = await alarms_of(kernel, device_id, street)
    return encode_global_id("Alarm", alarm.id)


async def test_a_grid_worker_acknowledges_then_clears_an_alarm_with_a_note(kernel, registry, client):
    alarm_id = await raise_leak(kernel)
    grid = await client.token("grid_worker")
    page = (await client.query(ALARMS, token=grid))["alarms"]
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"] == {"id": alarm_id, "type": "RESIDUAL_CURRENT", "severity": "MAJOR", "status": "ACTIVE_UNACK", "device": {"deviceId": "EM-1"}}

    early = (await client.query(CLEAR, {"id": alarm_id, "note": "fixed"}, token=grid))["clearAlarm"]
    assert early == {"alarm": None, "errors": [{"code": "INVALID_STATE", "field": "alarmId"}]}

    acked = (await client.query(ACK, {"id": alarm_id, "note": "on my way"}, token=grid))["acknowledgeAlarm"]
    assert acked == {"alarm": {"status": "ACKNOWLEDGED", "acknowledgedBy": "grid_worker-changqing"}, "errors": []}
    again = (await client.query(ACK, {"id": alarm_id, "note": ""}, token=grid))["acknowledgeAlarm"]
    assert again["errors"][0]["code"] == "INVALID_STATE"

    silent = (await client.query(CLEAR, {"id": alarm_id, "note": "  "}, token=grid))["clearAlarm"]
    assert silent["errors"] == [{"code": "NOTE_REQUIRED", "field": "note"}]
    cleared = (await client.query(CLEAR, {"id": alarm_id, "note": "replaced the leaking breaker"}, token=grid))["clearAlarm"]
    assert cleared["errors"] == []
    assert cleared["alarm"]["status"] == "CLEARED" and cleared["alarm"]["clearedBy"] == "grid_worker-changqing"
    assert (cleared["alarm"]["outcome"], cleared["alarm"]["acknowledgementOutcome"]) == ("ELECTRICAL_FAULT_FIXED", "REAL_DANGER")
    assert "replaced the leaking breaker" in cleared["alarm"]["note"]

    assert (await client.query(ALARMS, token=grid))["alarms"]["totalCount"] == 0
    assert (await client.query(ALARMS, {"s": ["CLEARED"]}, token=grid))["alarms"]["totalCount"] == 1
    async with kernel.db.transaction() as session:
        audit = (await session.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.target).where(AuditEntry.action.like("sensors.%")).order_by(AuditEntry.id))).all()
    assert audit == [
        ("sensors.alarm.acknowledge", "grid_worker-changqing", alarm_id),
        ("sensors.alarm.clear", "grid_worker-changqing", alarm_id),
    ]


async def test_a_worse_reading_puts_an_acknowledged_alarm_back_to_unacknowledged(kernel, registry, client):
    alarm_id = await raise_leak(kernel)
    grid = await client.token("grid_worker")
    await client.query(ACK, {"id": alarm_id, "note": ""}, token=grid)
    await deliver(kernel, "EM-1", {"residual_current": 450})
    assert (await client.query(ALARMS, token=grid))["alarms"]["edges"][0]["node"]["status"] == "ACKNOWLEDGED"
    await deliver(kernel, "EM-1", {"residual_current": 600})
    node = (await client.query(ALARMS, token=grid))["alarms"]["edges"][0]["node"]
    assert (node["id"], node["severity"], node["status"]) == (alarm_id, "CRITICAL", "ACTIVE_UNACK")


async def test_an_inspector_may_not_acknowledge_and_a_community_worker_may_not_clear(kernel, registry, client):
    alarm_id = await raise_leak(kernel)
    inspector = await client.token("inspector")
    [error] = await client.errors(ACK, {"id": alarm_id, "note": ""}, token=inspector)
    assert error["extensions"]["code"] == "FORBIDDEN"
    [error] = await client.errors(ALARMS, token=inspector)
    assert error["extensions"]["code"] == "FORBIDDEN"

    worker = await client.token("community_worker")
    assert (await client.query(ACK, {"id": alarm_id, "note": ""}, token=worker))["acknowledgeAlarm"]["errors"] == []
    [error] = await client.errors(CLEAR, {"id": alarm_id, "note": "done"}, token=worker)
    assert error["extensions"] == {"code": "FORBIDDEN", "permission": "sensors.alarm.clear"} | {k: v for k, v in error["extensions"].items() if k not in ("code", "permission")}
    [status] = [a.status for a in await alarms_of(kernel, "EM-1")]
    assert status == "ACKNOWLEDGED"


async def test_gongchen_cannot_see_or_touch_changqing_alarms(make_kernel, password_hash):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"]}, "gongchen": {"name": "拱宸桥街道", "plugins": ["sensors"]}})
    await register_devices(kernel, "changqing")
    await register_devices(kernel, "gongchen")
    changqing_alarm = await raise_leak(kernel, "EM-1", "changqing")
    async with app_client(kernel, password_hash) as client:
        gongchen = await client.token("street_admin", "gongchen")
        assert (await client.post(ALARMS, street="changqing", token=gongchen)).status_code == 401
        assert (await client.query(ALARMS, street="gongchen", token=gongchen))["alarms"]["totalCount"] == 0
        node = await client.query("query($id: ID!) { node(id: $id) { id } }", {"id": changqing_alarm}, street="gongchen", token=gongchen)
        assert node == {"node": None}
        ack = (await client.query(ACK, {"id": changqing_alarm, "note": ""}, street="gongchen", token=gongchen))["acknowledgeAlarm"]
        assert ack["errors"][0]["code"] == "NOT_FOUND"
    [alarm] = await alarms_of(kernel, "EM-1", "changqing")
    assert alarm.status == "ACTIVE_UNACK"


async def test_a_street_without_sensors_has_no_alarms_field(kernel, client):
    admin = await client.token("street_admin", "gongchen")
    errors = await client.errors(ALARMS, street="gongchen", token=admin)
    assert any("alarms" in e["message"] and "sensors" in e["message"] for e in errors), errors


BUILDINGS = """{ buildings(first: 6) { edges { node { name
    devices { deviceId kind status latest { key value } openAlarms { type } resident { name } }
    alarms { type severity device { deviceId } } } } } }"""


async def test_building_lists_cost_the_same_number_of_statements_for_2_or_6_buildings(kernel, client):
    token = await client.token("grid_worker")
    costs = []
    for tag, buildings in (("a", 2), ("b", 4)):
        await register_devices(kernel, buildings=buildings, tag=tag)
        for n in range(1, buildings + 1):
            await deliver(kernel, f"EM-{tag}{n}", {"residual_current": 350, "voltage": 220})
        costs.append(await client.statements(BUILDINGS, token=token))
    data = await client.query(BUILDINGS, token=token)
    nodes = [e["node"] for e in data["buildings"]["edges"]]
    assert len(nodes) == 6
    assert all(len(n["alarms"]) == 1 and n["alarms"][0]["type"] == "RESIDUAL_CURRENT" for n in nodes)
    assert all({d["kind"] for d in n["devices"]} >= {"ELECTRIC_MONITOR", "SMOKE_DETECTOR"} for n in nodes)
    assert costs[0] == costs[1] and costs[0] > 3, costs


async def test_devices_filters_and_a_device_with_its_recent_readings(kernel, registry, client):
    for value in (10, 20, 30):
        await deliver(kernel, "EM-1", {"residual_current": value})
    token = await client.token("grid_worker")
    monitors = await client.query("{ devices(kind: ELECTRIC_MONITOR) { totalCount edges { node { id deviceId status } } } }", token=token)
    assert [e["node"]["deviceId"] for e in monitors["devices"]["edges"]] == ["EM-1", "EM-2"]
    online = await client.query("{ devices(status: ONLINE) { edges { node { deviceId } } } }", token=token)
    assert [e["node"]["deviceId"] for e in online["devices"]["edges"]] == ["EM-1"]
    em1 = monitors["devices"]["edges"][0]["node"]["id"]
    data = await client.query("query($id: ID!) { device(id: $id) { recentReadings(limit: 2) { key value ts } latest { key value } lastSeenAt } }", {"id": em1}, token=token)
    device = data["device"]
    assert [r["value"] for r in device["recentReadings"]] == [30, 20]
    assert device["latest"] == [{"key": "residual_current", "value": 30}]
    assert device["lastSeenAt"] is not None


async def test_a_resident_shows_the_detector_protecting_them(kernel, registry, client):
    token = await client.token("grid_worker")
    data = await client.query("{ residents(first: 10) { edges { node { id devices { deviceId kind } } } } }", token=token)
    protected = [e["node"]["devices"] for e in data["residents"]["edges"] if e["node"]["devices"]]
    assert protected == [[{"deviceId": "SD-1", "kind": "SMOKE_DETECTOR"}], [{"deviceId": "SD-2", "kind": "SMOKE_DETECTOR"}]]


async def test_alarm_changed_streams_alarms_as_they_are_raised_and_acknowledged(kernel, registry, client):
    schema = kernel.schemas.for_street("changqing")
    context = Context(kernel=kernel, street="changqing", street_id=kernel.street_id("changqing"), request_id="sub-test",
                      user=object(), permissions=frozenset({"sensors.alarm.read", "sensors.device.read"}))
    stream = await schema.subscribe("subscription { alarmChanged(minSeverity: MAJOR) { change alarm { type severity status device { deviceId } } } }", context_value=context)
    first = asyncio.ensure_future(anext(stream))
    await wait_for_listeners(kernel, feed_of(kernel), 1)
    await deliver(kernel, "SD-1", {"battery": 5})  # MINOR: filtered out
    alarm_id = await raise_leak(kernel, "EM-2")
    result = await asyncio.wait_for(first, PATIENCE)
    assert result.errors is None
    assert result.data == {"alarmChanged": {"change": "raised", "alarm": {"type": "RESIDUAL_CURRENT", "severity": "MAJOR", "status": "ACTIVE_UNACK", "device": {"deviceId": "EM-2"}}}}
    grid = await client.token("grid_worker")
    await client.query(ACK, {"id": alarm_id, "note": ""}, token=grid)
    result = await asyncio.wait_for(anext(stream), PATIENCE)
    assert result.data["alarmChanged"]["change"] == "acknowledged"
    await stream.aclose()
    await context.close()


REGISTER = """mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) {
    device { deviceId kind status building { id } unit { id } resident { id } } errors { code field } } }"""


async def test_a_street_admin_registers_a_detector_for_a_resident_and_it_may_then_report(kernel, registry, client):
    admin = await client.token("street_admin")
    resident = encode_global_id("Resident", registry.residents[1])
    made = (await client.query(REGISTER, {"input": {"deviceId": "SD-new", "kind": "SMOKE_DETECTOR", "residentId": resident}}, token=admin))["registerDevice"]
    assert made["errors"] == []
    assert made["device"] == {
        "deviceId": "SD-new", "kind": "SMOKE_DETECTOR", "status": "UNKNOWN",
        "building": {"id": encode_global_id("Building", registry.buildings[0])},
        "unit": {"id": encode_global_id("Unit", registry.units[1])},
        "resident": {"id": resident},
    }
    again = (await client.query(REGISTER, {"input": {"deviceId": "SD-new", "kind": "SMOKE_DETECTOR"}}, token=admin))["registerDevice"]
    assert again["errors"] == [{"code": "DUPLICATE", "field": "deviceId"}]
    monitor = (await client.query(REGISTER, {"input": {"deviceId": "EM-9", "kind": "ELECTRIC_MONITOR", "residentId": resident}}, token=admin))["registerDevice"]
    assert monitor["errors"] == [{"code": "INVALID", "field": "residentId"}]
    grid = await client.token("grid_worker")
    [error] = await client.errors(REGISTER, {"input": {"deviceId": "EM-9", "kind": "ELECTRIC_MONITOR"}}, token=grid)
    assert error["extensions"]["code"] == "FORBIDDEN"

    outcome = await deliver(kernel, "SD-new", {"smoke": True})
    assert outcome.accepted == 1
    assert [(a.type, a.severity) for a in await alarms_of(kernel, "SD-new")] == [("SMOKE", "CRITICAL")]
