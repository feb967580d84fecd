"""Alarms into the kernel's notification outbox: every alarm waiting for acknowledgement
raises an alert that reaches the building's grid worker first, then climbs the chain (the
community's duty worker and, for an alarm at home, the resident's emergency contacts, then
the street's duty officer) until somebody acknowledges — from the message's link, the
``acknowledgeAlarm`` mutation or the alarm's work item.

Alerts are raised in the background after the alarm has been announced, a burst of alarms in
one transaction per street (with the alarms' work items' writes), so ingestion never waits on
them; an alert lost to a crash in between is raised by the watchdog's next round
(``raise_missing_alerts``). The message carries what a person needs at 3 a.m.: what, where
(compound, building, unit, stairwell, floor), who lives there (the people served with their care
needs: bedridden, disabled, very old, living alone, elderly), the device and when.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from jiedao.api import now, registry
from jiedao.api.care import CareSettings, care_profile, care_settings_of
from jiedao.api.alerts import acknowledge_alert, alerted, close_alert, raise_alert
from jiedao.api.domain import CHINA, street_transaction
from jiedao.api.graphql import encode_global_id
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.alarms import CLEARED_UNACK, UNACKNOWLEDGED
from jiedao.plugins.sensors.service.installations import homes_served
from jiedao.plugins.sensors.service.vulnerability import most_vulnerable, weight

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


NEED_WORDS = {  # care need → (Chinese, English), as alert messages name them
    "BEDRIDDEN": ("卧床", "bedridden"), "DISABLED": ("残疾", "disabled"), "VERY_OLD": ("高龄", "very old"),
    "LIVES_ALONE": ("独居", "lives alone"), "ELDERLY": ("老人", "elderly"),
}
MAX_NAMED = 5
"""At most this many people are named in an alert; the rest are counted."""
MAX_ABSENT_OWNERS = 5
"""At most this many owners living elsewhere are told at home when nobody known lives where
the device is (the most vulnerable first)."""


def _place_words(stairwell: str | None, floor: int | None, locale: str) -> str:
    zh = locale == "zh"
    parts = []
    if stairwell:
        parts.append(f"{stairwell}单元" if zh else f"stairwell {stairwell}")
    if floor is not None:
        parts.append(f"{floor}层" if zh else f"floor {floor}")
    return " ".join(parts)


def _who(rows, care: CareSettings, today, protected_id: int | None, locale: str) -> str:
    """The people served worth naming: the protected person, then those in need, weightiest first."""
    people = {resident.id: resident for _, _, resident in rows if resident is not None}
    profiles = {pk: care_profile(r, care, today) for pk, r in people.items()}
    named = [pk for pk in people if pk == protected_id or profiles[pk].needs]
    named.sort(key=lambda pk: (pk != protected_id, tuple(not w for w in weight(profiles[pk])), pk))
    zh = locale == "zh"
    texts = []
    for pk in named[:MAX_NAMED]:
        needs = [NEED_WORDS[n][0 if zh else 1] for n in profiles[pk].needs]
        texts.append(people[pk].name + ((f"（{'、'.join(needs)}）" if zh else f" ({', '.join(needs)})") if needs else ""))
    more = len(named) - MAX_NAMED
    if more > 0:
        texts.append(f"等{more}人" if zh else f"and {more} more")
    return ("、" if zh else "; ").join(texts)


async def alarm_fields(session, alarm: Alarm, device: Device, locale: str = "zh", care: CareSettings | None = None) -> tuple[str, dict, list[int]]:
    """The alert's title and template fields for ``alarm`` on ``device``, and the residents it
    reaches at home (with their emergency contacts), first the alert's own: the person the
    device protects, else the one of the households served who needs care the most; when
    nobody known lives there, every owner of the flats served living elsewhere (a landlord, or
    co-owners: each answers for the flat; at most ``MAX_ABSENT_OWNERS``, the most vulnerable
    first). Two statements, whatever the number of households (three when nobody lives there)."""
    care = care or CareSettings()
    zh, en = WHAT.get(alarm.type, (alarm.type, alarm.type))
    what = zh if locale == "zh" else en
    if alarm.status == CLEARED_UNACK:
        what += "（已自行恢复，仍需确认）" if locale == "zh" else " (cleared by itself, still to acknowledge)"
    r = registry
    place = (await session.execute(  # one statement: the device's compound, building and unit
        select(r.Compound.name, r.Building.name, r.Unit.number)
        .select_from(Device)
        .outerjoin(r.Building, r.Building.id == Device.building_id)
        .outerjoin(r.Compound, r.Compound.id == r.Building.compound_id)
        .outerjoin(r.Unit, r.Unit.id == Device.unit_id)
        .where(Device.id == device.id)
    )).one()
    compound, building, unit = place
    rows = await homes_served(session, [device.id])
    today = alarm.raised_at.astimezone(CHINA).date()
    chosen = most_vulnerable(rows, care, today, device.resident_id)
    told = [chosen.id] if chosen is not None else [device.resident_id] if device.resident_id is not None else []
    if not told:
        # Nobody known lives there: the owners living elsewhere hear of it, each of them.
        owners = {r.id: r for _, _, r in await homes_served(session, [device.id], absent_owners=True) if r is not None}
        ranked = sorted(owners.values(), key=lambda r: (tuple(not w for w in weight(care_profile(r, care, today))), r.id))
        told = [r.id for r in ranked[:MAX_ABSENT_OWNERS]]
    households = len({unit_id for _, unit_id, _ in rows if unit_id is not None})
    when = alarm.raised_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    spot = _place_words(device.stairwell, device.floor, locale)
    fields = {
        "what": what,
        "where": " ".join(p for p in (compound, building, unit, spot) if p) or device.name or device.device_id,
        "who": _who(rows, care, today, device.resident_id, locale),
        "households": str(households),
        "device": f"{device.kind} {device.device_id}",
        "when": when,
        "value": "" if alarm.value is None else f"{alarm.value:g}",
    }
    title = f"{what} · {fields['where']}"
    return title[:300], fields, told


async def raise_alarm_alert(session, kernel, street: str, alarm: Alarm, device: Device, again: bool = False) -> None:
    """Raise the alert of ``alarm`` in ``session`` (``again``: the alarm is worse or came back:
    the people of its current stage hear of it again): to the grid workers of the device's
    building, and at home to the person who needs care the most, or to every owner when nobody
    lives there (``alarm_fields``)."""
    locale = kernel.settings(street, "notify").locale
    title, fields, told = await alarm_fields(session, alarm, device, locale, care_settings_of(kernel, street))
    await raise_alert(
        session, kernel, street, kind=KIND, subject=encode_global_id("Alarm", alarm.id), severity=alarm.severity,
        title=title, fields=fields, building_id=device.building_id, resident_id=told[0] if told else None, also_at_home=told[1:], again=again,
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

