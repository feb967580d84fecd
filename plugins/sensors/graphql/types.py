"""The sensors GraphQL API: devices, readings, alarms, their lifecycle, and the fields the
plugin adds to ``Building``, ``Unit`` and ``Resident``."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, select

from core import models as core_models
from core.errors import DomainError
from core.graphql import Building, Resident, Unit
from core.identity.audit import record_for
from plugins.sensors import models
from plugins.sensors.service import alarms as alarm_service
from plugins.sensors.service.devices import register_device, retire_device
from plugins.sensors.service.payloads import printable
from plugins.sensors.service.publish import feed_of, publish
from plugins.sensors.service.rules import ALARM_TYPES, SEVERITIES
from schema.connection import Connection, paginate
from schema.errors import ClientError, UserError, user_errors
from schema.ids import decode_id_of
from schema.loaders import by_id, children
from schema.node import Node, node_type
from schema.permissions import allow

DEVICE_READ = "sensors.device.read"
ALARM_READ = "sensors.alarm.read"
QUARANTINE_READ = "sensors.quarantine.read"
READ_DEVICES = allow(DEVICE_READ)
READ_ALARMS = allow(ALARM_READ)
MAX_READINGS = 100
MAX_HOURS = 24 * 31


@strawberry.enum(description="What a device is.")
class DeviceKind(Enum):
    """What a device is."""

    ELECTRIC_MONITOR = "ELECTRIC_MONITOR"
    SMOKE_DETECTOR = "SMOKE_DETECTOR"
    EV_CHARGER_FIRE = "EV_CHARGER_FIRE"


@strawberry.enum(description="Whether a device is heard from, or taken out of service.")
class DeviceStatus(Enum):
    """Whether a device is heard from, or taken out of service (RETIRED)."""

    UNKNOWN = "UNKNOWN"
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"
    RETIRED = strawberry.enum_value("RETIRED", description="Taken out of service (retireDevice); not swept as offline, its messages are quarantined.")


@strawberry.enum(description="Where an alarm is in its lifecycle.")
class AlarmStatus(Enum):
    """Where an alarm is in its lifecycle."""

    ACTIVE_UNACK = "ACTIVE_UNACK"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    CLEARED = "CLEARED"


# The GraphQL enums are made from the rules' own constants, so the two cannot drift.
AlarmSeverity = strawberry.enum(Enum("AlarmSeverity", [(s, s) for s in SEVERITIES]), description="How urgent an alarm is.")
AlarmType = strawberry.enum(
    Enum("AlarmType", [(t, t) for t in ALARM_TYPES]), description="What an alarm is about (one open alarm per device and type)."
)


@strawberry.type(description="The latest value of one key of a device.")
class LatestValue:
    """The latest value of one key, from the device row (no history read)."""

    key: str
    value: float
    ts: datetime


@strawberry.type(description="One value a device reported.")
class Reading:
    """One stored value of the history."""

    key: str
    value: float
    ts: datetime


@strawberry.type(description="The readings of one key of a device within one UTC hour, rolled up.")
class HourlyValue:
    """One row of ``sensor_readings_hourly``."""

    key: str
    count: int = strawberry.field(description="How many readings the hour had.")
    min: float
    max: float
    sum: float
    hour: datetime = strawberry.field(description="The start of the UTC hour.")

    @strawberry.field(description="The mean of the hour's readings.")
    def mean(self) -> float:
        return self.sum / self.count if self.count else 0.0


def enum_value(item: Enum | str) -> str:
    """The stored string of an enum argument, whether it arrives as an Enum member or as
    its raw value (Strawberry's enum types give members; a plain graphql-core enum type in
    a derived street schema gives values). Resolvers return the stored strings, which both
    kinds of enum type serialise."""
    return item.value if isinstance(item, Enum) else item


def _open_alarms_loader(ctx, column) -> Any:
    """Alarms not CLEARED grouped by ``column`` (device or building), one statement."""
    key_name = column.key

    async def load(keys: Sequence[int]) -> list[list[Any]]:
        rows = await ctx.scalars(
            select(models.Alarm).where(column.in_(keys), models.Alarm.status != alarm_service.CLEARED).order_by(models.Alarm.id)
        )
        groups: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            groups[getattr(row, key_name)].append(row)
        return [groups.get(k, []) for k in keys]

    return ctx.loader(("sensors.open_alarms", key_name), load)


def _recent_readings_loader(ctx, limit: int) -> Any:
    """The ``limit`` newest readings of each device, one statement (a window function)."""

    async def load(device_pks: Sequence[int]) -> list[list[Any]]:
        rank = func.row_number().over(partition_by=models.Reading.device_pk, order_by=(models.Reading.ts.desc(), models.Reading.id.desc())).label("rank")
        ranked = select(models.Reading.id, rank).where(models.Reading.device_pk.in_(device_pks)).subquery()
        rows = await ctx.scalars(
            select(models.Reading)
            .join(ranked, ranked.c.id == models.Reading.id)
            .where(ranked.c.rank <= limit)
            .order_by(models.Reading.device_pk, models.Reading.ts.desc(), models.Reading.id.desc())
        )
        groups: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            groups[row.device_pk].append(row)
        return [groups.get(pk, []) for pk in device_pks]

    return ctx.loader(("sensors.recent_readings", limit), load)


@node_type(models.Device, read=DEVICE_READ)
@strawberry.type(description="A monitor, detector or charging-point fire device.")
class Device(Node):
    """A registered device; resolvers receive the ``models.Device`` row."""

    device_id: str = strawberry.field(description="The id the device uses on MQTT.")
    name: str
    kind: DeviceKind
    status: DeviceStatus
    last_seen_at: datetime | None = strawberry.field(description="When the device was last heard from.")

    @strawberry.field(description="The latest value of every key (kept apart from the history).")
    def latest(self) -> list[LatestValue]:
        return [
            LatestValue(key=k, value=v["value"], ts=datetime.fromisoformat(v["ts"]))
            for k, v in sorted((self.latest or {}).items())
        ]

    @strawberry.field(description=f"The newest readings, newest first (at most {MAX_READINGS}).")
    async def recent_readings(self, info: strawberry.Info, limit: int = 20) -> list[Reading]:
        """The newest readings of this device (batched over all devices of the request)."""
        if not 0 < limit <= MAX_READINGS:
            raise ClientError(f"limit must be between 1 and {MAX_READINGS}, got {limit}.", "PAGE_SIZE")
        return await _recent_readings_loader(info.context, limit).load(self.id)

    @strawberry.field(description=f"Hourly roll-ups of one key from `since` on, oldest first (at most {MAX_HOURS} hours); they outlive the raw readings.")
    async def hourly(self, info: strawberry.Info, key: str, since: datetime) -> list[HourlyValue]:
        """Roll-ups of ``key`` for this device (one device at a time)."""
        rows = await info.context.scalars(
            select(models.HourlyReading)
            .where(models.HourlyReading.device_pk == self.id, models.HourlyReading.key == key, models.HourlyReading.hour >= since)
            .order_by(models.HourlyReading.hour)
            .limit(MAX_HOURS)
        )
        return list(rows)

    @strawberry.field(description="Alarms of this device not yet cleared.", permission_classes=READ_ALARMS)
    async def open_alarms(self, info: strawberry.Info) -> list[Alarm]:
        return await _open_alarms_loader(info.context, models.Alarm.device_pk).load(self.id)

    @strawberry.field
    async def building(self, info: strawberry.Info) -> Building | None:
        if self.building_id is None:
            return None
        return await by_id(info.context, core_models.Building).load(self.building_id)

    @strawberry.field
    async def unit(self, info: strawberry.Info) -> Unit | None:
        if self.unit_id is None:
            return None
        return await by_id(info.context, core_models.Unit).load(self.unit_id)

    @strawberry.field(description="The person this detector protects.", permission_classes=allow("core.residents.read"))
    async def resident(self, info: strawberry.Info) -> Resident | None:
        if self.resident_id is None:
            return None
        return await by_id(info.context, core_models.Resident).load(self.resident_id)


@node_type(models.Alarm, read=ALARM_READ)
@strawberry.type(description="An alarm of one type on one device; repeats update it.")
class Alarm(Node):
    """An alarm; resolvers receive the ``models.Alarm`` row."""

    message: str
    value: float | None
    repeat_count: int = strawberry.field(description="How many times the condition repeated since it was raised.")
    escalation_level: int = strawberry.field(description="Escalation steps taken while nobody acknowledged.")
    acknowledged_by: str | None
    cleared_by: str | None = strawberry.field(description="Who cleared it; 'system' when back to normal.")
    note: str
    type: AlarmType
    severity: AlarmSeverity
    status: AlarmStatus
    raised_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    cleared_at: datetime | None

    @strawberry.field(permission_classes=READ_DEVICES)
    async def device(self, info: strawberry.Info) -> Device:
        return await by_id(info.context, models.Device).load(self.device_pk)


@node_type(models.QuarantinedMessage, read=QUARANTINE_READ)
@strawberry.type(description="A message the ingester refused, with the reason.")
class QuarantinedMessage(Node):
    """A refused message; resolvers receive the ``models.QuarantinedMessage`` row."""

    topic: str
    device_id: str
    reason: str
    detail: str
    received_at: datetime

    @strawberry.field(description="The payload as text: UTF-8 where it is, other bytes and control characters escaped (\\xNN, \\n), backslashes doubled; at most 2,000 characters.")
    def payload(self) -> str:
        return printable(bytes(self.payload))

    @strawberry.field(description="The payload kept (up to 16 KiB) exactly as received, base64-encoded.")
    def payload_base64(self) -> str:
        return base64.b64encode(bytes(self.payload)).decode()


@strawberry.type
class SensorsQuery:
    """Fields the plugin adds to ``Query``."""

    @strawberry.field(description="Devices of the street, filtered by kind and status.", permission_classes=READ_DEVICES)
    async def devices(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        kind: DeviceKind | None = None,
        status: DeviceStatus | None = None,
        building_id: strawberry.ID | None = None,
    ) -> Connection[Device]:
        """Devices of the street in id order, paged in SQL."""
        statement = select(models.Device)
        if kind is not None:
            statement = statement.where(models.Device.kind == enum_value(kind))
        if status is not None:
            statement = statement.where(models.Device.status == enum_value(status))
        if building_id is not None:
            statement = statement.where(models.Device.building_id == decode_id_of(building_id, "Building", "buildingId"))
        return await paginate(info.context, statement, first, after)

    @strawberry.field(description="One device by global ID.", permission_classes=READ_DEVICES)
    async def device(self, info: strawberry.Info, id: strawberry.ID) -> Device | None:
        """One device, or null if this street has none with that ID."""
        return await by_id(info.context, models.Device).load(decode_id_of(id, "Device"))

    @strawberry.field(description="Alarms of the street, oldest first; by default those not cleared.", permission_classes=READ_ALARMS)
    async def alarms(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        status: list[AlarmStatus] | None = None,
        severity: list[AlarmSeverity] | None = None,
        type: list[AlarmType] | None = None,
    ) -> Connection[Alarm]:
        """Alarms in id order, paged in SQL; by default those not cleared."""
        statuses = [enum_value(s) for s in status] if status else [alarm_service.ACTIVE_UNACK, alarm_service.ACKNOWLEDGED]
        statement = select(models.Alarm).where(models.Alarm.status.in_(statuses))
        if severity:
            statement = statement.where(models.Alarm.severity.in_([enum_value(s) for s in severity]))
        if type:
            statement = statement.where(models.Alarm.type.in_([enum_value(t) for t in type]))
        return await paginate(info.context, statement, first, after)

    @strawberry.field(description="Messages the ingester refused.", permission_classes=allow(QUARANTINE_READ))
    async def quarantined_messages(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None, reason: str | None = None
    ) -> Connection[QuarantinedMessage]:
        """Refused messages in id order, optionally of one reason."""
        statement = select(models.QuarantinedMessage)
        if reason:
            statement = statement.where(models.QuarantinedMessage.reason == reason)
        return await paginate(info.context, statement, first, after)


@strawberry.input
class AcknowledgeAlarmInput:
    """Input of ``acknowledgeAlarm``."""

    alarm_id: strawberry.ID
    note: str = ""


@strawberry.input
class ClearAlarmInput:
    """Input of ``clearAlarm``."""

    alarm_id: strawberry.ID
    note: str = strawberry.field(description="What was done; required.")


@strawberry.type
class AlarmPayload:
    """The alarm after the change, or the errors that refused it."""

    alarm: Alarm | None
    errors: list[UserError]


async def _change(info: strawberry.Info, action: str, alarm_id: str, note: str, apply) -> AlarmPayload:
    ctx = info.context
    try:
        pk = decode_id_of(alarm_id, "Alarm", "alarmId")

        async def work(session):
            change = await apply(session, pk, ctx.user.username, note)
            await record_for(ctx, session, action, target=alarm_id, details={"note": note, "device": change.device.device_id, "type": change.alarm.type})
            return change

        change = await ctx.write(work)
    except DomainError as error:
        return AlarmPayload(alarm=None, errors=user_errors(error))
    await publish(ctx.kernel, ctx.street, [change])
    return AlarmPayload(alarm=change.alarm, errors=[])


@strawberry.input
class RegisterDeviceInput:
    """Input of ``registerDevice``."""

    device_id: str = strawberry.field(description="The id the device will use on MQTT; unique in the street.")
    kind: DeviceKind
    name: str = ""
    building_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = strawberry.field(default=None, description="Its building is then the unit's.")
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="The person a smoke detector protects.")


@strawberry.type
class DevicePayload:
    """The registered (or retired) device, or the errors that refused it."""

    device: Device | None
    errors: list[UserError]


@strawberry.input
class RetireDeviceInput:
    """Input of ``retireDevice``: the device by global ``id`` or by ``deviceId``, and why."""

    id: strawberry.ID | None = strawberry.field(default=None, description="The device's global ID (or give deviceId).")
    device_id: str | None = strawberry.field(default=None, description="The id the device uses on MQTT (or give id).")
    note: str = strawberry.field(description="Why it is retired; required. Its open alarms are cleared with it.")


async def _device_id_of(ctx, input: RetireDeviceInput) -> str:
    """The MQTT device id named by ``input`` (exactly one of ``id`` and ``deviceId``)."""
    if (input.id is None) == (input.device_id is None):
        raise DomainError("Give either id or deviceId.", code="INVALID", field="deviceId")
    if input.device_id is not None:
        return input.device_id
    device = await by_id(ctx, models.Device).load(decode_id_of(input.id, "Device", "id"))
    if device is None:
        raise DomainError("No such device in this street.", code="NOT_FOUND", field="id")
    return device.device_id


@strawberry.type
class SensorsMutation:
    """Fields the plugin adds to ``Mutation``."""

    @strawberry.mutation(
        description="Register a device so that its messages are accepted (the deviceId of a retired device reactivates it).",
        permission_classes=allow("sensors.device.manage"),
    )
    async def register_device(self, info: strawberry.Info, input: RegisterDeviceInput) -> DevicePayload:
        """Register a device (audited)."""
        ctx = info.context
        try:
            building = decode_id_of(input.building_id, "Building", "buildingId") if input.building_id else None
            unit = decode_id_of(input.unit_id, "Unit", "unitId") if input.unit_id else None
            resident = decode_id_of(input.resident_id, "Resident", "residentId") if input.resident_id else None

            async def work(session):
                device = await register_device(session, input.device_id, enum_value(input.kind), input.name, building, unit, resident)
                await record_for(ctx, session, "sensors.device.register", target=input.device_id, details={"kind": device.kind})
                return device

            device = await ctx.write(work)
        except DomainError as error:
            return DevicePayload(device=None, errors=user_errors(error))
        return DevicePayload(device=device, errors=[])

    @strawberry.mutation(
        description="Take a device out of service: status RETIRED, its open alarms cleared with the note. Registering its deviceId again reactivates it.",
        permission_classes=allow("sensors.device.manage"),
    )
    async def retire_device(self, info: strawberry.Info, input: RetireDeviceInput) -> DevicePayload:
        """Retire a device (audited); its alarm changes are published after the commit."""
        ctx = info.context
        try:
            device_id = await _device_id_of(ctx, input)

            async def work(session):
                retirement = await retire_device(session, device_id, ctx.user.username, input.note)
                await record_for(ctx, session, "sensors.device.retire", target=device_id, details={"note": input.note, "alarms_cleared": sum(c.what == "cleared" for c in retirement.changes)})
                return retirement

            retirement = await ctx.write(work)
        except DomainError as error:
            return DevicePayload(device=None, errors=user_errors(error))
        await publish(ctx.kernel, ctx.street, retirement.changes)
        return DevicePayload(device=retirement.device, errors=[])

    @strawberry.mutation(description="Take charge of an alarm (ACTIVE_UNACK → ACKNOWLEDGED).", permission_classes=allow("sensors.alarm.acknowledge"))
    async def acknowledge_alarm(self, info: strawberry.Info, input: AcknowledgeAlarmInput) -> AlarmPayload:
        """Acknowledge an alarm (audited)."""
        return await _change(
            info, "sensors.alarm.acknowledge", input.alarm_id, input.note,
            lambda session, pk, actor, note: alarm_service.acknowledge(session, pk, actor, note),
        )

    @strawberry.mutation(description="Close an acknowledged alarm by hand, saying what was done.", permission_classes=allow("sensors.alarm.clear"))
    async def clear_alarm(self, info: strawberry.Info, input: ClearAlarmInput) -> AlarmPayload:
        """Clear an acknowledged alarm with a note (audited)."""
        return await _change(
            info, "sensors.alarm.clear", input.alarm_id, input.note,
            lambda session, pk, actor, note: alarm_service.clear(session, pk, actor, note),
        )


@strawberry.type(description="An alarm that was raised, updated, acknowledged, escalated or cleared.")
class AlarmChange:
    """One event of the ``alarmChanged`` stream."""

    change: str
    alarm: Alarm


@strawberry.type
class SensorsSubscription:
    """Fields the plugin adds to ``Subscription``."""

    @strawberry.subscription(description="Alarm changes in this street as they happen.", permission_classes=READ_ALARMS)
    async def alarm_changed(self, info: strawberry.Info, min_severity: AlarmSeverity | None = None) -> AsyncGenerator[AlarmChange, None]:
        """Stream this street's alarm changes at or above ``minSeverity``."""
        from plugins.sensors.service.rules import SEVERITY_RANK

        floor = SEVERITY_RANK[enum_value(min_severity)] if min_severity else 0
        async for change in feed_of(info.context.kernel).listen(info.context.street_id):
            if SEVERITY_RANK[change.alarm.severity] >= floor:
                yield AlarmChange(change=change.what, alarm=change.alarm)


