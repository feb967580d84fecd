"""Storing a batch: a constant number of statements, whatever the batch holds."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import func, select

from jiedao.core.testing.fixtures import count_statements
from jiedao.plugins.sensors.ingest import store
from jiedao.plugins.sensors.models import Reading
from jiedao.plugins.sensors.service.alarms import now
from jiedao.plugins.sensors.service.payloads import Address
from jiedao.plugins.sensors.service.store import Inbound

from .conftest import device_row


def batch(devices: list[str], messages: int, minutes_ago: int = 10) -> list[Inbound]:
    """``messages`` normal telemetry messages spread over ``devices``, 2 values each, one
    millisecond apart from ``minutes_ago`` on."""
    at, base = now(), int(time.time() * 1000) - minutes_ago * 60_000
    out = []
    for i in range(messages):
        device = devices[i % len(devices)]
        values = {"voltage": 220 + i % 10, "temperature": 30} if device.startswith("EM") else {"battery": 90, "temperature": 25}
        payload = json.dumps({"ts": base + i, "values": values}).encode()
        out.append(Inbound(Address("changqing", device, "telemetry"), f"jiedao/changqing/devices/{device}/telemetry", payload, at + timedelta(microseconds=i)))
    return out


async def test_a_batch_costs_the_same_statements_for_4_messages_of_2_devices_or_400_of_4(kernel, registry):
    async def statements(messages: list[Inbound]) -> int:
        with count_statements() as counter:
            outcome = await store(kernel, "changqing", messages)
        assert outcome.accepted == len(messages)
        return counter.count

    small = await statements(batch(["EM-1", "SD-1"], 4, minutes_ago=20))
    large = await statements(batch(["EM-1", "EM-2", "SD-1", "SD-2"], 400))
    assert large == small

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(func.count()).select_from(Reading)) == 2 * 404
    em2 = await device_row(kernel, "EM-2")
    assert em2.status == "ONLINE" and em2.latest["voltage"]["value"] == 220 + 397 % 10


async def test_a_redelivered_batch_adds_no_reading_and_keeps_the_latest_values(kernel, registry):
    messages = batch(["EM-1", "SD-1"], 20)
    await store(kernel, "changqing", messages)
    before = (await device_row(kernel, "EM-1")).latest
    outcome = await store(kernel, "changqing", messages)
    assert outcome.accepted == 20
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(func.count()).select_from(Reading)) == 40
    assert (await device_row(kernel, "EM-1")).latest == before
