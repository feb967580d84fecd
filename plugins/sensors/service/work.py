"""Alarms into the kernel's work-item loop: a critical or major alarm opens a work item for the
grid worker(s) of its building (source ``SENSOR_ALARM``, subject the alarm's global ID). The
grid worker closes it by recording a structured outcome (real danger, false alarm, visited —
nobody home, device fault) with ``resolveWorkItem``; the item's timeline keeps every step.

Closing the item with an outcome means a person has been there: the alarm, when nobody has
acknowledged it yet, is acknowledged by the item's assignee with the outcome as its note (an
alarm that cleared itself meanwhile keeps its CLEARED status but records who came and what they
found). An alarm clearing itself never closes its work item: it still needs a person."""

from __future__ import annotations

import logging

from sqlalchemy import select

from jiedao.api import now
from jiedao.api.domain import identity, street_transaction
from jiedao.api.graphql import decode_global_id
from jiedao.api.work import open_work_item, work_item_for, WorkSource
from jiedao.plugins.sensors.models import Alarm
from jiedao.plugins.sensors.service.alarms import ACTIVE_UNACK, acknowledge
from jiedao.plugins.sensors.service.publish import publish

log = logging.getLogger("jiedao.sensors")
OPENS_WORK = ("CRITICAL", "MAJOR")
CATEGORY = "safety"
TITLES = {
    "SMOKE": "烟感报警", "RESIDUAL_CURRENT": "剩余电流超限", "LINE_TEMPERATURE": "线路温度过高", "OVER_CURRENT": "过流",
    "ARC_FAULT": "电弧故障", "CHARGER_TEMPERATURE": "充电桩温度过高", "OFFLINE": "设备离线", "TAMPER": "设备被拆",
}


async def open_alarm_work_item(event, delivery) -> None:
    """On ``sensors.alarm.raised``: open the alarm's work item when it is critical or major
    (once per alarm: a raised alarm already holding one is left alone)."""
    if event.severity not in OPENS_WORK:
        return
    async with street_transaction(delivery.kernel, delivery.street) as session:
        if await work_item_for(session, event.alarm) is not None:
            return
        title = f"[{event.severity}] {TITLES.get(event.type, event.type)}: {event.device_id}"
        await open_work_item(
            session, subject=event.alarm, title=title[:200], category=CATEGORY, source=WorkSource.SENSOR_ALARM,
            building_id=event.building_id, to_grid=True,
        )


async def acknowledge_on_outcome(event, delivery) -> None:
    """On ``core.work.item.closed`` of an alarm's item with an outcome: acknowledge the alarm
    when nobody has, the outcome (and the handler's note) as the acknowledgement note."""
    if event.source != WorkSource.SENSOR_ALARM.value or not event.outcome:
        return
    kind, alarm_id = decode_global_id(event.subject)
    if kind != "Alarm":
        return
    changes = []
    async with street_transaction(delivery.kernel, delivery.street) as session:
        alarm = await session.scalar(select(Alarm).where(Alarm.id == int(alarm_id)))
        if alarm is None or alarm.acknowledged_at is not None:
            return
        item = await work_item_for(session, event.subject)
        note = f"{event.outcome}: {item.outcome_note}" if item is not None and item.outcome_note else event.outcome
        who = await session.scalar(select(identity.User.username).where(identity.User.id == event.assignee_user_id)) if event.assignee_user_id else None
        who = who or "grid worker (work item)"
        if alarm.status == ACTIVE_UNACK:
            changes.append(await acknowledge(session, alarm.id, who, note))
        else:  # cleared by itself before anybody came: record the visit, keep it cleared
            alarm.acknowledged_at, alarm.acknowledged_by = now(), who
            alarm.note = (alarm.note + "\n" if alarm.note else "") + f"{who}: {note}"
    if changes:
        await publish(delivery.kernel, delivery.street, changes)
