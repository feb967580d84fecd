"""The alarm list reads its devices ahead (``schema.references``): one statement for the page's
devices, handed to the rows, so the executor answers ``device { ... }`` itself; the answers
are those of the loaders, and the statements do not grow with the page."""

from __future__ import annotations

import pytest

from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.plain_path import loaded_instances, resolved_parent_types, without_page_look_ahead
from jiedao.schema.ids import encode_global_id

from .test_alarms import deliver

ALARMS = "{ alarms(first: 20) { totalCount edges { node { id type severity device { id deviceId kind } } } } }"
RELAY_ALARMS = """query($devices: Boolean!) { alarms(first: 20) { edges { node { ...AlarmRow } } } }
fragment AlarmRow on Alarm { id type ... on Alarm { where: device @include(if: $devices) { ...DeviceBits } } }
fragment DeviceBits on Device { id deviceId }"""
pytestmark = pytest.mark.usefixtures("compiled_reads_off")  # the general path (schema.compiled_reads answers these on PostgreSQL otherwise)

REGISTER = """mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { device { deviceId } errors { code } } }"""


async def _alarms(kernel, client, token, units: list[int], first: int = 0) -> None:
    """A monitor in each of ``units`` (``EM-<first>``, ...), each raising a residual-current alarm."""
    for index, unit in enumerate(units, start=first):
        device_id = f"EM-{index}"
        registered = await client.query(REGISTER, {"input": {"kind": "ELECTRIC_MONITOR", "deviceId": device_id, "unitId": encode_global_id("Unit", unit)}}, token=token)
        assert registered["registerDevice"]["errors"] == []
        await deliver(kernel, device_id, {"residual_current": 320})


async def test_the_alarm_list_answers_its_devices_without_resolving_them(kernel, client, monkeypatch):
    admin = await client.token("street_admin")
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=3)
    await _alarms(kernel, client, admin, made["units"])
    worker = await client.token("community_worker")
    resolved = resolved_parent_types(monkeypatch)
    ahead = await client.query(ALARMS, token=worker)
    assert [e["node"]["device"]["deviceId"] for e in ahead["alarms"]["edges"]] == ["EM-0", "EM-1", "EM-2"]
    assert "Device" not in resolved and "Alarm" not in resolved, resolved

    without_page_look_ahead(monkeypatch)
    resolved.clear()
    assert await client.query(ALARMS, token=worker) == ahead, "the loaders answer the same"
    assert "Alarm" in resolved, "without the look-ahead each alarm's device goes through graphql-core"


async def test_the_alarm_list_costs_the_same_statements_for_1_or_4_alarms(kernel, client):
    admin = await client.token("street_admin")
    worker = await client.token("community_worker")
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=4)
    await _alarms(kernel, client, admin, made["units"][:1])
    one = await client.statements(ALARMS, token=worker)
    assert len((await client.query(ALARMS, token=worker))["alarms"]["edges"]) == 1
    await _alarms(kernel, client, admin, made["units"][1:], first=1)
    assert len((await client.query(ALARMS, token=worker))["alarms"]["edges"]) == 4
    assert await client.statements(ALARMS, token=worker) == one


async def test_fragments_and_include_are_seen_as_the_executor_sees_them(kernel, client, monkeypatch):
    """A Relay-style list (fragments, an inline fragment, an alias, ``@include``): devices are
    read ahead when included, and not read at all when not."""
    admin = await client.token("street_admin")
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=3)
    await _alarms(kernel, client, admin, made["units"])
    worker = await client.token("community_worker")
    without = await client.statements(RELAY_ALARMS, {"devices": False}, token=worker)
    assert await client.statements(RELAY_ALARMS, {"devices": True}, token=worker) == without + 1
    resolved = resolved_parent_types(monkeypatch)
    ahead = await client.query(RELAY_ALARMS, {"devices": True}, token=worker)
    assert sorted(e["node"]["where"]["deviceId"] for e in ahead["alarms"]["edges"]) == ["EM-0", "EM-1", "EM-2"]
    assert "Device" not in resolved and "Alarm" not in resolved, resolved
    without_page_look_ahead(monkeypatch)
    assert await client.query(RELAY_ALARMS, {"devices": True}, token=worker) == ahead


DETAILED = """{ alarms(first: 20) { edges { node { id device { deviceId }
  households { vulnerable unit { number } } comments { text } workItem { id state closed } } } } }"""


async def test_households_comments_and_work_items_are_read_ahead_for_the_page(kernel, client, monkeypatch):
    """``loaded_field``s (an alarm's households, comments and work item, from the sensors'
    own loaders) are read for the whole page, one ``load_many`` each, and the households'
    units after them: graphql-core resolves no field of an alarm or a household, the answers
    are the loaders' own, and the statements do not grow with the page."""
    admin = await client.token("street_admin")
    worker = await client.token("community_worker")
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=4)
    await _alarms(kernel, client, admin, made["units"][:1])
    one = await client.statements(DETAILED, token=worker)
    await _alarms(kernel, client, admin, made["units"][1:], first=1)
    assert await client.statements(DETAILED, token=worker) == one
    resolved = resolved_parent_types(monkeypatch)
    ahead = await client.query(DETAILED, token=worker)
    alarms = [e["node"] for e in ahead["alarms"]["edges"]]
    assert len(alarms) == 4
    assert all([h["unit"]["number"] for h in a["households"]] == ["00" + str(i + 1)] for i, a in enumerate(alarms))
    assert all(a["workItem"] is not None and a["comments"] == [] for a in alarms)  # residual current: MAJOR, so a work item
    assert not {"Alarm", "AffectedHousehold"} & set(resolved), resolved
    without_page_look_ahead(monkeypatch)
    resolved.clear()
    assert await client.query(DETAILED, token=worker) == ahead, "the loaders answer the same"
    assert "Alarm" in resolved


async def test_the_alarm_lists_devices_are_read_as_plain_rows(kernel, client):
    """``Alarm.device`` is ``linked(..., plain_rows=True)``: the page's devices come from one
    column statement, no ``Device`` instance is loaded, and the answers (place, status,
    latest values included) are those of the loaders."""
    from jiedao.plugins.sensors import models as sensor_models

    admin = await client.token("street_admin")
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=3)
    await _alarms(kernel, client, admin, made["units"])
    worker = await client.token("community_worker")
    query = "{ alarms(first: 20) { edges { node { id device { id deviceId kind status installedAt latest { key value } unit { number } } } } } }"
    with loaded_instances(sensor_models.Device) as loaded:
        ahead = await client.query(query, token=worker)
    devices = [e["node"]["device"] for e in ahead["alarms"]["edges"]]
    assert [d["deviceId"] for d in devices] == ["EM-0", "EM-1", "EM-2"]
    assert all(d["installedAt"] == "UNIT" and d["unit"]["number"] and {"key": "residual_current", "value": 320.0} in d["latest"] for d in devices), devices
    assert loaded == []
