"""Two workers storing messages of the same device at once do not interleave its state."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import select

from jiedao.plugins.sensors.ingest import store
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.alarms import now
from jiedao.plugins.sensors.service.payloads import Address
from jiedao.plugins.sensors.service.store import Inbound


def batch(device_id: str, values: list[float], at) -> list[Inbound]:
    """Messages all stamped ``at``: a reading as recent as the latest value is evaluated,
    so every message counts whichever batch commits first."""
    topic = f"jiedao/changqing/devices/{device_id}/telemetry"
    return [Inbound(Address("changqing", device_id, "telemetry"), topic, json.dumps({"residual_current": v}).encode(), at) for v in values]


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


async def test_concurrent_batches_of_one_device_keep_every_latest_value(kernel, registry):
    at = now()
    topic = "jiedao/changqing/devices/EM-1/telemetry"
    voltage = [Inbound(Address("changqing", "EM-1", "telemetry"), topic, json.dumps({"voltage": 221}).encode(), at)]
    temperature = [Inbound(Address("changqing", "EM-1", "telemetry"), topic, json.dumps({"temperature": 31}).encode(), at + timedelta(milliseconds=1))]
    await asyncio.gather(store(kernel, "changqing", voltage), store(kernel, "changqing", temperature))
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        device = await session.scalar(select(Device).where(Device.device_id == "EM-1"))
    assert {key: value["value"] for key, value in device.latest.items()} == {"voltage": 221, "temperature": 31}
