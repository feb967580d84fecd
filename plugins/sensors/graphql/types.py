"""The sensors GraphQL types: devices, readings, alarms, quarantined messages, their enums,
and the request-scoped loaders their fields use."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import Select, func, select

from jiedao.api import allow, by_id, Node, node_type, registry, types
from jiedao.api.alerts import ACK_OUTCOMES
from jiedao.api.graphql import ClientError, connection_field, encode_global_id, linked, list_bound, loaded_field, NotificationType, notifications_about, WorkItemType
from jiedao.plugins.sensors import models
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.sensors.graphql.households import (
    AffectedHousehold,
    AlarmComment,
    AlarmOutcome,
    DevicePlace,
    assignees_loader,
    comments_loader,
    households_loader,
    served_units_loader,
    work_items_loader,
)
from jiedao.plugins.sensors.service.alarm_texts import render_alarm_text
from jiedao.plugins.sensors.service.installations import place_of
from jiedao.plugins.sensors.service import alarms as alarm_service
from jiedao.plugins.sensors.service.payloads import printable
from jiedao.plugins.sensors.service.rules import ALARM_TYPES, SEVERITIES

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

    ELECTRIC_MONITOR = strawberry.enum_value("ELECTRIC_MONITOR", description="电气火灾监控 (electrical fire monitor): residual current, line temperature, current, arc faults.")
    SMOKE_DETECTOR = strawberry.enum_value("SMOKE_DETECTOR", description="独立式烟感 (smoke detector).")
    EV_CHARGER_FIRE = strawberry.enum_value("EV_CHARGER_FIRE", description="电动车充电桩火灾监测 (fire monitor of an e-bike/EV charging point).")


@strawberry.enum(description="Whether a device is heard from, or taken out of service.")
class DeviceStatus(Enum):
    """Whether a device is heard from, or taken out of service (RETIRED)."""

    UNKNOWN = strawberry.enum_value("UNKNOWN", description="Not heard from yet since it was registered.")
    ONLINE = strawberry.enum_value("ONLINE", description="在线 (online): its messages arrive.")
    OFFLINE = strawberry.enum_value("OFFLINE", description="离线 (offline): silent longer than its kind's allowance (the street's offline_after_kind, else offline_after; an OFFLINE alarm is raised).")
    RETIRED = strawberry.enum_value("RETIRED", description="Taken out of service (retireDevice); not swept as offline, its messages are quarantined.")


@strawberry.enum(description="Where an alarm is in its lifecycle.")
class AlarmStatus(Enum):
    """Where an alarm is in its lifecycle."""

    ACTIVE_UNACK = strawberry.enum_value("ACTIVE_UNACK", description="Its condition holds; nobody has acknowledged it yet (it escalates).")
    ACKNOWLEDGED = strawberry.enum_value("ACKNOWLEDGED", description="Someone took charge; its condition may still hold.")
    CLEARED_UNACK = strawberry.enum_value(
        "CLEARED_UNACK",
        description="Over by itself before anybody acknowledged it: still open and escalating until a person acknowledges it (it is then CLEARED).",
    )
    CLEARED = strawberry.enum_value("CLEARED", description="Closed: back to normal once acknowledged, or cleared by hand.")


# The GraphQL enums are made from the rules' own constants, so the two cannot drift.
AcknowledgementOutcome = strawberry.enum(
    Enum("AcknowledgementOutcome", [(o, o) for o in ACK_OUTCOMES]),
    description="What the person who acknowledged an alarm found: real danger, a false alarm, a visit, nobody home.",
)
AlarmSeverity = strawberry.enum(Enum("AlarmSeverity", [(s, s) for s in SEVERITIES]), description="How urgent an alarm is.")
AlarmType = strawberry.enum(
    Enum("AlarmType", [(t, t) for t in ALARM_TYPES]), description="What an alarm is about (one open alarm per device and type)."
)
described(
    AcknowledgementOutcome,
    REAL_DANGER="确有险情 (real danger) found.",
    FALSE_ALARM="误报 (a false alarm): nothing found.",
    VISITED="已上门 (visited): someone went to see.",
    NOBODY_HOME="无人在家 (nobody home).",
)
described(
    AlarmSeverity,
    MINOR="一般 (minor), e.g. a low battery.",
    MAJOR="较重 (major).",
    CRITICAL="紧急 (critical), e.g. smoke or an arc fault.",
)
described(
    AlarmType,
    RESIDUAL_CURRENT="剩余电流 (residual current, leakage) at or above its threshold.",
    LINE_TEMPERATURE="线缆温度 (line temperature) of an electrical monitor at or above its threshold.",
    OVER_CURRENT="过流 (line current) at or above its threshold for the hold time.",
    ARC_FAULT="故障电弧 (an arc fault) reported by an electrical monitor.",
    CHARGER_TEMPERATURE="充电桩温度 (charging-point temperature) at or above its threshold.",
    SMOKE="烟雾 (smoke) detected.",
    TAMPER="防拆 (tamper): the device was opened or removed.",
    LOW_BATTERY="低电量 (low battery).",
    SELF_TEST_FAILED="自检失败 (the device's self-test failed).",
    OFFLINE="离线 (offline): the device has been silent longer than its kind's allowance (offline_after_kind, else offline_after).",
)


@strawberry.type(description="The latest value of one key of a device.")
class LatestValue:
    """The latest value of one key, from the device row (no history read)."""

    key: str = strawberry.field(description="The reading key, e.g. `smoke`, `temperature`, `battery`.")
    value: float = strawberry.field(description="Its latest value (booleans as 0/1).")
    ts: datetime = strawberry.field(description="When the device measured it (ISO 8601 UTC).")


@strawberry.type(description="One value a device reported.")
class Reading:
    """One stored value of the history."""

    key: str = strawberry.field(description="The reading key, e.g. `smoke`, `temperature`, `battery`.")
    value: float = strawberry.field(description="The value (booleans as 0/1).")
    ts: datetime = strawberry.field(description="When the device measured it (ISO 8601 UTC).")


@strawberry.type(description="The readings of one key of a device within one UTC hour, rolled up.")
class HourlyValue:
    """One row of ``sensor_readings_hourly``."""

    key: str = strawberry.field(description="The reading key, e.g. `smoke`, `temperature`, `battery`.")
    count: int = strawberry.field(description="How many readings the hour had.")
    min: float = strawberry.field(description="The smallest reading of the hour.")
    max: float = strawberry.field(description="The largest reading of the hour.")
    sum: float = strawberry.field(description="The sum of the hour's readings.")
    hour: datetime = strawberry.field(description="The start of the UTC hour.")

    @strawberry.field(description="The mean of the hour's readings.")
    def mean(self) -> float:
        return self.sum / self.count if self.count else 0.0


def open_alarms_loader(ctx, column) -> Any:
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
    name: str = strawberry.field(description="A name for people, e.g. 3幢2单元电表箱.")
    kind: DeviceKind = strawberry.field(description="What the device is.")
    status: DeviceStatus = strawberry.field(description="Whether it is heard from, or retired.")
    last_seen_at: datetime | None = strawberry.field(description="When the device was last heard from.")
    stairwell: str | None = strawberry.field(description="The stairwell (单元) it is installed at (\"\" in a building with one); null when not at a stairwell.")
    floor: int | None = strawberry.field(description="The floor it is installed at; null when not at a floor.")

    @strawberry.field(description="Where it is installed: a unit, a floor, a stairwell, a building, or nowhere in the registry.")
    def installed_at(self) -> DevicePlace:
        return place_of(self)

    @strawberry.field(description="The units it serves (its own unit, the units listed at registration or derived from its place).", metadata=list_bound(100))
    async def served_units(self, info: strawberry.Info) -> list[types.Unit]:
        ids = await served_units_loader(info.context).load(self.id)
        return [u for u in await by_id(info.context, registry.Unit).load_many(ids) if u is not None]

    @strawberry.field(description="The latest value of every key (kept apart from the history).", metadata=list_bound(20))
    def latest(self) -> list[LatestValue]:
        return [
            LatestValue(key=k, value=v["value"], ts=datetime.fromisoformat(v["ts"]))
            for k, v in sorted((self.latest or {}).items())
        ]

    @strawberry.field(description=f"The newest readings, newest first (at most {MAX_READINGS}).")
    async def recent_readings(self, info: strawberry.Info, limit: Annotated[int, strawberry.argument(description=f"How many readings at most (1 to {MAX_READINGS}).")] = 20) -> list[Reading]:
        """The newest readings of this device (batched over all devices of the request)."""
        if not 0 < limit <= MAX_READINGS:
            raise ClientError("limit must be between 1 and {most}, got {limit}.", "PAGE_SIZE", most=MAX_READINGS, limit=limit)
        return await _recent_readings_loader(info.context, limit).load(self.id)

    @strawberry.field(description=f"Hourly roll-ups of one key from `since` on, oldest first (at most {MAX_HOURS} hours); they outlive the raw readings.", metadata=list_bound(744))
    async def hourly(
        self,
        info: strawberry.Info,
        key: Annotated[str, strawberry.argument(description="The reading key (e.g. `smoke`, `temperature`), as in `Reading.key`.")],
        since: Annotated[datetime, strawberry.argument(description="The first hour to include (ISO 8601 UTC).")],
    ) -> list[HourlyValue]:
        """Roll-ups of ``key`` for this device (one device at a time)."""
        rows = await info.context.scalars(
            select(models.HourlyReading)
            .where(models.HourlyReading.device_pk == self.id, models.HourlyReading.key == key, models.HourlyReading.hour >= since)
            .order_by(models.HourlyReading.hour)
            .limit(MAX_HOURS)
        )
        return list(rows)

    @strawberry.field(description="Alarms of this device not yet cleared.", permission_classes=READ_ALARMS, metadata=list_bound(10))
    async def open_alarms(self, info: strawberry.Info) -> list[Alarm]:
        return await open_alarms_loader(info.context, models.Alarm.device_pk).load(self.id)

    building = linked(registry.Building, "building_id", types.Building, description="The building it is installed in.")

    unit = linked(registry.Unit, "unit_id", types.Unit, description="The unit it is installed in, if any.")

    resident = linked(registry.Resident, "resident_id", types.Resident, description="The person this detector protects.", permission_classes=allow("core.residents.read"))


@node_type(models.Alarm, read=ALARM_READ)
@strawberry.type(description="An alarm of one type on one device; repeats update it.")
class Alarm(Node):
    """An alarm; resolvers receive the ``models.Alarm`` row."""

    @strawberry.field(description="What happened, in words (e.g. the value and the threshold), in the request's language.")
    def message(self, info: strawberry.Info) -> str:
        """The stored English text rendered in the request's language (``service.alarm_texts``)."""
        return render_alarm_text(self.message, info.context)

    value: float | None = strawberry.field(description="The latest value of its condition, if it has one.")
    repeat_count: int = strawberry.field(description="How many times the condition repeated since it was raised.")
    escalation_level: int = strawberry.field(description="Escalation steps taken while nobody acknowledged.")
    acknowledged_by: str | None = strawberry.field(description="Who acknowledged it (username).")
    cleared_by: str | None = strawberry.field(description="Who cleared it; 'system' when back to normal.")
    note: str = strawberry.field(description="Its log of notes, one a line (acknowledgements, clearing, what happened).")
    type: AlarmType = strawberry.field(description="What the alarm is about.")
    severity: AlarmSeverity = strawberry.field(description="How urgent it is.")
    status: AlarmStatus = strawberry.field(description="Where it is in its lifecycle.")
    raised_at: datetime = strawberry.field(description="When it was raised (ISO 8601 UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (ISO 8601 UTC).")
    acknowledged_at: datetime | None = strawberry.field(description="When it was acknowledged (ISO 8601 UTC).")
    cleared_at: datetime | None = strawberry.field(description="When it was cleared (ISO 8601 UTC).")

    @strawberry.field(description="What the person who acknowledged found, if they said (from acknowledgeAlarm or a notification).")
    def acknowledgement_outcome(self) -> AcknowledgementOutcome | None:
        return self.ack_outcome

    @strawberry.field(description="What happened, recorded by the person who closed it by hand (clearAlarm).")
    def outcome(self) -> AlarmOutcome | None:
        return self.outcome

    households = loaded_field(
        list[AffectedHousehold], households_loader, key="device_pk", metadata=list_bound(60),
        description="Every household its device serves, those with vulnerable people first, with who lives there and their care needs (a meter box of a tower may serve 200: page alarms by 10 when asking for them).",
    )
    comments = loaded_field(list[AlarmComment], comments_loader, metadata=list_bound(100), description="Comments of its handlers, oldest first.")
    work_item = loaded_field(
        WorkItemType | None, work_items_loader,
        description="Its work item (critical and major alarms get one), if you may see it: assign or reassign the alarm there (dispatchWorkItem / reassignWorkItem).",
    )

    assignee = loaded_field(str | None, assignees_loader, description="The account its work item is assigned to (the person in charge), if any.")

    device = linked(models.Device, "device_pk", Device, nullable=False, plain_rows=True, permission_classes=READ_DEVICES, description="The device that raised it.")

    @connection_field(NotificationType, description="Whom the alarm reached, on which channel, and the receipts (addresses masked), newest first.", newest_first=True)
    def notifications(root, ctx) -> Select:
        return notifications_about(encode_global_id("Alarm", root.id))


