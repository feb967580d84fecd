"""The Mosquitto settings Jiedao ships keep every QoS 1 message of a subscriber that falls behind."""

from __future__ import annotations

import asyncio
import aiomqtt
import pytest

from jiedao.core.testing.services import MosquittoBroker, mosquitto_available, require_service

from .conftest import SHIPPED_SETTINGS

pytestmark = pytest.mark.mqtt
MESSAGES = 5000


async def backlog_kept(broker: MosquittoBroker, expected: int) -> int:
    """Messages an offline persistent subscriber gets of ``MESSAGES`` published at full speed.

    Waits for ``expected`` messages (a deadline, not a silence: under load the broker may pause
    for seconds), then sends a sentinel while the subscriber is online and counts whatever
    arrives before it: a broker that kept more than ``expected`` shows."""
    session = {"identifier": "slow-ingester", "clean_session": False}
    topic = "jiedao/changqing/devices/{}/telemetry"
    async with aiomqtt.Client(broker.host, broker.port, **session) as subscriber:
        await subscriber.subscribe(topic.format("+"), qos=1)
    # each acknowledgement may take long on a loaded machine: a deadline for them all, not aiomqtt's 10 s each
    async with aiomqtt.Client(broker.host, broker.port, max_inflight_messages=500, timeout=120) as publisher:
        await asyncio.gather(*(publisher.publish(topic.format(f"EM-{n % 50}"), str(n), qos=1) for n in range(MESSAGES)))
    received = 0
    async with aiomqtt.Client(broker.host, broker.port, **session) as subscriber:
        messages = aiter(subscriber.messages)
        try:
            async with asyncio.timeout(120):
                while received < expected:
                    await anext(messages)
                    received += 1
        except TimeoutError:
            return received  # fewer than expected within two minutes: lost
        async with aiomqtt.Client(broker.host, broker.port) as publisher:
            await publisher.publish(topic.format("SENTINEL"), "end", qos=1)
        async with asyncio.timeout(60):
            while (await anext(messages)).payload != b"end":
                received += 1
    return received


@pytest.mark.parametrize(("settings", "kept"), [(SHIPPED_SETTINGS.read_text(), MESSAGES), ("persistence true", 1000)], ids=["shipped", "mosquitto-defaults"])
async def test_a_subscriber_that_falls_behind_loses_nothing_on_the_shipped_settings(tmp_path, settings, kept):
    require_service(mosquitto_available())
    with MosquittoBroker(settings=settings, base_dir=tmp_path) as broker:
        assert await backlog_kept(broker, kept) == kept
