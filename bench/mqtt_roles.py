"""The MQTT parts of ``bench/ingest.py`` that run in processes of their own.

    python bench/mqtt_roles.py raw URL MESSAGES        # drain a backlog, print seconds
    python bench/mqtt_roles.py publish URL RATE SECONDS DEVICES   # paced live telemetry

Both import nothing of Jiedao: the raw subscriber is the ceiling (a bare aiomqtt
subscriber in a fresh interpreter), the publisher plays the devices.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sys
import time

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

FILTER = "jiedao/changqing/devices/+/+"
TOPIC = "jiedao/changqing/devices/EM-{}/telemetry"
STREET_TOPIC = "jiedao/{}/devices/EM-{}/telemetry"
ALARM_SHARE = 0.02
"""Share of messages whose residual current crosses the 300 mA threshold."""
QUIET = logging.getLogger("bench.publisher")
QUIET.setLevel(logging.ERROR)  # aiomqtt warns about every pending publish beyond 10


def parse(url: str) -> tuple[str, int]:
    """Host and port of ``mqtt://host:port``."""
    host, _, port = url.removeprefix("mqtt://").partition(":")
    return host, int(port)


def persistent(url: str, identifier: str) -> aiomqtt.Client:
    """An MQTT 5 client resuming (or starting) the persistent session ``identifier``."""
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    host, port = parse(url)
    return aiomqtt.Client(host, port, identifier=identifier, protocol=aiomqtt.ProtocolVersion.V5, clean_start=False, properties=properties)


async def subscribe_offline(url: str, identifier: str, topic_filter: str | list[str] = FILTER) -> None:
    """Create the persistent session ``identifier`` subscribed to ``topic_filter`` (QoS 1; a
    list: each of them), then disconnect: the broker queues what is published until the
    session resumes."""
    async with persistent(url, identifier) as client:
        for each in [topic_filter] if isinstance(topic_filter, str) else topic_filter:
            await client.subscribe(each, qos=1)


def telemetry(rng: random.Random, ts: int) -> bytes:
    """One monitor message: about 2% of them cross the residual-current threshold."""
    current = 350 if rng.random() < ALARM_SHARE else rng.randint(5, 200)
    return json.dumps({"ts": ts, "values": {"residual_current": current, "voltage": rng.randint(215, 235)}}).encode()


async def publish_backlog(url: str, messages: int, devices: int, streets: list[str] | None = None) -> None:
    """Publish ``messages`` (QoS 1) as fast as the broker takes them, one millisecond apart
    in device time, so every message carries distinct readings. With ``streets``, message i
    goes to street i mod S, to device EM-n of the ``devices // S`` of each street in turn."""
    rng = random.Random(7)
    base = int(time.time() * 1000) - messages
    host, port = parse(url)
    async with aiomqtt.Client(host, port, identifier="bench-backlog", max_inflight_messages=1000, logger=QUIET) as client:
        pending = []
        for i in range(messages):
            if streets:
                per_street = max(1, devices // len(streets))
                topic = STREET_TOPIC.format(streets[i % len(streets)], (i // len(streets)) % per_street + 1)
            else:
                topic = TOPIC.format(i % devices + 1)
            pending.append(client.publish(topic, telemetry(rng, base + i), qos=1))
            if len(pending) == 500:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)


async def drain(url: str, messages: int) -> float:
    """Resume the session ``bench-raw`` and count ``messages``; seconds from the first to the last."""
    async with persistent(url, "bench-raw") as client:
        received, start = 0, None
        async for _ in client.messages:
            start = start or time.perf_counter()
            received += 1
            if received == messages:
                return time.perf_counter() - start
    raise RuntimeError("connection closed")


async def publish_live(url: str, rate: float, seconds: float, devices: int) -> int:
    """Publish ``rate`` messages a second for ``seconds``, stamped with the time of sending
    (kept distinct per device); returns how many were published."""
    rng = random.Random(11)
    host, port = parse(url)
    last_ts = [0] * devices
    sent = 0
    async with aiomqtt.Client(host, port, identifier="bench-live", max_inflight_messages=2000, logger=QUIET) as client:
        start = time.perf_counter()
        pending = []
        while (elapsed := time.perf_counter() - start) < seconds:
            due = int(elapsed * rate)
            while sent < due:
                device = sent % devices
                ts = last_ts[device] = max(int(time.time() * 1000), last_ts[device] + 1)
                pending.append(asyncio.ensure_future(client.publish(TOPIC.format(device + 1), telemetry(rng, ts), qos=1)))
                sent += 1
            if len(pending) > 1000:
                await asyncio.gather(*pending)
                pending.clear()
            await asyncio.sleep(0.005)
        await asyncio.gather(*pending)
    return sent


def main() -> None:
    role, url, *rest = sys.argv[1:]
    if role == "raw":
        print(json.dumps({"seconds": asyncio.run(drain(url, int(rest[0])))}))
    elif role == "publish":
        rate, seconds, devices = float(rest[0]), float(rest[1]), int(rest[2])
        print(json.dumps({"sent": asyncio.run(publish_live(url, rate, seconds, devices))}))
    else:
        sys.exit(f"unknown role {role!r}")


if __name__ == "__main__":
    main()
