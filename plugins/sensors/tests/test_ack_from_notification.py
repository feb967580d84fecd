"""Acknowledging an alarm from its notification (a link or a reply): the outbox publishes
``core.notify.acknowledged`` and the alarm of the street is acknowledged with the outcome."""

from __future__ import annotations

from jiedao.api.alerts import AlertAcknowledged
from jiedao.core.testing.fixtures import app_client
from jiedao.schema.ids import encode_global_id

from .conftest import register_devices
from .test_alarms import alarms_of, deliver, events  # noqa: F401 - the events fixture

ALARM = "query($id: ID!) { node(id: $id) { ... on Alarm { status acknowledgedBy acknowledgementOutcome note } } }"


async def _smoke(kernel, street: str = "changqing", clears: bool = False) -> str:
    await deliver(kernel, "SD-1", {"smoke": True}, street=street)
    if clears:
        await deliver(kernel, "SD-1", {"smoke": False}, street=street)
    [alarm] = await alarms_of(kernel, "SD-1", street)
    return encode_global_id("Alarm", alarm.id)


async def test_answering_the_notification_acknowledges_the_alarm_with_its_outcome(kernel, registry, client, events):
    alarm_id = await _smoke(kernel)
    answer = AlertAcknowledged(subject=alarm_id, by="gw-1", outcome="REAL_DANGER", note="已疏散，消防到场")
    assert await kernel.events.publish("changqing", answer) == []

    admin = await client.token("street_admin")
    node = (await client.query(ALARM, {"id": alarm_id}, token=admin))["node"]
    assert (node["status"], node["acknowledgedBy"], node["acknowledgementOutcome"]) == ("ACKNOWLEDGED", "gw-1", "REAL_DANGER")
    assert node["note"].endswith("gw-1: 确有险情 / real danger; 已疏散，消防到场")
    assert [name for name, _ in events] == ["sensors.alarm.raised", "sensors.alarm.acknowledged"]

    # A second answer (the emergency contact replies later): no change, no error.
    late = AlertAcknowledged(subject=alarm_id, by="contact:李女士", outcome="FALSE_ALARM")
    assert await kernel.events.publish("changqing", late) == []
    again = (await client.query(ALARM, {"id": alarm_id}, token=admin))["node"]
    assert again == node
    assert len(events) == 2


async def test_answering_for_an_alarm_over_by_itself_clears_it(kernel, registry, client):
    alarm_id = await _smoke(kernel, clears=True)
    assert await kernel.events.publish("changqing", AlertAcknowledged(subject=alarm_id, by="resident:王大爷", outcome="FALSE_ALARM")) == []
    node = (await client.query(ALARM, {"id": alarm_id}, token=await client.token("grid_worker")))["node"]
    assert (node["status"], node["acknowledgedBy"], node["acknowledgementOutcome"]) == ("CLEARED", "resident:王大爷", "FALSE_ALARM")
    assert node["note"].endswith("resident:王大爷: 误报 / false alarm")


async def test_an_answer_about_another_streets_alarm_changes_nothing(make_kernel, password_hash):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"]}, "gongchen": {"name": "拱宸桥街道", "plugins": ["sensors"]}})
    await register_devices(kernel, "changqing")
    await register_devices(kernel, "gongchen")
    changqing_alarm = await _smoke(kernel, "changqing")
    gongchen_alarm = await _smoke(kernel, "gongchen")

    # Published in changqing, about gongchen's alarm; then about something that is not an alarm.
    assert await kernel.events.publish("changqing", AlertAcknowledged(subject=gongchen_alarm, by="gw-1", outcome="VISITED")) == []
    not_an_alarm = encode_global_id("Building", 1)
    assert await kernel.events.publish("changqing", AlertAcknowledged(subject=not_an_alarm, by="gw-1", outcome="VISITED")) == []

    async with app_client(kernel, password_hash) as client:
        for street, alarm_id in (("changqing", changqing_alarm), ("gongchen", gongchen_alarm)):
            token = await client.token("street_admin", street)
            node = (await client.query(ALARM, {"id": alarm_id}, street=street, token=token))["node"]
            assert (node["status"], node["acknowledgedBy"], node["acknowledgementOutcome"]) == ("ACTIVE_UNACK", None, None), street
