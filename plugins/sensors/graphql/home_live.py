"""``homeAlarmChanged``: a resident hears, as it happens, of every change (raised, updated,
acknowledged, escalated, cleared) of an alarm of a device serving one of their homes (owned,
or their household's; ``service.comments.home_units_of``) — the same alarms ``homeAlarms``
lists — and of no one else's. The staff stream ``alarmChanged`` needs ``sensors.alarm.read``;
this one needs only a resident record, and says nothing about the device or other households.

The subscription listens from its first moment. Which devices serve the resident's homes is
read at the first change, again at a change more than ``REFRESH`` after the last read (a
device installed or a home bought meanwhile counts from then on), and again before every
change that would be sent: someone who sold a flat (or left its household) hears nothing of it
from that moment. Each read is a short transaction of its own: a socket holds no session open."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from sqlalchemy import select, union

from jiedao.api.graphql import IsAuthenticated
from jiedao.plugins.sensors.graphql.types import AlarmSeverity, AlarmStatus, AlarmType
from jiedao.plugins.sensors.service.alarm_texts import render_alarm_text
from jiedao.plugins.sensors.service.comments import home_units_of
from jiedao.plugins.sensors.state import feed_of

REFRESH = 300.0
"""Seconds after which the set of devices serving the resident's homes is read again."""


@strawberry.type(description="A change of an alarm affecting your home, as a resident sees it.")
class HomeAlarmChange:
    """One event of ``homeAlarmChanged``: what happened and the alarm's state after it."""

    change: str = strawberry.field(description="raised, updated, acknowledged, escalated or cleared.")
    type: AlarmType = strawberry.field(description="What the alarm is about.")
    severity: AlarmSeverity = strawberry.field(description="How urgent it is.")
    status: AlarmStatus = strawberry.field(description="Where it is in its lifecycle.")
    message: str = strawberry.field(description="What happened, in words, in the language of the connection.")
    raised_at: datetime = strawberry.field(description="When it was raised (ISO 8601 UTC).")
    cleared_at: datetime | None = strawberry.field(description="When it was cleared (ISO 8601 UTC); null while open.")


def serving_devices(resident_id: int):
    """SQL: the primary keys of the devices serving one of ``resident_id``'s homes, or protecting them."""
    from jiedao.plugins.sensors.models import Device, ServedUnit

    homes = home_units_of(resident_id)
    return union(
        select(ServedUnit.device_pk).where(ServedUnit.unit_id.in_(homes)),
        select(Device.id).where(Device.unit_id.in_(homes)),
        select(Device.id).where(Device.resident_id == resident_id),
    )


async def _devices_of(context, resident_id: int) -> set[int]:
    async with context.kernel.db.transaction(context.street_id) as session:
        return set((await session.execute(serving_devices(resident_id))).scalars())


@strawberry.type
class HomeSubscription:
    """Fields the plugin adds to ``Subscription`` for residents."""

    @strawberry.subscription(
        description="Changes of the alarms of the devices serving your homes, as they happen (nothing without a resident record).",
        permission_classes=[IsAuthenticated],
    )
    async def home_alarm_changed(self, info: strawberry.Info) -> AsyncGenerator[HomeAlarmChange, None]:
        """Stream the changes of the caller's homes' alarms; ends at once for an account
        without a resident record."""
        context = info.context
        resident_id = getattr(context.user, "resident_id", None)
        if resident_id is None:
            return
        devices: set[int] = set()
        read_at = None
        async with contextlib.aclosing(feed_of(context.kernel).listen(context.street_id)) as changes:
            async for change in changes:
                if read_at is None or time.monotonic() - read_at > REFRESH:
                    devices, read_at = await _devices_of(context, resident_id), time.monotonic()
                alarm = change.alarm
                if alarm.device_pk not in devices:
                    continue
                devices, read_at = await _devices_of(context, resident_id), time.monotonic()
                if alarm.device_pk not in devices:
                    continue
                yield HomeAlarmChange(
                    change=change.what, type=alarm.type, severity=alarm.severity, status=alarm.status,
                    message=render_alarm_text(alarm.message, context), raised_at=alarm.raised_at, cleared_at=alarm.cleared_at,
                )
