"""The alarm lifecycle: raise or update on a condition, clear when normal, acknowledge,
clear by hand, mark devices offline and escalate alarms nobody acknowledged.

ACTIVE_UNACK → ACKNOWLEDGED → CLEARED; a worse severity on an acknowledged alarm puts it
back to ACTIVE_UNACK (worse by its rule's severity, before the care of the people at home
raised it: ``is_worse``). An alarm whose condition ends before anybody acknowledged it becomes
CLEARED_UNACK (as in ThingsBoard): still open, still escalating, until a person acknowledges
it (→ CLEARED); its condition coming back makes the same alarm ACTIVE_UNACK again.

Functions here change rows in the caller's session and return the ``Change``s that
``service.publish.publish`` announces after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now
from jiedao.api.care import CareSettings
from jiedao.api.domain import CHINA, get_or_not_found
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.alarm_texts import SILENT, written
from jiedao.plugins.sensors.service.rules import OFFLINE, SEVERITY_RANK, SMOKE_DETECTOR, Condition, offline_severity, with_care
from jiedao.plugins.sensors.service.outcomes import checked_outcome
from jiedao.plugins.sensors.service.vulnerability import care_levels
from jiedao.plugins.sensors.settings import SensorsSettings

ACTIVE_UNACK, ACKNOWLEDGED, CLEARED = "ACTIVE_UNACK", "ACKNOWLEDGED", "CLEARED"
CLEARED_UNACK = "CLEARED_UNACK"
STATUSES = (ACTIVE_UNACK, ACKNOWLEDGED, CLEARED_UNACK, CLEARED)
OPEN_STATUSES = (ACTIVE_UNACK, ACKNOWLEDGED, CLEARED_UNACK)
"""Every status but CLEARED: the alarm keeps its row in the index of open alarms."""
UNACKNOWLEDGED = (ACTIVE_UNACK, CLEARED_UNACK)
"""The statuses waiting for a person's acknowledgement (and escalating meanwhile)."""
SYSTEM = "system"
RETIRED = "RETIRED"
"""``Device.status`` of a device taken out of service (``service.devices.retire_device``):
the sweep leaves it alone."""


@dataclass
class Change:
    """Something that happened to an alarm: raised, updated, acknowledged, cleared, escalated."""

    what: str
    alarm: Alarm
    device: Device
    notify_level: int | None = None
    """Escalation step whose role must be told (None: no notification)."""


OUTCOME_WORDS = {
    "REAL_DANGER": "确有险情 / real danger",
    "FALSE_ALARM": "误报 / false alarm",
    "VISITED": "已上门查看 / visited",
    "NOBODY_HOME": "上门无人 / nobody home",
}
"""How each acknowledgement outcome (``jiedao.api.alerts.ACK_OUTCOMES``) reads in an alarm's note."""


def outcome_words(outcome: str | None) -> str:
    """The words an alarm's note records for ``outcome`` ("" for none)."""
    return OUTCOME_WORDS.get(outcome, outcome) if outcome else ""


