"""Demo devices at the real scale of 长庆街道: 734 meter-box monitors, each at one floor of one
stairwell (单元) serving that floor's flats, 737 smoke detectors of elderly residents (the
vulnerable ones first, by the kernel's care profile with the default ages: the seeder has no
street settings), 15 EV charging points, a day of history for a few, some open alarms."""

from __future__ import annotations

import random
from datetime import timedelta

from collections import defaultdict

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import now, registry, today
from jiedao.api.care import CareSettings, elderly_clause, vulnerable_clause
from jiedao.api.seeding import hotspot_building_id
from jiedao.plugins.sensors.models import Device, Reading, ServedUnit
from jiedao.plugins.sensors.service.alarms import ACKNOWLEDGED, apply_condition
from jiedao.plugins.sensors.service.rules import (
    CRITICAL,
    ELECTRIC_MONITOR,
    EV_CHARGER_FIRE,
    MAJOR,
    MINOR,
    SMOKE_DETECTOR,
    Condition,
)

SCALE = {"changqing": (734, 737, 15)}
SMALL = (40, 40, 3)


def _spread(items: list, count: int) -> list:
    """``count`` items taken evenly across ``items``."""
    if not items:
        return []
    if count >= len(items):
        return items[:count]
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def _acknowledged(alarm, when) -> None:
    """Mark a seeded alarm acknowledged by the demo's grid worker at ``when``."""
    alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = ACKNOWLEDGED, when, "changqing-grid"


