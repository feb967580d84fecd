"""``homeDevices``: the devices serving a resident's homes (the meter box of their floor, the
smoke detector protecting them) as the resident sees them — what it is, its name, whether it is
heard from — without device identifiers, readings or other households. Retired devices are left
out; the same devices whose alarms ``homeAlarms`` lists."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import select

from jiedao.api.graphql import IsAuthenticated
from jiedao.plugins.sensors.graphql.home_live import serving_devices
from jiedao.plugins.sensors.graphql.types import DeviceKind, DeviceStatus

MAX_HOME_DEVICES = 20


@strawberry.type(description="A device serving your home, as a resident sees it.")
class HomeDevice:
    """A device row, seen by a resident of a household it serves."""

    kind: DeviceKind = strawberry.field(description="What the device is.")
    name: str = strawberry.field(description="Its name, e.g. 3幢2单元电表箱.")
    status: DeviceStatus = strawberry.field(description="Whether it is heard from, or retired.")
    last_seen_at: datetime | None = strawberry.field(description="When it was last heard from (ISO 8601 UTC).")


@strawberry.type
class HomeDevicesQuery:
    """Fields the plugin adds to ``Query`` for residents."""

    @strawberry.field(
        description=f"The devices serving or protecting your homes, in service, at most {MAX_HOME_DEVICES}; empty without a resident record.",
        permission_classes=[IsAuthenticated],
    )
    async def home_devices(self, info: strawberry.Info) -> list[HomeDevice]:
        """The caller's homes' devices, by kind then name (none without a resident record)."""
        from jiedao.plugins.sensors.models import Device

        resident_id = getattr(info.context.user, "resident_id", None)
        if resident_id is None:
            return []
        statement = (
            select(Device)
            .where(Device.id.in_(serving_devices(resident_id)), Device.status != DeviceStatus.RETIRED.value)
            .order_by(Device.kind, Device.name, Device.id)
            .limit(MAX_HOME_DEVICES)
        )
        return await info.context.scalars(statement)
