"""The sensors queries, the ``alarmChanged`` subscription, and the fields the plugin adds to
``Building``, ``Unit`` and ``Resident``."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from sqlalchemy import Select, select

from jiedao.api import allow, by_id
from jiedao.api.graphql import children_field, connection_field, decode_id_of, list_bound, where_given
from jiedao.plugins.sensors import models
from jiedao.plugins.sensors.graphql.types import (
    QUARANTINE_READ,
    READ_ALARMS,
    READ_DEVICES,
    Alarm,
    AlarmChange,
    AlarmSeverity,
    AlarmStatus,
    AlarmType,
    Device,
    DeviceKind,
    DeviceStatus,
    QuarantinedMessage,
    open_alarms_loader,
)
from jiedao.plugins.sensors.service import alarms as alarm_service
from jiedao.plugins.sensors.service.rules import SEVERITY_RANK
from jiedao.plugins.sensors.state import feed_of


@strawberry.type
class SensorsQuery:
    """Fields the plugin adds to ``Query``."""

    @connection_field(Device, description="Devices of the street, filtered by kind and status.", permission_classes=READ_DEVICES)
    def devices(
        root,
        ctx,
        kind: Annotated[DeviceKind | None, strawberry.argument(description="Only devices of this kind.")] = None,
        status: Annotated[DeviceStatus | None, strawberry.argument(description="Only devices in this status.")] = None,
        building_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only devices installed in this Building (global ID).")] = None,
    ) -> Select:
        """Devices of the street in id order, paged in SQL."""
        return where_given(
            select(models.Device), (models.Device.kind, kind), (models.Device.status, status), (models.Device.building_id, building_id, "Building")
        )

    @strawberry.field(description="One device by global ID.", permission_classes=READ_DEVICES)
    async def device(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the Device.")]) -> Device | None:
        """One device, or null if this street has none with that ID."""
        return await by_id(info.context, models.Device).load(decode_id_of(id, "Device"))

    @connection_field(Alarm, description="Alarms of the street, oldest first; by default the open ones (every status but CLEARED).", permission_classes=READ_ALARMS)
    def alarms(
        root,
        ctx,
        status: Annotated[list[AlarmStatus] | None, strawberry.argument(description="Only alarms in one of these statuses; by default every status but CLEARED.")] = None,
        severity: Annotated[list[AlarmSeverity] | None, strawberry.argument(description="Only alarms of one of these severities.")] = None,
        type: Annotated[list[AlarmType] | None, strawberry.argument(description="Only alarms of one of these types.")] = None,
    ) -> Select:
        """Alarms in id order, paged in SQL; by default the open ones (CLEARED_UNACK included)."""
        statuses = [s.value for s in status] if status else list(alarm_service.OPEN_STATUSES)
        statement = select(models.Alarm).where(models.Alarm.status.in_(statuses))
        if severity:
            statement = statement.where(models.Alarm.severity.in_([s.value for s in severity]))
        if type:
            statement = statement.where(models.Alarm.type.in_([t.value for t in type]))
        return statement

    @connection_field(QuarantinedMessage, description="Messages the ingester refused.", permission_classes=allow(QUARANTINE_READ))
    def quarantined_messages(root, ctx, reason: Annotated[str | None, strawberry.argument(description="Only messages refused for this reason (the code in `QuarantinedMessage.reason`).")] = None) -> Select:
        """Refused messages in id order, optionally of one reason."""
        statement = select(models.QuarantinedMessage)
        return statement.where(models.QuarantinedMessage.reason == reason) if reason else statement


@strawberry.type
class SensorsSubscription:
    """Fields the plugin adds to ``Subscription``."""

    @strawberry.subscription(description="Alarm changes in this street as they happen.", permission_classes=READ_ALARMS)
    async def alarm_changed(self, info: strawberry.Info, min_severity: Annotated[AlarmSeverity | None, strawberry.argument(description="Only changes of alarms of this severity or a higher one; leave out for all.")] = None) -> AsyncGenerator[AlarmChange, None]:
        """Stream this street's alarm changes at or above ``minSeverity``."""
        floor = SEVERITY_RANK[min_severity.value] if min_severity else 0
        async for change in feed_of(info.context.kernel).listen(info.context.street_id):
            if SEVERITY_RANK[change.alarm.severity] >= floor:
                yield AlarmChange(change=change.what, alarm=change.alarm)


@strawberry.type
class BuildingSensors:
    """Fields the plugin adds to ``Building`` (``self`` is the core row)."""

    devices = children_field(Device, models.Device.building_id, description="Sensor devices installed in this building.", permission_classes=READ_DEVICES, metadata=list_bound(50))

    @strawberry.field(description="Alarms of this building not yet cleared.", permission_classes=READ_ALARMS, metadata=list_bound(20))
    async def alarms(self, info: strawberry.Info) -> list[Alarm]:
        return await open_alarms_loader(info.context, models.Alarm.building_id).load(self.id)


@strawberry.type
class UnitSensors:
    """Fields the plugin adds to ``Unit`` (``self`` is the core row)."""

    devices = children_field(Device, models.Device.unit_id, description="Sensor devices installed in this unit.", permission_classes=READ_DEVICES, metadata=list_bound(10))


@strawberry.type
class ResidentSensors:
    """Fields the plugin adds to ``Resident`` (``self`` is the core row)."""

    devices = children_field(Device, models.Device.resident_id, description="Detectors protecting this person.", permission_classes=READ_DEVICES, metadata=list_bound(10))
