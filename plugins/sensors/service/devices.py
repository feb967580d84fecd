"""Registering devices (checked against the street's registry before they can report) and
retiring them (their open alarms are cleared by hand; a retired id may be registered again)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, registry
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service import alarms as alarm_service
from jiedao.plugins.sensors.service.installations import check_place, save_served
from jiedao.plugins.sensors.service.payloads import DEVICE_ID
from jiedao.plugins.sensors.service.rules import KINDS, SMOKE_DETECTOR
from jiedao.plugins.sensors.service.work import close_item_with_alarm

UNKNOWN = "UNKNOWN"
"""``Device.status`` until the device is first heard from (then ONLINE or OFFLINE)."""
RETIRED = alarm_service.RETIRED


async def register_device(
    session: AsyncSession,
    device_id: str,
    kind: str,
    name: str = "",
    building_id: int | None = None,
    unit_id: int | None = None,
    resident_id: int | None = None,
    *,
    stairwell: str | None = None,
    floor: int | None = None,
    served_unit_ids: list[int] | None = None,
) -> Device:
    """Add a device to the street; its id must be new (or that of a retired device, which is
    then reactivated with the new kind, name and bindings) and what it is bound to must exist.

    A device bound to a unit lies in that unit's building; only detectors protect a person.
    A device may instead be installed at a building's stairwell and/or floor (a meter box)
    and serve the units listed, or every unit of its place (``service.installations``).
    """
    if not DEVICE_ID.match(device_id):
        raise DomainError("Use 1-64 letters, digits, '_', '-', '.' or ':' (it becomes an MQTT topic level).", code="INVALID", field="deviceId")
    if kind not in KINDS:
        raise DomainError("Unknown kind '{kind}'.", code="INVALID", field="kind", kind=kind)
    existing = await session.scalar(select(Device).where(Device.device_id == device_id).with_for_update())
    if existing is not None and existing.status != RETIRED:
        raise DomainError("A device '{device}' is already registered in this street.", code="DUPLICATE", field="deviceId", device=device_id)
    if unit_id is not None:
        unit = await session.scalar(select(registry.Unit).where(registry.Unit.id == unit_id))
        if unit is None:
            raise DomainError("No such unit in this street.", code="NOT_FOUND", field="unitId")
        if building_id is not None and building_id != unit.building_id:
            raise DomainError("The unit is not in that building.", code="INVALID", field="unitId")
        building_id = unit.building_id
    elif building_id is not None and not await session.scalar(select(registry.Building.id).where(registry.Building.id == building_id)):
        raise DomainError("No such building in this street.", code="NOT_FOUND", field="buildingId")
    if resident_id is not None:
        if kind != SMOKE_DETECTOR:
            raise DomainError("Only smoke detectors are bound to the person they protect.", code="INVALID", field="residentId")
        if not await session.scalar(select(registry.Resident.id).where(registry.Resident.id == resident_id)):
            raise DomainError("No such resident in this street.", code="NOT_FOUND", field="residentId")
        if unit_id is None:
            owned = await session.scalar(select(registry.Ownership.unit_id).where(registry.Ownership.resident_id == resident_id).limit(1))
            if owned is not None:
                unit_id = owned
                building_id = building_id or await session.scalar(select(registry.Unit.building_id).where(registry.Unit.id == owned))
    place = await check_place(session, building_id=building_id, unit_id=unit_id, stairwell=stairwell, floor=floor, served_unit_ids=served_unit_ids)
    if existing is not None:  # a retired device comes back: same row, so its history stays attached
        existing.kind, existing.name, existing.status = kind, name.strip()[:200], UNKNOWN
        existing.building_id, existing.unit_id, existing.resident_id = building_id, unit_id, resident_id
        existing.stairwell, existing.floor = place.stairwell, place.floor
        existing.last_seen_at, existing.latest, existing.latest_at, existing.pending = None, {}, None, {}
        device = existing
    else:
        device = Device(
            device_id=device_id, kind=kind, name=name.strip()[:200], building_id=building_id, unit_id=unit_id, resident_id=resident_id,
            stairwell=place.stairwell, floor=place.floor, status=UNKNOWN, latest={},
        )
        session.add(device)
    await session.flush()
    await save_served(session, device, place.served)
    return device


@dataclass
class Retirement:
    """A retired device and the alarm changes its retirement made (to publish after the commit)."""

    device: Device
    changes: list[alarm_service.Change] = field(default_factory=list)


async def retire_device(session: AsyncSession, device_id: str, actor: str, note: str, at: datetime | None = None) -> Retirement:
    """Take ``device_id`` out of service: its status becomes RETIRED and every alarm of it not
    yet CLEARED is cleared by hand by ``actor`` with ``note`` (acknowledged first if need be).

    A retired device is not swept as offline and its messages are quarantined
    (``retired_device``); registering its id again reactivates it.
    """
    if not note.strip():
        raise DomainError("Say why: a note is required to retire a device.", code="NOTE_REQUIRED", field="note")
    device = await session.scalar(select(Device).where(Device.device_id == device_id).with_for_update())
    if device is None:
        raise DomainError("No device '{device}' is registered in this street.", code="NOT_FOUND", field="deviceId", device=device_id)
    if device.status == RETIRED:
        raise DomainError("The device '{device}' is already retired.", code="INVALID_STATE", field="deviceId", device=device_id)
    at = at or now()
    retirement = Retirement(device)
    open_ids = await session.scalars(select(Alarm.id).where(Alarm.device_pk == device.id, Alarm.status != alarm_service.CLEARED).order_by(Alarm.id))
    for alarm_id in list(open_ids):
        alarm = await session.get(Alarm, alarm_id)
        if alarm.status == alarm_service.CLEARED_UNACK:  # over by itself: acknowledging it clears it
            retirement.changes.append(await alarm_service.acknowledge(session, alarm_id, actor, f"device retired: {note.strip()}", at=at))
            continue
        if alarm.status == alarm_service.ACTIVE_UNACK:
            retirement.changes.append(await alarm_service.acknowledge(session, alarm_id, actor, at=at))
        retirement.changes.append(await alarm_service.clear(session, alarm_id, actor, f"device retired: {note.strip()}", at=at, outcome="DEVICE_RETIRED"))
        await close_item_with_alarm(session, alarm, actor, "DEVICE_RETIRED", f"device retired: {note.strip()}")
    device.status, device.pending = RETIRED, {}
    await session.flush()
    return retirement
