"""A device's clock cannot hide a dangerous reading: timestamps far in the future are
quarantined, those within the allowance are stored at their arrival time, and a danger in
a reading older than the latest value still raises its alarm (through a real Mosquitto)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from jiedao.plugins.sensors.models import Alarm, QuarantinedMessage

from .conftest import device_connection, device_row, ingesting, send, until

pytestmark = pytest.mark.mqtt
MINUTE_MS = 60_000


async def open_alarms(kernel, device_pk: int) -> list[tuple[str, str]]:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        rows = await session.scalars(select(Alarm).where(Alarm.device_pk == device_pk, Alarm.status != "CLEARED"))
        return sorted((a.type, a.severity) for a in rows)


async def reasons(kernel) -> list[str]:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return list(await session.scalars(select(QuarantinedMessage.reason).order_by(QuarantinedMessage.id)))


async def test_a_reading_from_the_future_does_not_suppress_the_next_alarm(kernel, broker, registry):
    now_ms = int(time.time() * 1000)
    em1, sd1 = registry.devices["EM-1"], registry.devices["SD-1"]
    async with ingesting(kernel, broker) as ingester, device_connection(broker) as device:
        await send(device, "EM-1", {"ts": now_ms + 55 * MINUTE_MS, "values": {"residual_current": 10}})
        await send(device, "SD-1", {"ts": now_ms + 55 * MINUTE_MS, "values": {"smoke": 0}})
        await until(lambda: sum(ingester.stats.quarantined.values()) == 2, what="both future readings handled")
        await send(device, "EM-1", {"residual_current": 600})
        await send(device, "SD-1", {"smoke": 1})
        await until(lambda: ingester.stats.accepted == 2, what="the dangerous readings stored")

    assert await reasons(kernel) == ["future_timestamp", "future_timestamp"]
    assert await open_alarms(kernel, em1) == [("RESIDUAL_CURRENT", "CRITICAL")]
    assert await open_alarms(kernel, sd1) == [("SMOKE", "CRITICAL")]


async def test_a_timestamp_within_the_allowance_is_stored_at_its_arrival(kernel, broker, registry):
    now_ms = int(time.time() * 1000)
    async with ingesting(kernel, broker) as ingester, device_connection(broker) as device:
        await send(device, "EM-1", {"ts": now_ms + 4 * MINUTE_MS, "values": {"residual_current": 10}})
        await until(lambda: ingester.stats.accepted == 1, what="the reading from 4 minutes ahead")
        await send(device, "EM-1", {"residual_current": 600})
        await until(lambda: ingester.stats.accepted == 2, what="the dangerous reading")

    em1 = await device_row(kernel, "EM-1")
    assert em1.latest["residual_current"]["value"] == 600
    assert em1.latest_at.timestamp() * 1000 < now_ms + 4 * MINUTE_MS  # clamped to arrival
    assert await open_alarms(kernel, registry.devices["EM-1"]) == [("RESIDUAL_CURRENT", "CRITICAL")]


async def test_a_clock_behind_still_raises_its_alarm_and_clears_nothing(kernel, broker, registry):
    now_ms = int(time.time() * 1000)
    em1 = registry.devices["EM-1"]
    async with ingesting(kernel, broker) as ingester, device_connection(broker) as device:
        await send(device, "EM-1", {"residual_current": 10})
        await until(lambda: ingester.stats.accepted == 1, what="a normal reading")
        await send(device, "EM-1", {"ts": now_ms - MINUTE_MS, "values": {"residual_current": 600}})  # a clock a minute behind
        await until(lambda: ingester.stats.accepted == 2, what="the older, dangerous reading")
        assert await open_alarms(kernel, em1) == [("RESIDUAL_CURRENT", "CRITICAL")]
        await send(device, "EM-1", {"ts": now_ms - 2 * MINUTE_MS, "values": {"residual_current": 10}})
        await until(lambda: ingester.stats.accepted == 3, what="an even older, normal reading")
    assert await open_alarms(kernel, em1) == [("RESIDUAL_CURRENT", "CRITICAL")]  # an old normal value clears nothing


async def test_a_replayed_buffer_older_than_the_allowance_only_goes_into_the_history(kernel, broker, registry):
    now_ms = int(time.time() * 1000)
    async with ingesting(kernel, broker) as ingester, device_connection(broker) as device:
        await send(device, "EM-2", {"residual_current": 10})
        await until(lambda: ingester.stats.accepted == 1, what="a normal reading")
        await send(device, "EM-2", {"ts": now_ms - 10 * MINUTE_MS, "values": {"residual_current": 600}})
        await until(lambda: ingester.stats.accepted == 2, what="a reading ten minutes old")
    assert await open_alarms(kernel, registry.devices["EM-2"]) == []
    assert (await device_row(kernel, "EM-2")).latest["residual_current"]["value"] == 10


async def test_timestamps_of_1970_or_too_far_ahead_are_quarantined_with_their_reason(kernel, broker, registry):
    now_ms = int(time.time() * 1000)
    async with ingesting(kernel, broker) as ingester, device_connection(broker) as device:
        await send(device, "EM-1", {"ts": 0, "values": {"voltage": 220}})
        await send(device, "EM-1", {"ts": 1000, "values": {"voltage": 220}})
        await send(device, "EM-1", {"ts": now_ms + 6 * MINUTE_MS, "values": {"voltage": 220}})
        await send(device, "EM-1", {"ts": now_ms + 10**12, "values": {"voltage": 220}})
        await until(lambda: sum(ingester.stats.quarantined.values()) == 4, what="four bad clocks")
    assert await reasons(kernel) == ["bad_timestamp", "bad_timestamp", "future_timestamp", "future_timestamp"]
    assert (await device_row(kernel, "EM-1")).latest == {}