@strawberry.type
class BuildingSensors:
    """Fields the plugin adds to ``Building`` (``self`` is the core row)."""

    @strawberry.field(description="Sensor devices installed in this building.", permission_classes=READ_DEVICES)
    async def devices(self, info: strawberry.Info) -> list[Device]:
        return await children(info.context, models.Device.building_id).load(self.id)

    @strawberry.field(description="Alarms of this building not yet cleared.", permission_classes=READ_ALARMS)
    async def alarms(self, info: strawberry.Info) -> list[Alarm]:
        return await _open_alarms_loader(info.context, models.Alarm.building_id).load(self.id)


@strawberry.type
class UnitSensors:
    """Fields the plugin adds to ``Unit`` (``self`` is the core row)."""

    @strawberry.field(description="Sensor devices installed in this unit.", permission_classes=READ_DEVICES)
    async def devices(self, info: strawberry.Info) -> list[Device]:
        return await children(info.context, models.Device.unit_id).load(self.id)


@strawberry.type
class ResidentSensors:
    """Fields the plugin adds to ``Resident`` (``self`` is the core row)."""

    @strawberry.field(description="Detectors protecting this person.", permission_classes=READ_DEVICES)
    async def devices(self, info: strawberry.Info) -> list[Device]:
        return await children(info.context, models.Device.resident_id).load(self.id)