def utc(moment: datetime | None) -> datetime | None:
    """``moment`` as an aware UTC datetime (SQLite hands back naive ones)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def condition_active(open_: dict[tuple[int, str], Alarm], key: tuple[int, str]) -> bool:
    """Whether the open alarm at ``key`` (if any) still has its condition (not CLEARED_UNACK)."""
    alarm = open_.get(key)
    return alarm is not None and alarm.status != CLEARED_UNACK


def _add_note(alarm: Alarm, line: str) -> None:
    alarm.note = (alarm.note + "\n" if alarm.note else "") + line


async def open_alarms(session: AsyncSession, device_pks: list[int]) -> dict[tuple[int, str], Alarm]:
    """The alarms not CLEARED (CLEARED_UNACK included) of the given devices, by (device pk, type)."""
    if not device_pks:
        return {}
    rows = await session.scalars(select(Alarm).where(Alarm.device_pk.in_(device_pks), Alarm.status != CLEARED))
    return {(a.device_pk, a.type): a for a in rows}


def apply_condition(
    session: AsyncSession, device: Device, condition: Condition, at: datetime, open_: dict[tuple[int, str], Alarm]
) -> Change | None:
    """Raise, update or clear the alarm of ``condition.type`` on ``device``.

    ``open_`` (from ``open_alarms``) is kept up to date so one batch can apply many
    conditions to the same device without raising an alarm twice.

    Back to normal, an acknowledged alarm is CLEARED; one nobody acknowledged is
    CLEARED_UNACK and stays open (and escalating) until somebody does. The condition coming
    back on a CLEARED_UNACK alarm makes it ACTIVE_UNACK again (a repeat, not a new alarm),
    told to the current escalation step.
    """
    key = (device.id, condition.type)
    alarm = open_.get(key)
    if condition.severity is None:
        if alarm is None or alarm.status == CLEARED_UNACK:
            return None
        alarm.cleared_at, alarm.cleared_by = at, SYSTEM
        alarm.updated_at, alarm.value = at, condition.value
        if alarm.status == ACTIVE_UNACK:
            alarm.status = CLEARED_UNACK
            _add_note(alarm, "cleared automatically: back to normal, not yet acknowledged")
        else:
            alarm.status = CLEARED
            _add_note(alarm, "cleared automatically: back to normal")
            del open_[key]
        return Change("cleared", alarm, device)
    if alarm is None:
        alarm = Alarm(
            street_id=device.street_id,
            device_pk=device.id,
            building_id=device.building_id,
            type=condition.type,
            severity=condition.severity,
            rule_severity=condition.severity,
            status=ACTIVE_UNACK,
            value=condition.value,
            message=condition.message[:300],
            raised_at=at,
            updated_at=at,
            repeat_count=0,
            escalation_level=0,
            note="",
        )
        session.add(alarm)
        open_[key] = alarm
        return Change("raised", alarm, device, notify_level=0)
    worse = is_worse(condition.severity, alarm)
    alarm.severity, alarm.rule_severity = condition.severity, condition.severity
    alarm.value, alarm.message = condition.value, condition.message[:300]
    alarm.updated_at = at
    alarm.repeat_count += 1
    if alarm.status == CLEARED_UNACK:
        alarm.status, alarm.cleared_at, alarm.cleared_by = ACTIVE_UNACK, None, None
        _add_note(alarm, "the condition came back before anybody acknowledged")
        return Change("updated", alarm, device, notify_level=alarm.escalation_level)
    if worse and alarm.status == ACKNOWLEDGED:
        alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = ACTIVE_UNACK, None, None
    return Change("updated", alarm, device, notify_level=alarm.escalation_level if worse else None)


def is_worse(severity: str, alarm: Alarm) -> bool:
    """Whether a condition of the rule's ``severity`` is worse than the open ``alarm``'s: compared
    with the severity its rule gave (``rule_severity``), not the one the people at home raised
    it to, so a leak going from 300 to 500 mA at a vulnerable person's home (CRITICAL from the
    first reading) still puts an acknowledged alarm back in front of a person."""
    return SEVERITY_RANK[severity] > SEVERITY_RANK[alarm.rule_severity or alarm.severity]


async def _alarm_and_device(session: AsyncSession, alarm_id: int) -> tuple[Alarm, Device]:
    alarm = await get_or_not_found(session, Alarm, alarm_id, field="alarmId", message="No such alarm in this street.", for_update=True)
    device = await session.scalar(select(Device).where(Device.id == alarm.device_pk))
    return alarm, device


async def acknowledge(
    session: AsyncSession, alarm_id: int, actor: str, note: str = "", at: datetime | None = None, outcome: str | None = None
) -> Change:
    """Acknowledge an alarm waiting for it: someone is taking care of it. ACTIVE_UNACK becomes
    ACKNOWLEDGED; CLEARED_UNACK (over by itself) becomes CLEARED. ``outcome`` (one of
    ``jiedao.api.alerts.ACK_OUTCOMES``: what the person found), if given, is recorded."""
    alarm, device = await _alarm_and_device(session, alarm_id)
    if alarm.status not in UNACKNOWLEDGED:
        raise DomainError(
            "The alarm is {status}, not waiting for acknowledgement.", code="INVALID_STATE", field="alarmId",
            status=alarm.status.lower().replace('_', ' '),
        )
    at = at or now()
    alarm.acknowledged_at, alarm.acknowledged_by = at, actor
    if outcome:
        alarm.ack_outcome = outcome
    if alarm.status == CLEARED_UNACK:
        alarm.status, alarm.updated_at = CLEARED, at
    else:
        alarm.status = ACKNOWLEDGED
    said = "; ".join(part for part in (outcome_words(outcome), note.strip()) if part)
    if said:
        _add_note(alarm, f"{actor}: {said}")
    return Change("acknowledged", alarm, device)


async def clear(session: AsyncSession, alarm_id: int, actor: str, note: str, at: datetime | None = None, *, outcome: str | None = None) -> Change:
    """Clear an acknowledged alarm by hand: ``outcome`` (``service.outcomes.OUTCOMES``) says
    what happened and ``note`` what was done; both are required. The outcome also fills the
    acknowledgement outcome when the acknowledgement gave none."""
    if not note.strip():
        raise DomainError("Say what was done: a note is required to clear an alarm.", code="NOTE_REQUIRED", field="note")
    meant = checked_outcome(outcome)  # the words of each outcome: service.outcomes.OUTCOMES
    alarm, device = await _alarm_and_device(session, alarm_id)
    if alarm.status == ACTIVE_UNACK:
        raise DomainError("Acknowledge the alarm before clearing it.", code="INVALID_STATE", field="alarmId")
    if alarm.status == CLEARED_UNACK:
        raise DomainError(
            "The alarm is over by itself but nobody has acknowledged it: acknowledge it (it is then cleared).",
            code="INVALID_STATE", field="alarmId",
        )
    if alarm.status == CLEARED:
        raise DomainError("The alarm is already cleared.", code="INVALID_STATE", field="alarmId")
    at = at or now()
    alarm.status, alarm.cleared_at, alarm.cleared_by, alarm.updated_at = CLEARED, at, actor, at
    alarm.outcome = outcome
    if alarm.ack_outcome is None and meant.ack is not None:
        alarm.ack_outcome = meant.ack
    _add_note(alarm, f"{actor}: [{outcome}] {note.strip()}")
    return Change("cleared", alarm, device)


def _silent_too_long(settings: SensorsSettings, at: datetime):
    """The condition "last heard before its kind's allowance ran out", one cut-off per kind."""
    listed = settings.offline_after_kind
    by_kind = [and_(Device.kind == kind, Device.last_seen_at < at - allowance) for kind, allowance in listed.items()]
    others = Device.last_seen_at < at - settings.offline_after
    return or_(*by_kind, and_(Device.kind.not_in(list(listed)), others) if listed else others)


async def sweep(session: AsyncSession, settings: SensorsSettings, at: datetime | None = None, care: CareSettings | None = None) -> list[Change]:
    """Mark devices silent for longer than their kind's allowance (``offline_allowance``: the
    street's ``offline_after_kind``, else ``offline_after``) OFFLINE (with an alarm), except
    RETIRED ones, and escalate unacknowledged alarms (ACTIVE_UNACK or CLEARED_UNACK) of the
    severities in ``settings.escalate_severities`` whose next escalation delay has passed.

    A silent smoke detector's OFFLINE alarm is CRITICAL when someone it serves is vulnerable
    and MAJOR otherwise (``rules.with_care``, the street's ``care`` settings; defaults when None)."""
    at = at or now()
    changes: list[Change] = []
    already = select(Alarm.device_pk).where(Alarm.type == OFFLINE, Alarm.status.in_((ACTIVE_UNACK, ACKNOWLEDGED)))
    silent = (await session.scalars(
        select(Device).where(Device.last_seen_at.is_not(None), _silent_too_long(settings, at), Device.status != RETIRED, Device.id.not_in(already))
    )).all()
    detectors = [d.id for d in silent if d.kind == SMOKE_DETECTOR]
    levels = await care_levels(session, detectors, care or CareSettings(), at.astimezone(CHINA).date()) if detectors else {}
    # a device back from offline (its OFFLINE alarm CLEARED_UNACK) and silent again reopens that alarm
    reopenable = await session.scalars(select(Alarm).where(Alarm.type == OFFLINE, Alarm.status == CLEARED_UNACK))
    open_ = {(a.device_pk, a.type): a for a in reopenable}
    for device in silent:
        device.status = "OFFLINE"
        minutes = int((at - device.last_seen_at).total_seconds() // 60)
        severity = with_care(OFFLINE, device.kind, offline_severity(device.kind), levels.get(device.id))
        change = apply_condition(session, device, Condition(OFFLINE, severity, None, written(SILENT, minutes=minutes)), at, open_)
        if change:
            changes.append(change)
    ladder = settings.escalate_after
    waiting = await session.execute(
        select(Alarm, Device).join(Device, Device.id == Alarm.device_pk).where(
            Alarm.status.in_(UNACKNOWLEDGED), Alarm.severity.in_(settings.escalate_severities), Alarm.escalation_level < len(ladder)
        )
    )
    for alarm, device in waiting.all():
        if alarm.raised_at + ladder[alarm.escalation_level] <= at:
            alarm.escalation_level += 1
            changes.append(Change("escalated", alarm, device, notify_level=alarm.escalation_level))
    await session.flush()
    return changes