async def seed(session: AsyncSession, street: str) -> None:
    """Create the street's demo devices once (nothing happens if it has any)."""
    if await session.scalar(select(func.count()).select_from(Device)):
        return
    monitors, detectors, chargers = SCALE.get(street, SMALL)
    rng = random.Random(f"sensors-{street}")
    at = now()
    units = (await session.execute(
        select(registry.Unit.id, registry.Unit.building_id, registry.Unit.stairwell, registry.Unit.floor).order_by(registry.Unit.id)
    )).all()
    buildings = list((await session.scalars(select(registry.Building.id).order_by(registry.Building.id))).all())
    care, day = CareSettings(), today()
    protected = (
        await session.execute(
            select(registry.Resident.id, registry.Unit.id, registry.Unit.building_id)
            .join(registry.Ownership, registry.Ownership.resident_id == registry.Resident.id)
            .join(registry.Unit, registry.Unit.id == registry.Ownership.unit_id)
            .where(elderly_clause(care, day))
            .order_by(case((vulnerable_clause(care, day), 0), else_=1), registry.Resident.id)
        )
    ).all()
    seen: set[int] = set()
    protected = [row for row in protected if not (row[0] in seen or seen.add(row[0]))]

    devices: list[Device] = []
    boxes: dict[tuple, list[int]] = defaultdict(list)  # (building, stairwell, floor) → its flats: one meter box each
    for unit_id, building_id, stairwell, floor in units:
        boxes[(building_id, stairwell, floor)].append(unit_id)
    served: dict[str, list[int]] = {}
    for n, ((building_id, stairwell, floor), flats) in enumerate(_spread(sorted(boxes.items(), key=lambda b: b[1][0]), monitors), 1):
        latest = {"residual_current": rng.randint(5, 120), "temperature": rng.randint(22, 45), "voltage": rng.randint(215, 235)}
        where = (f"{stairwell}单元" if stairwell else "") + (f"{floor}层" if floor is not None else "")
        device = _device(f"EM-{n:04d}", ELECTRIC_MONITOR, f"{where}电表箱监测 {n}", building_id, None, None, latest, at)
        device.stairwell, device.floor = (stairwell, floor) if floor is not None else (stairwell or None, None)
        devices.append(device)
        served[device.device_id] = flats
    for n, (resident_id, unit_id, building_id) in enumerate(protected[:detectors], 1):
        latest = {"smoke": 0, "battery": rng.randint(40, 100), "self_test": 1}
        devices.append(_device(f"SD-{n:04d}", SMOKE_DETECTOR, f"独居老人烟感 {n}", building_id, unit_id, resident_id, latest, at))
    for n, building_id in enumerate(_spread(buildings, chargers), 1):
        latest = {"temperature": rng.randint(18, 40), "smoke": 0}
        devices.append(_device(f"EV-{n:04d}", EV_CHARGER_FIRE, f"充电桩消防 {n}", building_id, None, None, latest, at))
    session.add_all(devices)
    await session.flush()
    session.add_all([ServedUnit(device_pk=d.id, unit_id=u) for d in devices for u in served.get(d.device_id, ())])

    by_kind = {kind: [d for d in devices if d.kind == kind] for kind in (ELECTRIC_MONITOR, SMOKE_DETECTOR, EV_CHARGER_FIRE)}
    history = []
    for device in by_kind[ELECTRIC_MONITOR][:5]:
        for hour in range(24, 0, -1):
            ts = at - timedelta(hours=hour)
            history.append(Reading(device_pk=device.id, ts=ts, key="residual_current", value=float(rng.randint(5, 280))))
            history.append(Reading(device_pk=device.id, ts=ts, key="temperature", value=float(rng.randint(22, 50))))
    session.add_all(history)

    open_: dict = {}
    if by_kind[ELECTRIC_MONITOR]:
        leaking = await _hotspot_monitor(session, by_kind[ELECTRIC_MONITOR])
        for hours_ago in (70, 46, 21):  # leakage came back again and again this week
            raised = Condition("RESIDUAL_CURRENT", MAJOR, 340.0, "residual current 340 mA ≥ 300 mA")
            episode = apply_condition(session, leaking, raised, at - timedelta(hours=hours_ago), open_)
            # the grid worker took charge each time, so the episode closes when the leak stops
            _acknowledged(episode.alarm, at - timedelta(hours=hours_ago, minutes=-20))
            apply_condition(session, leaking, Condition("RESIDUAL_CURRENT", None, 80.0, "back to normal"), at - timedelta(hours=hours_ago - 1), open_)
        leaking.latest = {**leaking.latest, "residual_current": {"value": 350.0, "ts": leaking.latest["residual_current"]["ts"]}}
        apply_condition(session, leaking, Condition("RESIDUAL_CURRENT", MAJOR, 350.0, "residual current 350 mA ≥ 300 mA"), at - timedelta(minutes=40), open_)
        hot = by_kind[ELECTRIC_MONITOR][-1]
        change = apply_condition(session, hot, Condition("LINE_TEMPERATURE", CRITICAL, 93.0, "line temperature 93 °C ≥ 90 °C"), at - timedelta(hours=2), open_)
        _acknowledged(change.alarm, at - timedelta(hours=1))
    if by_kind[SMOKE_DETECTOR]:
        silent = by_kind[SMOKE_DETECTOR][0]
        silent.status, silent.last_seen_at = "OFFLINE", at - timedelta(hours=7)
        apply_condition(session, silent, Condition("OFFLINE", CRITICAL, None, "silent for 361 min"), at - timedelta(hours=1), open_)
        weak = by_kind[SMOKE_DETECTOR][-1]
        apply_condition(session, weak, Condition("LOW_BATTERY", MINOR, 12.0, "battery 12% ≤ 20%"), at - timedelta(days=1), open_)
    if by_kind[EV_CHARGER_FIRE]:
        charger = by_kind[EV_CHARGER_FIRE][0]
        apply_condition(session, charger, Condition("CHARGER_TEMPERATURE", MAJOR, 66.0, "charging point temperature 66 °C ≥ 60 °C"), at - timedelta(minutes=10), open_)
    await session.flush()


async def _hotspot_monitor(session: AsyncSession, monitors: list[Device]) -> Device:
    """The meter-box monitor of the demo's hotspot building (``core.demo.HOTSPOT_BUILDING``),
    where this week's repeated leakage is seeded; another monitor if the registry lacks it."""
    building_id = await hotspot_building_id(session)
    for device in monitors:
        if device.building_id == building_id:
            return device
    return monitors[2 % len(monitors)]


def _device(device_id, kind, name, building_id, unit_id, resident_id, values, at) -> Device:
    stamp = at.isoformat(timespec="milliseconds")
    return Device(
        device_id=device_id,
        kind=kind,
        name=name,
        building_id=building_id,
        unit_id=unit_id,
        resident_id=resident_id,
        status="ONLINE",
        last_seen_at=at,
        latest={k: {"value": float(v), "ts": stamp} for k, v in values.items()},
        latest_at=at,
    )
