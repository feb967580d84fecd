"""The Mosquitto settings Jiedao ships keep every QoS 1 message of a subscriber that falls behind."""

from __future__ import annotations

import asyncio
import contextlib

import aiomqtt
import pytest

from jiedao.core.testing.services import MosquittoBroker, mosquitto_available, require_service

from .conftest import SHIPPED_SETTINGS

pytestmark = pytest.mark.mqtt
MESSAGES = 5000


async def backlog_kept(broker: MosquittoBroker) -> int:
    """Messages an offline persistent subscriber gets of ``MESSAGES`` published at full speed."""
    session = {"identifier": "slow-ingester", "clean_session": False}
    async with aiomqtt.Client(broker.host, broker.port, **session) as subscriber:
        await subscriber.subscribe("jiedao/changqing/devices/+/telemetry", qos=1)
    async with aiomqtt.Client(broker.host, broker.port, max_inflight_messages=500) as publisher:
        await asyncio.gather(*(publisher.publish(f"jiedao/changqing/devices/EM-{n % 50}/telemetry", str(n), qos=1) for n in range(MESSAGES)))
    received = 0
    async with aiomqtt.Client(broker.host, broker.port, **session) as subscriber:
        with contextlib.suppress(TimeoutError):
            while True:
                async with asyncio.timeout(2):
                    await anext(subscriber.messages)
                received += 1
    return received


@pytest.mark.parametrize(("settings", "kept"), [(SHIPPED_SETTINGS.read_text(), MESSAGES), ("persistence true", 1000)], ids=["shipped", "mosquitto-defaults"])
async def test_a_subscriber_that_falls_behind_loses_nothing_on_the_shipped_settings(tmp_path, settings, kept):
    require_service(mosquitto_available())
    with MosquittoBroker(settings=settings, base_dir=tmp_path) as broker:
        assert await backlog_kept(broker) == kept