@node_type(models.QuarantinedMessage, read=QUARANTINE_READ)
@strawberry.type(description="A message the ingester refused, with the reason.")
class QuarantinedMessage(Node):
    """A refused message; resolvers receive the ``models.QuarantinedMessage`` row."""

    topic: str = strawberry.field(description="The MQTT topic it came on.")
    device_id: str = strawberry.field(description="The device id the topic named.")
    reason: str = strawberry.field(description="Why it was refused (a short code).")
    detail: str = strawberry.field(description="The problem in words.")
    received_at: datetime = strawberry.field(description="When it was received (ISO 8601 UTC).")

    @strawberry.field(description="The payload as text: UTF-8 where it is, other bytes and control characters escaped (\\xNN, \\n), backslashes doubled; at most 2,000 characters.")
    def payload(self) -> str:
        return printable(bytes(self.payload))

    @strawberry.field(description="The payload kept (up to 16 KiB) exactly as received, base64-encoded.")
    def payload_base64(self) -> str:
        return base64.b64encode(bytes(self.payload)).decode()


@strawberry.type(description="An alarm that was raised, updated, acknowledged, escalated or cleared.")
class AlarmChange:
    """One event of the ``alarmChanged`` stream."""

    change: str = strawberry.field(description="raised, updated, acknowledged, escalated or cleared.")
    alarm: Alarm = strawberry.field(description="The alarm as it is now.")
