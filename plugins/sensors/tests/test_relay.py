"""Alarm changes reach the ``alarmChanged`` subscribers of other processes through the broker."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from plugins.sensors.relay import AlarmRelay, decode_change, encode_change
from plugins.sensors.service.publish import AlarmFeed, feed_of, relay_of

from .conftest import device_connection, ingesting, send, until

pytestmark = pytest.mark.mqtt


@contextlib.asynccontextmanager
async def relaying(relay: AlarmRelay):
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.wait_for(relay.connected.wait(), 10)
        yield relay
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_an_alarm_raised_by_an_ingester_reaches_a_feed_of_another_process(kernel, make_kernel, broker, registry):
    other = await make_kernel()  # another process: its own kernel and feed, same database
    street_id = kernel.street_id("changqing")
    assert feed_of(other) is not feed_of(kernel)
    async with relaying(AlarmRelay(kernel, broker.url)) as mine, relaying(AlarmRelay(other, broker.url)) as theirs:
        assert relay_of(kernel) is mine and relay_of(other) is theirs and mine.origin != theirs.origin
        local = feed_of(kernel).listen(street_id)
        remote = feed_of(other).listen(street_id)
        local_next = asyncio.ensure_future(anext(local))
        remote_next = asyncio.ensure_future(anext(remote))
        await asyncio.sleep(0.05)
        async with ingesting(kernel, broker), device_connection(broker) as device:
            await send(device, "EM-1", {"residual_current": 450})
            change = await asyncio.wait_for(remote_next, 10)
        assert change.what == "raised"
        assert (change.alarm.type, change.alarm.severity, change.alarm.status) == ("RESIDUAL_CURRENT", "MAJOR", "ACTIVE_UNACK")
        assert change.alarm.id is not None and change.alarm.raised_at.tzinfo is not None
        assert change.device.device_id == "EM-1" and change.device.id == registry.devices["EM-1"]
        assert (await asyncio.wait_for(local_next, 5)).what == "raised"
        await until(lambda: theirs.received == 1, 5, "the other process's relay")
        await asyncio.sleep(0.3)
        assert mine.received == 0  # its own message came back from the broker and was ignored
        local_again = asyncio.ensure_future(anext(local))
        await asyncio.sleep(0.2)
        assert not local_again.done()  # fed once, not twice
        local_again.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await local_again
        await local.aclose()
        await remote.aclose()
    assert relay_of(kernel) is None


async def test_a_separate_feed_gets_changes_only_through_the_broker(kernel, broker, registry):
    separate = AlarmFeed()
    street_id = kernel.street_id("changqing")
    async with relaying(AlarmRelay(kernel, broker.url)), relaying(AlarmRelay(kernel, broker.url, feed=separate, attach=False)) as listener:
        assert relay_of(kernel) is not listener
        stream = separate.listen(street_id)
        waiting = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.05)
        async with ingesting(kernel, broker), device_connection(broker) as device:
            await send(device, "SD-1", {"smoke": True})
            change = await asyncio.wait_for(waiting, 10)
        assert (change.what, change.alarm.type, change.device.device_id) == ("raised", "SMOKE", "SD-1")
        await stream.aclose()


def test_the_payload_round_trips_and_names_its_origin():
    from datetime import UTC, datetime

    from plugins.sensors.models import Alarm, Device
    from plugins.sensors.service.alarms import Change

    at = datetime(2026, 11, 28, 8, tzinfo=UTC)
    alarm = Alarm(id=7, street_id=1, device_pk=3, type="SMOKE", severity="CRITICAL", status="ACTIVE_UNACK", value=1.0, message="smoke", raised_at=at, updated_at=at, repeat_count=0, escalation_level=0, note="")
    device = Device(id=3, street_id=1, device_id="SD-1", kind="SMOKE_DETECTOR", name="d", status="ONLINE", latest={"smoke": {"value": 1.0, "ts": "x"}})
    origin, street, change = decode_change(encode_change("p1", "changqing", Change("raised", alarm, device)))
    assert (origin, street, change.what) == ("p1", "changqing", "raised")
    assert change.alarm.raised_at == at and change.alarm.id == 7 and change.device.latest == device.latest
