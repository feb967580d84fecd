"""The demo street gets its real number of devices: meter boxes at a floor of a stairwell
serving its flats, detectors of elderly residents (by their age, the vulnerable first)."""

from __future__ import annotations

import pytest

from sqlalchemy import func, select

from jiedao.core.care import CareSettings, elderly_clause, vulnerable_clause
from jiedao.core.clock import today
from jiedao.core.models import Resident
from jiedao.plugins.sensors.models import Alarm, Device, ServedUnit
from jiedao.plugins.sensors.seed import seed


@pytest.mark.demo
async def test_the_demo_has_changqings_devices_and_a_few_open_alarms(kernel):
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        kinds = dict((await session.execute(select(Device.kind, func.count()).group_by(Device.kind))).all())
        assert kinds == {"ELECTRIC_MONITOR": 734, "SMOKE_DETECTOR": 737, "EV_CHARGER_FIRE": 15}
        care, day = CareSettings(), today()
        protects = select(func.count()).select_from(Device).join(Resident, Resident.id == Device.resident_id)
        assert (await session.scalar(protects), await session.scalar(protects.where(elderly_clause(care, day)))) == (737, 737)
        vulnerable = await session.scalar(select(func.count()).select_from(Resident).where(vulnerable_clause(care, day)))
        shielded = await session.scalar(select(func.count()).select_from(Device).join(Resident, Resident.id == Device.resident_id).where(vulnerable_clause(care, day)))
        assert shielded == min(vulnerable, 737)  # the vulnerable get their detectors first
        boxes = (await session.execute(
            select(Device.floor.is_not(None), Device.unit_id.is_(None), func.count(func.distinct(Device.id)), func.count(ServedUnit.id))
            .join(ServedUnit, ServedUnit.device_pk == Device.id).where(Device.kind == "ELECTRIC_MONITOR").group_by(Device.floor.is_not(None), Device.unit_id.is_(None))
        )).all()
        assert [(bool(f), bool(u), n) for f, u, n, _ in boxes] == [(True, True, 734)]  # every monitor is a floor's meter box
        assert boxes[0][3] > 734  # serving the flats of its floor (mostly two doors per stairwell per floor)
        unplaced = await session.scalar(select(func.count()).select_from(Device).where(Device.building_id.is_(None)))
        assert unplaced == 0
        open_alarms = await session.scalar(select(func.count()).select_from(Alarm).where(Alarm.status != "CLEARED"))
        assert open_alarms == 5
        await seed(session, "changqing")  # idempotent
        assert await session.scalar(select(func.count()).select_from(Device)) == 734 + 737 + 15
