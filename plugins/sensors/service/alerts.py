"""Alarms into the kernel's notification outbox: every alarm waiting for acknowledgement
raises an alert that reaches the building's grid worker first, then climbs the chain (the
community's duty worker and, for an alarm at home, the resident's emergency contacts, then
the street's duty officer) until somebody acknowledges — from the message's link, the
``acknowledgeAlarm`` mutation or the alarm's work item.

Alerts are raised in the background after the alarm has been announced, a burst of alarms in
one transaction per street (with the alarms' work items' writes), so ingestion never waits on
them; an alert lost to a crash in between is raised by the watchdog's next round
(``raise_missing_alerts``). The message carries what a person needs at 3 a.m.: what, where
(compound, building, unit), who lives there (elderly, alone), the device and when.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from jiedao.api import now, registry
from jiedao.api.alerts import acknowledge_alert, alerted, close_alert, raise_alert
from jiedao.api.domain import CHINA, street_transaction
from jiedao.api.graphql import encode_global_id
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.alarms import CLEARED_UNACK, UNACKNOWLEDGED

log = logging.getLogger("jiedao.sensors")
KIND = "sensors.alarm"
CATCH_UP_AFTER = timedelta(minutes=1)
"""The watchdog raises missing alerts only for alarms older than this (younger ones are
still in the background writes)."""
WHAT = {  # alarm type → (Chinese, English): in alert messages and work-item titles
    "SMOKE": ("烟感报警", "smoke alarm"), "RESIDUAL_CURRENT": ("剩余电流超限", "residual current"),
    "LINE_TEMPERATURE": ("线路温度过高", "line temperature"), "OVER_CURRENT": ("过流", "over-current"),
    "ARC_FAULT": ("电弧故障", "arc fault"), "CHARGER_TEMPERATURE": ("充电桩温度过高", "charger temperature"),
    "OFFLINE": ("设备离线", "device silent"), "TAMPER": ("设备被拆", "device tampered"), "LOW_BATTERY": ("电量低", "low battery"),
}


async def alarm_fields(session, alarm: Alarm, device: Device, locale: str = "zh") -> tuple[str, dict]:
    """The alert's title and template fields for ``alarm`` on ``device``."""
    zh, en = WHAT.get(alarm.type, (alarm.type, alarm.type))
    what = zh if locale == "zh" else en
    if alarm.status == CLEARED_UNACK:
        what += "（已自行恢复，仍需确认）" if locale == "zh" else " (cleared by itself, still to acknowledge)"
    r = registry
    place = (await session.execute(  # one statement: the device's compound, building, unit and resident
        select(r.Compound.name, r.Building.name, r.Unit.number, r.Resident.name, r.Resident.lives_alone, r.Resident.elderly)
        .select_from(Device)
        .outerjoin(r.Building, r.Building.id == Device.building_id)
        .outerjoin(r.Compound, r.Compound.id == r.Building.compound_id)
        .outerjoin(r.Unit, r.Unit.id == Device.unit_id)
        .outerjoin(r.Resident, r.Resident.id == Device.resident_id)
        .where(Device.id == device.id)
    )).one()
    compound, building, unit, resident, alone, elderly = place
    who = ""
    if resident is not None:
        notes = [w for w, flag in ((("独居", "lives alone")[locale != "zh"], alone), (("老人", "elderly")[locale != "zh"], elderly)) if flag]
        who = resident + (f"（{'、'.join(notes)}）" if notes else "")
    when = alarm.raised_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    fields = {
        "what": what,
        "where": " ".join(p for p in (compound, building, unit) if p) or device.name or device.device_id,
        "who": who,
        "device": f"{device.kind} {device.device_id}",
        "when": when,
        "value": "" if alarm.value is None else f"{alarm.value:g}",
    }
    title = f"{what} · {fields['where']}"
    return title[:300], fields


async def raise_alarm_alert(session, kernel, street: str, alarm: Alarm, device: Device, again: bool = False) -> None:
    """Raise the alert of ``alarm`` in ``session`` (``again``: the alarm is worse or came back:
    the people of its current stage hear of it again)."""
    locale = kernel.settings(street, "notify").locale
    title, fields = await alarm_fields(session, alarm, device, locale)
    await raise_alert(
        session, kernel, street, kind=KIND, subject=encode_global_id("Alarm", alarm.id), severity=alarm.severity,
        title=title, fields=fields, building_id=device.building_id, resident_id=device.resident_id, again=again,
    )


def queue_alert(kernel, street: str, alarm_id: int, again: bool = False) -> None:
    """Raise the alert of ``alarm_id`` in the plugin's background writes (see the module
    docstring); ``again``: it is already raised, tell its current people again."""
    kernel.state("sensors").background.add((kernel, street, "alerts"), (alarm_id, again), _raise_batch)


async def _raise_batch(key, items: list[tuple[int, bool]]) -> None:
    kernel, street, _ = key
    again = {alarm_id for alarm_id, told in items if told}
    try:
        async with street_transaction(kernel, street) as session:
            rows = await session.execute(select(Alarm, Device).join(Device, Device.id == Alarm.device_pk).where(Alarm.id.in_({i for i, _ in items})))
            for alarm, device in rows.all():
                if alarm.status in UNACKNOWLEDGED:
                    await raise_alarm_alert(session, kernel, street, alarm, device, again=alarm.id in again)
    except Exception:  # noqa: BLE001 - the watchdog's catch-up raises them on its next round
        log.exception("could not raise the alerts of %d alarm(s) in %s; the watchdog will", len(items), street)


async def raise_missing_alerts(session, kernel, street: str) -> int:
    """Raise the alert of every alarm waiting for acknowledgement that never had one (lost to a
    crash between the alarm and its alert); returns how many. Run by the watchdog."""
    settled = now() - CATCH_UP_AFTER  # younger alarms may still have their alert queued
    rows = (await session.execute(
        select(Alarm, Device).join(Device, Device.id == Alarm.device_pk).where(Alarm.status.in_(UNACKNOWLEDGED), Alarm.updated_at < settled)
    )).all()
    had = await alerted(session, [encode_global_id("Alarm", alarm.id) for alarm, _ in rows])
    raised = 0
    for alarm, device in rows:
        if encode_global_id("Alarm", alarm.id) not in had:
            await raise_alarm_alert(session, kernel, street, alarm, device)
            raised += 1
    return raised


async def settle_alert(kernel, street: str, alarm: Alarm) -> None:
    """The alarm was acknowledged or cleared by a person: its alert stops."""
    subject = encode_global_id("Alarm", alarm.id)
    async with street_transaction(kernel, street) as session:
        if alarm.acknowledged_at is not None:
            await acknowledge_alert(session, subject, alarm.acknowledged_by or "unknown", alarm.ack_outcome)
        else:
            await close_alert(session, subject)

