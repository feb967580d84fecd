"""Alarms into the kernel's work-item loop: a critical or major alarm opens a work item for the
grid worker(s) of its building (source ``SENSOR_ALARM``, subject the alarm's global ID). The
grid worker closes it by recording a structured outcome (real danger, false alarm, visited —
nobody home, device fault) with ``resolveWorkItem``; the item's timeline keeps every step.

Closing the item with an outcome means a person has been there: the alarm, when nobody has
acknowledged it yet, is acknowledged by the item's assignee with the outcome as its note (an
alarm that cleared itself meanwhile, CLEARED_UNACK, is then CLEARED). An alarm clearing itself never closes its work item: it still needs a person.

The item is opened in the background after the alarm has been announced (feed, relay,
notification), a burst of alarms in one transaction: ingestion never waits for it. An item lost to a crash in between is opened by
the watchdog's next round (``open_missing_work_items``), so every unacknowledged critical or
major alarm gets its item."""

from __future__ import annotations

import logging

from sqlalchemy import select

from jiedao.api import now
from jiedao.api.domain import identity, street_transaction
from jiedao.api.graphql import decode_global_id, encode_global_id
from jiedao.api.work import close_work_item, open_work_item, work_item_for, WorkSource, WorkState
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.alarms import UNACKNOWLEDGED, acknowledge
from jiedao.plugins.sensors.service.alerts import WHAT
from jiedao.plugins.sensors.service.outcomes import FROM_WORK, OUTCOMES
from jiedao.plugins.sensors.service.publish import publish

log = logging.getLogger("jiedao.sensors")
OPENS_WORK = ("CRITICAL", "MAJOR")
CATEGORY = "safety"


def _title(severity: str, alarm_type: str, device_id: str) -> str:
    return f"[{severity}] {WHAT.get(alarm_type, (alarm_type,))[0]}: {device_id}"[:200]


async def open_alarm_work_item(event, delivery) -> None:
    """On ``sensors.alarm.raised``: queue the alarm's work item when it is critical or major;
    the plugin's background writes open the queued ones together, in one transaction per street
    (an alarm already holding one is left alone)."""
    if event.severity not in OPENS_WORK:
        return
    item = (event.alarm, _title(event.severity, event.type, event.device_id), event.building_id)
    delivery.kernel.state("sensors").background.add((delivery.kernel, delivery.street), item, _open_batch)


async def _open_batch(key, items: list[tuple[str, str, int | None]]) -> None:
    kernel, street = key
    try:
        async with street_transaction(kernel, street) as session:
            for alarm, title, building_id in items:
                await _open_in(session, alarm, title, building_id)
    except Exception:  # noqa: BLE001 - the watchdog's catch-up opens them on its next round
        log.exception("could not open the work items of %d alarm(s) in %s; the watchdog will", len(items), street)


async def _open_in(session, alarm: str, title: str, building_id: int | None) -> bool:
    if await work_item_for(session, alarm) is not None:
        return False
    await open_work_item(
        session, subject=alarm, title=title, category=CATEGORY, source=WorkSource.SENSOR_ALARM,
        building_id=building_id, to_grid=True,
    )
    return True


async def open_missing_work_items(session) -> int:
    """Open the work item of every unacknowledged critical or major alarm of the session's
    street that has none (one lost to a crash between the alarm and its item); returns how
    many were opened. Run by the watchdog every round."""
    rows = await session.execute(
        select(Alarm.id, Alarm.severity, Alarm.type, Alarm.building_id, Device.device_id)
        .join(Device, Device.id == Alarm.device_pk)
        .where(Alarm.severity.in_(OPENS_WORK), Alarm.acknowledged_at.is_(None))
    )
    opened = 0
    for alarm_id, severity, alarm_type, building_id, device_id in rows.all():
        opened += await _open_in(session, encode_global_id("Alarm", alarm_id), _title(severity, alarm_type, device_id), building_id)
    return opened


async def acknowledge_on_outcome(event, delivery) -> None:
    """On ``core.work.item.closed`` of an alarm's item with an outcome: the alarm's outcome is
    set from it when it says what happened (``service.outcomes.FROM_WORK``) and none was given;
    the alarm is acknowledged when nobody has, the outcome (and the handler's note) as the
    acknowledgement note."""
    if event.source != WorkSource.SENSOR_ALARM.value or not event.outcome:
        return
    kind, alarm_id = decode_global_id(event.subject)
    if kind != "Alarm":
        return
    changes = []
    async with street_transaction(delivery.kernel, delivery.street) as session:
        alarm = await session.scalar(select(Alarm).where(Alarm.id == int(alarm_id)))
        if alarm is None:
            return
        alarm.outcome = alarm.outcome or FROM_WORK.get(event.outcome)
        if alarm.acknowledged_at is not None:
            return
        item = await work_item_for(session, event.subject)
        note = f"{event.outcome}: {item.outcome_note}" if item is not None and item.outcome_note else event.outcome
        who = await session.scalar(select(identity.User.username).where(identity.User.id == event.assignee_user_id)) if event.assignee_user_id else None
        who = who or "grid worker (work item)"
        if alarm.status in UNACKNOWLEDGED:  # a CLEARED_UNACK one becomes CLEARED
            changes.append(await acknowledge(session, alarm.id, who, note))
        else:  # a CLEARED row from before CLEARED_UNACK existed: record the visit, keep it cleared
            alarm.acknowledged_at, alarm.acknowledged_by = now(), who
            alarm.note = (alarm.note + "\n" if alarm.note else "") + f"{who}: {note}"
    if changes:
        await publish(delivery.kernel, delivery.street, changes)


CLOSED_STATES = (WorkState.CLOSED.value, WorkState.CONFIRMED.value)


async def close_item_with_alarm(session, alarm: Alarm, actor: str, outcome: str, note: str) -> bool:
    """The alarm was closed by hand with ``outcome``: its work item, if still open, is closed
    too, its timeline naming ``actor``, the outcome (and the work-item outcome it means) and the
    note. Returns whether an item was closed."""
    item = await work_item_for(session, encode_global_id("Alarm", alarm.id))
    if item is None or item.state in CLOSED_STATES:
        return False
    meant = OUTCOMES[outcome]
    await close_work_item(session, item.id, by=actor, note=f"alarm closed: {outcome} ({meant.zh}; work outcome {meant.work.value}): {note.strip()}"[:2000])
    return True
