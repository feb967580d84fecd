"""The demo street gets its real number of devices, bound to buildings and elderly residents."""

from __future__ import annotations

from sqlalchemy import func, select

from jiedao.core.demo import seed_demo
from jiedao.core.models import Resident
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.seed import seed


async def test_the_demo_has_changqings_devices_and_a_few_open_alarms(kernel):
    await seed_demo(kernel)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        kinds = dict((await session.execute(select(Device.kind, func.count()).group_by(Device.kind))).all())
        assert kinds == {"ELECTRIC_MONITOR": 734, "SMOKE_DETECTOR": 737, "EV_CHARGER_FIRE": 15}
        protected = (await session.execute(
            select(Resident.elderly, func.count()).join(Device, Device.resident_id == Resident.id).group_by(Resident.elderly)
        )).all()
        assert protected == [(True, 737)]
        unplaced = await session.scalar(select(func.count()).select_from(Device).where(Device.building_id.is_(None)))
        assert unplaced == 0
        open_alarms = await session.scalar(select(func.count()).select_from(Alarm).where(Alarm.status != "CLEARED"))
        assert open_alarms == 5
        await seed(session, "changqing")  # idempotent
        assert await session.scalar(select(func.count()).select_from(Device)) == 734 + 737 + 15
