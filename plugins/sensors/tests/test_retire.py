"""Retiring a device: its open alarms are cleared, it is no longer swept as offline or counted,
its credentials are revoked, and registering its id again brings it back."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from jiedao.core.config import parse_config
from jiedao.core.identity.models import AuditEntry
from jiedao.core.kernel import Kernel
from jiedao.plugins.sensors.metrics import devices_by_status
from jiedao.plugins.sensors.provision import issue
from jiedao.plugins.sensors.service.alarms import now, sweep
from jiedao.schema.ids import encode_global_id

from .conftest import device_row, register_devices
from .test_alarms import alarms_of, deliver, events  # noqa: F401 - events is a fixture
from .test_api import ACK, raise_leak

RETIRE = """mutation($input: RetireDeviceInput!) { retireDevice(input: $input) {
    device { deviceId status openAlarms { type } } errors { code field message } } }"""
REGISTER = """mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) {
    device { deviceId kind status name } errors { code field } } }"""
DEVICES = "query($s: DeviceStatus) { devices(status: $s) { totalCount edges { node { deviceId status } } } }"
CLEARED = "{ alarms(status: [CLEARED]) { edges { node { type status clearedBy note device { deviceId } } } } }"


async def test_retiring_a_device_clears_its_open_alarms_with_the_note(kernel, registry, client, events):  # noqa: F811
    leak = await raise_leak(kernel, "EM-1")
    await deliver(kernel, "EM-1", {"temperature": 95})  # a second open alarm, left unacknowledged
    admin, grid = await client.token("street_admin"), await client.token("grid_worker")
    await client.query(ACK, {"id": leak, "note": "on my way"}, token=grid)
    events.clear()

    device_gid = encode_global_id("Device", registry.devices["EM-1"])
    retired = (await client.query(RETIRE, {"input": {"id": device_gid, "note": "meter box replaced"}}, token=admin))["retireDevice"]
    assert retired == {"device": {"deviceId": "EM-1", "status": "RETIRED", "openAlarms": []}, "errors": []}

    cleared = [edge["node"] for edge in (await client.query(CLEARED, token=grid))["alarms"]["edges"]]
    assert sorted(node["type"] for node in cleared) == ["LINE_TEMPERATURE", "RESIDUAL_CURRENT"]
    for node in cleared:
        assert (node["status"], node["clearedBy"], node["device"]) == ("CLEARED", "street_admin-changqing", {"deviceId": "EM-1"})
        assert "meter box replaced" in node["note"]
    assert [name for name, _ in events].count("sensors.alarm.cleared") == 2  # published like manual clears

    listed = (await client.query(DEVICES, {"s": "RETIRED"}, token=grid))["devices"]
    assert listed == {"totalCount": 1, "edges": [{"node": {"deviceId": "EM-1", "status": "RETIRED"}}]}
    async with kernel.db.transaction() as session:
        audit = (await session.execute(select(AuditEntry.actor, AuditEntry.target).where(AuditEntry.action == "sensors.device.retire"))).all()
    assert audit == [("street_admin-changqing", "EM-1")]

    again = (await client.query(RETIRE, {"input": {"deviceId": "EM-1", "note": "twice"}}, token=admin))["retireDevice"]
    assert again["device"] is None and again["errors"][0]["code"] == "INVALID_STATE"
    silent = (await client.query(RETIRE, {"input": {"deviceId": "EM-2", "note": " "}}, token=admin))["retireDevice"]
    assert silent["errors"][0]["code"] == "NOTE_REQUIRED"
    unknown = (await client.query(RETIRE, {"input": {"deviceId": "NOPE", "note": "gone"}}, token=admin))["retireDevice"]
    assert unknown["errors"][0]["code"] == "NOT_FOUND"


async def test_only_device_managers_may_retire_a_device(kernel, registry, client):
    grid = await client.token("grid_worker")
    [error] = await client.errors(RETIRE, {"input": {"deviceId": "EM-1", "note": "gone"}}, token=grid)
    assert error["extensions"]["code"] == "FORBIDDEN" and error["extensions"]["permission"] == "sensors.device.manage"
    assert (await device_row(kernel, "EM-1")).status == "UNKNOWN"


async def test_a_retired_device_is_not_swept_offline_nor_counted_online_or_offline(kernel, registry, client):
    heard = now() - timedelta(hours=3)
    await deliver(kernel, "EM-1", {"voltage": 220}, at=heard)
    await deliver(kernel, "EM-2", {"voltage": 220}, at=heard)
    admin = await client.token("street_admin")
    await client.query(RETIRE, {"input": {"deviceId": "EM-1", "note": "removed"}}, token=admin)

    settings = kernel.settings("changqing", "sensors")
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        changes = await sweep(session, settings)
    assert [(c.device.device_id, c.alarm.type) for c in changes] == [("EM-2", "OFFLINE")]
    assert (await device_row(kernel, "EM-1")).status == "RETIRED"
    assert await alarms_of(kernel, "EM-1") == []

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        counted = {(row.kind, row.status): row.value for row in await session.execute(devices_by_status())}
    assert counted[("ELECTRIC_MONITOR", "OFFLINE")] == 1
    assert all(status != "RETIRED" for _, status in counted)


async def test_registering_a_retired_device_id_again_reactivates_it(kernel, registry, client):
    admin = await client.token("street_admin")
    await deliver(kernel, "EV-1", {"temperature": 30})
    taken = (await client.query(REGISTER, {"input": {"deviceId": "EV-1", "kind": "EV_CHARGER_FIRE"}}, token=admin))["registerDevice"]
    assert taken == {"device": None, "errors": [{"code": "DUPLICATE", "field": "deviceId"}]}

    await client.query(RETIRE, {"input": {"deviceId": "EV-1", "note": "charger removed"}}, token=admin)
    back = (await client.query(REGISTER, {"input": {"deviceId": "EV-1", "kind": "EV_CHARGER_FIRE", "name": "new charger"}}, token=admin))["registerDevice"]
    assert back == {"device": {"deviceId": "EV-1", "kind": "EV_CHARGER_FIRE", "status": "UNKNOWN", "name": "new charger"}, "errors": []}
    row = await device_row(kernel, "EV-1")
    assert (row.id, row.last_seen_at, row.latest) == (registry.devices["EV-1"], None, {})  # same row: history kept


async def test_messages_of_a_retired_device_are_quarantined(kernel, registry, client):
    # needs the store check (service/store.py quarantines messages of RETIRED devices)
    admin = await client.token("street_admin")
    await client.query(RETIRE, {"input": {"deviceId": "SD-1", "note": "resident moved out"}}, token=admin)
    await deliver(kernel, "SD-1", {"smoke": True})
    assert await alarms_of(kernel, "SD-1") == []
    grid = await client.token("grid_worker")
    page = (await client.query('{ quarantinedMessages(reason: "retired_device") { totalCount edges { node { deviceId } } } }', token=grid))
    assert page["quarantinedMessages"] == {"totalCount": 1, "edges": [{"node": {"deviceId": "SD-1"}}]}
    assert (await device_row(kernel, "SD-1")).status == "RETIRED"


STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}


def test_cli_retire_revokes_only_that_devices_credentials(jiedao_cli, database_url, tmp_path):
    async def prepare():
        kernel = await Kernel.load(parse_config({"streets": STREETS}, database_url=database_url))
        await kernel.sync_streets()
        await register_devices(kernel)
        await raise_leak(kernel, "EM-1")
        await kernel.close()

    asyncio.run(prepare())
    passwords, acl = tmp_path / "passwords", tmp_path / "acl"
    issue("changqing", "EM-2", "jiedao", passwords, acl)
    with acl.open("a") as f:
        f.write("user reader\ntopic read jiedao/#\n")
    kept_acl = acl.read_text()
    issue("changqing", "EM-1", "jiedao", passwords, acl)

    result = jiedao_cli(["sensors", "retire", "--street", "changqing", "EM-1", "--note", "box replaced", "--password-file", str(passwords), "--acl-file", str(acl)],
                        streets=STREETS, database_url=database_url)
    assert result.exit_code == 0, result.output
    assert "retired EM-1: 1 open alarm(s) cleared; MQTT credentials revoked" in result.output
    assert [line.split(":")[0] for line in passwords.read_text().splitlines()] == ["changqing.EM-2"]
    assert acl.read_text() == kept_acl

    async def check():
        kernel = await Kernel.load(parse_config({"streets": STREETS}, database_url=database_url))
        await kernel.sync_streets()
        try:
            return (await device_row(kernel, "EM-1")).status, [(a.status, a.note) for a in await alarms_of(kernel, "EM-1")]
        finally:
            await kernel.close()

    status, alarms = asyncio.run(check())
    assert status == "RETIRED" and alarms == [("CLEARED", "cli:" + __import__("getpass").getuser() + ": [DEVICE_RETIRED] device retired: box replaced")]

    missing = jiedao_cli(["sensors", "retire", "--street", "changqing", "EM-2", "--password-file", str(tmp_path / "none"), "--acl-file", str(tmp_path / "none.acl")],
                         streets=STREETS, database_url=database_url)
    assert missing.exit_code == 0, missing.output
    assert "not found (nothing to revoke)" in missing.output
    unknown = jiedao_cli(["sensors", "retire", "--street", "changqing", "NOPE"], streets=STREETS, database_url=database_url)
    assert unknown.exit_code == 1 and "No device 'NOPE'" in unknown.output
