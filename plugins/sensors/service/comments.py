"""Comments on an alarm: handlers (``sensors.alarm.comment``) write what they saw and did;
the residents of the households the alarm's device serves may read them (``homeAlarms``),
never write. Comments are append-only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, registry
from jiedao.api.domain import get_or_not_found
from jiedao.plugins.sensors.models import Alarm, AlarmComment
from jiedao.plugins.sensors.service.alarms import CLEARED

MAX_TEXT = 2000
HOME_RECENT = timedelta(days=30)
"""A resident sees the alarms of their home that are open or were cleared this recently."""
MAX_HOME_ALARMS = 20


async def add_comment(session: AsyncSession, alarm_id: int, author: str, author_user_id: int | None, text: str) -> AlarmComment:
    """Add a comment to ``alarm_id`` (any status: a closed alarm may get a follow-up)."""
    text = (text or "").strip()
    if not text:
        raise DomainError("Write the comment: it is empty.", code="REQUIRED", field="text")
    if len(text) > MAX_TEXT:
        raise DomainError("A comment has at most {most} characters, got {length}.", code="INVALID", field="text", most=MAX_TEXT, length=len(text))
    alarm = await get_or_not_found(session, Alarm, alarm_id, field="alarmId", message="No such alarm in this street.")
    comment = AlarmComment(street_id=alarm.street_id, alarm_id=alarm.id, author=author[:100], author_user_id=author_user_id, text=text, created_at=now())
    session.add(comment)
    await session.flush()
    return comment


def home_units_of(resident_id: int):
    """SQL: the units where ``resident_id`` has a home (owned, or their household's)."""
    owned = select(registry.Ownership.unit_id).where(registry.Ownership.resident_id == resident_id)
    lived_in = (
        select(registry.Household.unit_id)
        .join(registry.Resident, registry.Resident.household_id == registry.Household.id)
        .where(registry.Resident.id == resident_id, registry.Household.unit_id.is_not(None))
    )
    return union(owned, lived_in)


def home_alarms_query(resident_id: int):
    """SQL: the alarms of devices serving one of the resident's homes, open or cleared within
    ``HOME_RECENT``, newest first (at most ``MAX_HOME_ALARMS``)."""
    from jiedao.plugins.sensors.models import Device, ServedUnit

    serving = union(
        select(ServedUnit.device_pk).where(ServedUnit.unit_id.in_(home_units_of(resident_id))),
        select(Device.id).where(Device.unit_id.in_(home_units_of(resident_id))),
        select(Device.id).where(Device.resident_id == resident_id),
    )
    return (
        select(Alarm)
        .where(Alarm.device_pk.in_(serving), or_(Alarm.status != CLEARED, Alarm.cleared_at >= now() - HOME_RECENT))
        .order_by(Alarm.raised_at.desc(), Alarm.id.desc())
        .limit(MAX_HOME_ALARMS)
    )

