"""Registering devices: checked against the street's registry before they can report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.models import Building, Ownership, Resident, Unit
from plugins.sensors.models import Device
from plugins.sensors.service.payloads import DEVICE_ID
from plugins.sensors.service.rules import KINDS, SMOKE_DETECTOR


async def register_device(
    session: AsyncSession,
    device_id: str,
    kind: str,
    name: str = "",
    building_id: int | None = None,
    unit_id: int | None = None,
    resident_id: int | None = None,
) -> Device:
    """Add a device to the street; its id must be new and what it is bound to must exist.

    A device bound to a unit lies in that unit's building; only detectors protect a person.
    """
    if not DEVICE_ID.match(device_id):
        raise DomainError("Use 1-64 letters, digits, '_', '-', '.' or ':' (it becomes an MQTT topic level).", code="INVALID", field="deviceId")
    if kind not in KINDS:
        raise DomainError(f"Unknown kind '{kind}'.", code="INVALID", field="kind")
    if await session.scalar(select(Device.id).where(Device.device_id == device_id)):
        raise DomainError(f"A device '{device_id}' is already registered in this street.", code="DUPLICATE", field="deviceId")
    if unit_id is not None:
        unit = await session.scalar(select(Unit).where(Unit.id == unit_id))
        if unit is None:
            raise DomainError("No such unit in this street.", code="NOT_FOUND", field="unitId")
        if building_id is not None and building_id != unit.building_id:
            raise DomainError("The unit is not in that building.", code="INVALID", field="unitId")
        building_id = unit.building_id
    elif building_id is not None and not await session.scalar(select(Building.id).where(Building.id == building_id)):
        raise DomainError("No such building in this street.", code="NOT_FOUND", field="buildingId")
    if resident_id is not None:
        if kind != SMOKE_DETECTOR:
            raise DomainError("Only smoke detectors are bound to the person they protect.", code="INVALID", field="residentId")
        if not await session.scalar(select(Resident.id).where(Resident.id == resident_id)):
            raise DomainError("No such resident in this street.", code="NOT_FOUND", field="residentId")
        if unit_id is None:
            owned = await session.scalar(select(Ownership.unit_id).where(Ownership.resident_id == resident_id).limit(1))
            if owned is not None:
                unit_id = owned
                building_id = building_id or await session.scalar(select(Unit.building_id).where(Unit.id == owned))
    device = Device(device_id=device_id, kind=kind, name=name.strip()[:200], building_id=building_id, unit_id=unit_id, resident_id=resident_id, status="UNKNOWN", latest={})
    session.add(device)
    await session.flush()
    return device
