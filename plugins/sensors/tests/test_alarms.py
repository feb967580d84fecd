"""Thresholds, one open alarm per device and type, automatic clearing, offline, escalation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from jiedao.core.contributions import Register
from jiedao.core.notify.alerts import open_alert
from jiedao.schema.ids import encode_global_id
from jiedao.plugins.sensors.ingest import store
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.alarms import acknowledge, now, sweep
from jiedao.plugins.sensors.service.payloads import Address
from jiedao.plugins.sensors.service.publish import publish
from jiedao.plugins.sensors.service.store import Inbound

from .conftest import register_devices


async def deliver(kernel, device_id: str, values: dict, street: str = "changqing", channel: str = "telemetry", at=None):
    """One message as the ingester hands it over after reading it from MQTT."""
    topic = f"jiedao/{street}/devices/{device_id}/{channel}"
    message = Inbound(Address(street, device_id, channel), topic, json.dumps(values).encode(), at or now())
    return await store(kernel, street, [message])


async def alarms_of(kernel, device_id: str, street: str = "changqing") -> list[Alarm]:
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        device = await session.scalar(select(Device).where(Device.device_id == device_id))
        return list((await session.scalars(select(Alarm).where(Alarm.device_pk == device.id).order_by(Alarm.id))).all())


@pytest.fixture
def events(kernel):
    """The sensors domain events published during the test, as (name, fields)."""
    seen: list[tuple[str, dict]] = []

    async def handler(event, delivery):
        assert delivery.street_id == kernel.street_id(delivery.street)
        seen.append((event.name, event.fields()))

    register = Register("sensors", kernel.contributions)
    for what in ("raised", "updated", "acknowledged", "cleared", "escalated"):
        register.on(f"sensors.alarm.{what}", handler)
    return seen


async def test_residual_current_thresholds_at_their_boundaries(kernel, registry, events):
    await deliver(kernel, "EM-1", {"residual_current": 299})
    assert await alarms_of(kernel, "EM-1") == []

    await deliver(kernel, "EM-1", {"residual_current": 300})
    [alarm] = await alarms_of(kernel, "EM-1")
    assert (alarm.type, alarm.severity, alarm.status, alarm.value) == ("RESIDUAL_CURRENT", "MAJOR", "ACTIVE_UNACK", 300)

    await deliver(kernel, "EM-1", {"residual_current": 500})
    [alarm] = await alarms_of(kernel, "EM-1")
    assert (alarm.severity, alarm.repeat_count, alarm.value) == ("CRITICAL", 1, 500)

    await deliver(kernel, "EM-1", {"residual_current": 299})
    [alarm] = await alarms_of(kernel, "EM-1")
    assert (alarm.status, alarm.cleared_by) == ("CLEARED_UNACK", "system")  # over, but nobody acknowledged it
    assert [name for name, _ in events] == ["sensors.alarm.raised", "sensors.alarm.updated", "sensors.alarm.cleared"]
    assert events[0][1]["device_id"] == "EM-1" and events[0][1]["severity"] == "MAJOR"


async def test_repeats_update_the_one_open_alarm_and_a_new_episode_opens_a_new_one(kernel, registry):
    for value in (350, 360, 340, 355):
        await deliver(kernel, "EM-1", {"residual_current": value})
    [alarm] = await alarms_of(kernel, "EM-1")
    assert (alarm.repeat_count, alarm.value, alarm.status) == (3, 355, "ACTIVE_UNACK")

    await deliver(kernel, "EM-1", {"temperature": 95})  # another type: its own alarm
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await acknowledge(session, alarm.id, "gw-1")  # taken care of: it closes when back to normal
    await deliver(kernel, "EM-1", {"residual_current": 10})
    await deliver(kernel, "EM-1", {"residual_current": 400})
    alarms = await alarms_of(kernel, "EM-1")
    assert [(a.type, a.status) for a in alarms] == [
        ("RESIDUAL_CURRENT", "CLEARED"), ("LINE_TEMPERATURE", "ACTIVE_UNACK"), ("RESIDUAL_CURRENT", "ACTIVE_UNACK"),
    ]


async def test_many_messages_of_one_device_in_one_batch_raise_one_alarm(kernel, registry):
    at = now()
    batch = [
        Inbound(Address("changqing", "EM-1", "telemetry"), "jiedao/changqing/devices/EM-1/telemetry", json.dumps({"residual_current": 310 + i}).encode(), at + timedelta(milliseconds=i))
        for i in range(10)
    ]
    await store(kernel, "changqing", batch)
    [alarm] = await alarms_of(kernel, "EM-1")
    assert (alarm.repeat_count, alarm.value) == (9, 319)


async def test_detector_and_charger_rules(kernel, registry):
    await deliver(kernel, "SD-1", {"smoke": True, "battery": 15, "tamper": False, "self_test": False})
    got = {(a.type, a.severity) for a in await alarms_of(kernel, "SD-1")}
    # SD-1 protects an elderly person living alone: a failed self-test there is CRITICAL, a low battery stays MINOR
    assert got == {("SMOKE", "CRITICAL"), ("LOW_BATTERY", "MINOR"), ("SELF_TEST_FAILED", "CRITICAL")}
    await deliver(kernel, "SD-2", {"self_test": False, "tamper": True})  # its resident too
    assert {(a.type, a.severity) for a in await alarms_of(kernel, "SD-2")} == {("SELF_TEST_FAILED", "CRITICAL"), ("TAMPER", "CRITICAL")}
    await deliver(kernel, "EV-1", {"temperature": 61})
    assert [(a.type, a.severity) for a in await alarms_of(kernel, "EV-1")] == [("CHARGER_TEMPERATURE", "MAJOR")]


async def test_a_street_can_lower_its_thresholds(make_kernel):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"], "sensors": {"thresholds": {"residual_current_major_ma": 200, "residual_current_critical_ma": 250}}}})
    await register_devices(kernel)
    await deliver(kernel, "EM-1", {"residual_current": 260})
    [alarm] = await alarms_of(kernel, "EM-1")
    assert alarm.severity == "CRITICAL"


async def test_a_silent_detector_of_an_elderly_person_living_alone_is_a_critical_offline(kernel, registry, events):
    heard = now() - timedelta(hours=7)  # past a detector's 6 h and a monitor's 2 h
    await deliver(kernel, "SD-1", {"battery": 90}, at=heard)
    await deliver(kernel, "EM-1", {"voltage": 220}, at=heard)
    await deliver(kernel, "EM-2", {"voltage": 220})
    settings = kernel.settings("changqing", "sensors")
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        changes = await sweep(session, settings)
    assert sorted((c.device.device_id, c.alarm.severity) for c in changes) == [("EM-1", "MINOR"), ("SD-1", "CRITICAL")]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await sweep(session, settings) == []  # still one alarm each

    await deliver(kernel, "SD-1", {"battery": 89})
    [offline] = await alarms_of(kernel, "SD-1")
    assert (offline.type, offline.status) == ("OFFLINE", "CLEARED_UNACK")  # back, but nobody acknowledged it


async def test_unacknowledged_alarms_climb_the_escalation_ladder(kernel, registry):
    raised = now() - timedelta(minutes=20)
    await deliver(kernel, "EM-1", {"residual_current": 320}, at=raised)
    await kernel.state("sensors").background.settled()
    [alarm] = await alarms_of(kernel, "EM-1")
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        alert = await open_alert(session, encode_global_id("Alarm", alarm.id))
    assert (alert.kind, alert.severity, alert.fields["what"]) == ("sensors.alarm", "major", "剩余电流超限")  # the outbox takes it from here
    settings = kernel.settings("changqing", "sensors")  # ladder: 15 min, 1 h
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        [step] = await sweep(session, settings)
    assert (step.what, step.alarm.escalation_level) == ("escalated", 1)
    await publish(kernel, "changqing", [step])
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await sweep(session, settings) == []  # the next step is at 1 h
        later = await sweep(session, settings, at=raised + timedelta(hours=1, seconds=1))
    assert [c.alarm.escalation_level for c in later] == [2]


async def test_over_current_is_raised_only_once_it_has_lasted_its_hold_time(kernel, registry):
    t0 = now() - timedelta(minutes=5)
    await deliver(kernel, "EM-1", {"current": 55}, at=t0)
    await deliver(kernel, "EM-1", {"current": 58}, at=t0 + timedelta(seconds=30))
    assert await alarms_of(kernel, "EM-1") == []  # a motor starting: not yet an alarm
    await deliver(kernel, "EM-1", {"current": 12}, at=t0 + timedelta(seconds=40))
    await deliver(kernel, "EM-1", {"current": 57}, at=t0 + timedelta(seconds=50))
    await deliver(kernel, "EM-1", {"current": 56}, at=t0 + timedelta(seconds=100))
    assert await alarms_of(kernel, "EM-1") == []  # the normal value at 40 s restarted the clock
    await deliver(kernel, "EM-1", {"current": 66}, at=t0 + timedelta(seconds=111))
    [alarm] = await alarms_of(kernel, "EM-1")
    assert (alarm.type, alarm.severity, alarm.value) == ("OVER_CURRENT", "CRITICAL", 66)
    assert alarm.message == "line current 66 A ≥ 63 A for 61 s"
    assert alarm.raised_at == t0 + timedelta(seconds=111)
    await deliver(kernel, "EM-1", {"current": 20}, at=t0 + timedelta(seconds=120))
    [alarm] = await alarms_of(kernel, "EM-1")
    assert alarm.status == "CLEARED_UNACK"


async def test_a_street_can_hold_any_alarm_type_and_arc_faults_raise_at_once(make_kernel):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"], "sensors": {"thresholds": {"hold": {"RESIDUAL_CURRENT": "10s"}}}}})
    await register_devices(kernel)
    t0 = now() - timedelta(minutes=1)
    await deliver(kernel, "EM-1", {"residual_current": 320, "arc_fault": 1}, at=t0)
    assert [(a.type, a.severity) for a in await alarms_of(kernel, "EM-1")] == [("ARC_FAULT", "CRITICAL")]
    await deliver(kernel, "EM-1", {"residual_current": 330}, at=t0 + timedelta(seconds=10))
    assert {a.type for a in await alarms_of(kernel, "EM-1")} == {"ARC_FAULT", "RESIDUAL_CURRENT"}


def test_holding_an_unknown_alarm_type_is_refused_with_the_known_ones():
    from pydantic import ValidationError

    from jiedao.plugins.sensors.settings import SensorsSettings

    with pytest.raises(ValidationError, match=r"unknown alarm type\(s\) SPARKS .*OVER_CURRENT"):
        SensorsSettings.model_validate({"thresholds": {"hold": {"SPARKS": "5s"}}})


async def test_a_device_put_back_into_service_starts_its_hold_times_afresh(kernel, registry):
    from jiedao.plugins.sensors.service.devices import register_device, retire_device

    t0 = now() - timedelta(hours=1)
    await deliver(kernel, "EM-1", {"current": 55}, at=t0)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await retire_device(session, "EM-1", "admin", "meter box replaced")
        await register_device(session, "EM-1", "ELECTRIC_MONITOR", "new monitor")
    await deliver(kernel, "EM-1", {"current": 58}, at=t0 + timedelta(minutes=30))
    assert await alarms_of(kernel, "EM-1") == []  # one start-up spike of the new monitor
