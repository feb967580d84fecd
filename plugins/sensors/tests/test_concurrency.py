"""Two workers storing messages of the same device at once do not interleave its state."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from plugins.sensors.ingest import store
from plugins.sensors.models import Alarm, Device
from plugins.sensors.service.alarms import now
from plugins.sensors.service.payloads import Address
from plugins.sensors.service.store import Inbound


def batch(device_id: str, values: list[float], at) -> list[Inbound]:
    """Messages all stamped ``at``: a reading as recent as the latest value is evaluated,
    so every message counts whichever batch commits first."""
    topic = f"jiedao/changqing/devices/{device_id}/telemetry"
    return [Inbound(Address("changqing", device_id, "telemetry"), topic, json.dumps({"residual_current": v}).encode(), at) for v in values]


# SQLite deployments run one ingester (its writers are serialised, but a stale read between
# two concurrent sessions is not prevented); several workers need PostgreSQL's row locks.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_concurrent_batches_of_one_device_raise_one_alarm_with_consistent_repeats(kernel, registry):
    rounds, per_batch = 6, 4
    for n in range(rounds):
        start = now() + timedelta(seconds=n)
        first = batch("EM-1", [350.0] * per_batch, start)
        second = batch("EM-1", [360.0] * per_batch, start)
        await asyncio.gather(store(kernel, "changqing", first), store(kernel, "changqing", second))
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        device = await session.scalar(select(Device).where(Device.device_id == "EM-1"))
        alarms = list(await session.scalars(select(Alarm).where(Alarm.device_pk == device.id)))
    assert [(a.type, a.status) for a in alarms] == [("RESIDUAL_CURRENT", "ACTIVE_UNACK")]
    assert alarms[0].repeat_count == rounds * 2 * per_batch - 1
