"""The sensors mutations: registering and retiring devices, acknowledging, commenting on and
clearing alarms (with an outcome). Alarm changes are published (events, notifications, ``alarmChanged``) after the
commit."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from jiedao.api import DomainError, mutation, node_id, payload, Write
from jiedao.api.graphql import encode_global_id
from jiedao.plugins.sensors import models
from jiedao.plugins.sensors.graphql.households import AlarmComment, AlarmOutcome
from jiedao.plugins.sensors.graphql.types import AcknowledgementOutcome, Alarm, Device, DeviceKind
from jiedao.plugins.sensors.service import alarms as alarm_service
from jiedao.plugins.sensors.service.comments import MAX_TEXT, add_comment
from jiedao.plugins.sensors.service.devices import register_device, retire_device
from jiedao.plugins.sensors.service.installations import place_of
from jiedao.plugins.sensors.service.work import close_item_with_alarm
from jiedao.plugins.sensors.service.publish import publish

AlarmPayload = payload("AlarmPayload", "The alarm after the change, or the errors that refused it.", alarm=(Alarm | None, None, "The alarm after the change; null when refused."))
AlarmCommentPayload = payload("AlarmCommentPayload", "The comment added, or the errors that refused it.", comment=(AlarmComment | None, None, "The comment added; null when refused."))
DevicePayload = payload("DevicePayload", "The registered (or retired) device, or the errors that refused it.", device=(Device | None, None, "The device registered or retired; null when refused."))


@strawberry.input(description="An acknowledgement (确认) of an alarm: you take charge of it.")
class AcknowledgeAlarmInput:
    """Input of ``acknowledgeAlarm``."""

    alarm_id: strawberry.ID = node_id("Alarm", description="The Alarm (global ID).")
    note: str = strawberry.field(default="", description="A note on what you are doing.")
    outcome: AcknowledgementOutcome | None = strawberry.field(default=None, description="What you found, if you know already.")


@strawberry.input(description="The closing of an alarm by hand (人工消警), with what happened.")
class ClearAlarmInput:
    """Input of ``clearAlarm``."""

    alarm_id: strawberry.ID = node_id("Alarm", description="The Alarm (global ID).")
    outcome: AlarmOutcome = strawberry.field(description="What happened; required. Also closes the alarm's open work item.")
    note: str = strawberry.field(description="What was done; required.")


@strawberry.input(description="A comment on an alarm.")
class CommentOnAlarmInput:
    """Input of ``commentOnAlarm``."""

    alarm_id: strawberry.ID = node_id("Alarm", description="The Alarm (global ID).")
    text: str = strawberry.field(description=f"What you saw or did (at most {MAX_TEXT} characters); the residents of the households served may read it.")


@strawberry.input(description="A sensor device to register (or re-register) in the street, and where it is installed.")
class RegisterDeviceInput:
    """Input of ``registerDevice``."""

    device_id: str = strawberry.field(description="The id the device will use on MQTT; unique in the street.")
    kind: DeviceKind = strawberry.field(description="What the device is.")
    name: str = strawberry.field(default="", description="A name for people, e.g. 3幢2单元电表箱.")
    building_id: strawberry.ID | None = node_id("Building", default=None, description="The Building it is installed in (global ID).")
    unit_id: strawberry.ID | None = node_id("Unit", default=None, description="Its building is then the unit's.")
    resident_id: strawberry.ID | None = node_id("Resident", default=None, description="The person a smoke detector protects.")
    stairwell: str | None = strawberry.field(default=None, description="Installed at this stairwell (单元) of buildingId (a meter box); \"\" in a building with one.")
    floor: int | None = strawberry.field(default=None, description="Installed at this floor of buildingId (and of stairwell, if given).")
    served_unit_ids: list[strawberry.ID] | None = node_id(
        "Unit", default=None, description="The units it serves, all in its building (default: its unit, or every unit of its floor/stairwell/building).",
    )


@strawberry.input(description="A device to take out of service, by global `id` or by `deviceId`, and why.")
class RetireDeviceInput:
    """Input of ``retireDevice``: the device by global ``id`` or by ``deviceId``, and why."""

    id: strawberry.ID | None = node_id("Device", default=None, description="The device's global ID (or give deviceId).")
    device_id: str | None = strawberry.field(default=None, description="The id the device uses on MQTT (or give id).")
    note: str = strawberry.field(description="Why it is retired; required. Its open alarms are cleared with it.")


async def _device_id_of(w: Write, input: RetireDeviceInput) -> str:
    """The MQTT device id named by ``input`` (exactly one of ``id`` and ``deviceId``)."""
    if (input.id is None) == (input.device_id is None):
        raise DomainError("Give either id or deviceId.", code="INVALID", field="deviceId")
    if input.device_id is not None:
        return input.device_id
    return await w.session.scalar(select(models.Device.device_id).where(models.Device.id == input.id))


def _alarm_changed(w: Write, change: alarm_service.Change, note: str):
    """Audit a change of one alarm and publish it after the commit; the changed alarm."""
    w.audit(target=encode_global_id("Alarm", change.alarm.id), note=note, device=change.device.device_id, type=change.alarm.type)
    w.after_commit(lambda: publish(w.kernel, w.street, [change]))
    return change.alarm


@strawberry.type
class SensorsMutation:
    """Fields the plugin adds to ``Mutation``."""

    @mutation(
        DevicePayload, permission="sensors.device.manage", audit="sensors.device.register",
        description="Register a device so that its messages are accepted (the deviceId of a retired device reactivates it).",
    )
    async def register_device(w: Write, input: RegisterDeviceInput):
        device = await register_device(
            w.session, input.device_id, input.kind.value, input.name, input.building_id, input.unit_id, input.resident_id,
            stairwell=input.stairwell, floor=input.floor, served_unit_ids=input.served_unit_ids,
        )
        w.audit(target=input.device_id, kind=device.kind, place=place_of(device))
        return device

    @mutation(
        DevicePayload, permission="sensors.device.manage", audit="sensors.device.retire",
        description="Take a device out of service: status RETIRED, its open alarms cleared with the note. Registering its deviceId again reactivates it.",
    )
    async def retire_device(w: Write, input: RetireDeviceInput):
        device_id = await _device_id_of(w, input)
        retirement = await retire_device(w.session, device_id, w.user.username, input.note)
        w.audit(target=device_id, note=input.note, alarms_cleared=sum(c.what == "cleared" for c in retirement.changes))
        w.after_commit(lambda: publish(w.kernel, w.street, retirement.changes))
        return retirement.device

    @mutation(
        AlarmPayload, permission="sensors.alarm.acknowledge", audit="sensors.alarm.acknowledge",
        description="Take charge of an alarm (ACTIVE_UNACK → ACKNOWLEDGED; CLEARED_UNACK, over by itself → CLEARED), optionally saying what you found.",
    )
    async def acknowledge_alarm(w: Write, input: AcknowledgeAlarmInput):
        outcome = input.outcome.value if input.outcome else None
        change = await alarm_service.acknowledge(w.session, input.alarm_id, w.user.username, input.note, outcome=outcome)
        return _alarm_changed(w, change, input.note)

    @mutation(
        AlarmPayload, permission="sensors.alarm.clear", audit="sensors.alarm.clear",
        description="Close an acknowledged alarm by hand, saying what was done (a CLEARED_UNACK one is closed by acknowledging it).",
    )
    async def clear_alarm(w: Write, input: ClearAlarmInput):
        outcome = input.outcome.value
        change = await alarm_service.clear(w.session, input.alarm_id, w.user.username, input.note, outcome=outcome)
        await close_item_with_alarm(w.session, change.alarm, w.user.username, outcome, input.note)
        return _alarm_changed(w, change, f"{outcome}: {input.note}")

    @mutation(
        AlarmCommentPayload, permission="sensors.alarm.comment", audit="sensors.alarm.comment",
        description="Add a comment to an alarm (handlers only; the residents of the households it affects may read it).",
    )
    async def comment_on_alarm(w: Write, input: CommentOnAlarmInput):
        comment = await add_comment(w.session, input.alarm_id, w.user.username, w.user.id, input.text)
        w.audit(target=encode_global_id("Alarm", input.alarm_id))
        return comment
