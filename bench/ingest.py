"""Benchmark of MQTT ingestion (not part of the test run).

    .venv/bin/python bench/ingest.py [--backend sqlite|postgres|both] [--messages 20000] [--devices 500]

A throwaway Mosquitto is started from the machine's binary. Two persistent QoS 1 sessions
subscribe first - a bare aiomqtt subscriber and Jiedao's ingester - then ``--messages``
telemetry messages of ``--devices`` electricity monitors are published while both are
offline, so the broker holds the same backlog for each. Each session then reconnects and
drains it; the bare subscriber only counts, Jiedao validates, stores every reading,
updates latest values and evaluates the alarm rules (about 2% of the messages cross a
threshold). Printed: both rates and their ratio, and the readings stored (must equal the
messages published).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiomqtt  # noqa: E402
from paho.mqtt.packettypes import PacketTypes  # noqa: E402
from paho.mqtt.properties import Properties  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from core import migrate  # noqa: E402
from core.config import parse_config  # noqa: E402
from core.kernel import Kernel  # noqa: E402
from core.testing.services import MosquittoBroker, mosquitto_available  # noqa: E402
from plugins.sensors.ingest import Ingester, IngestOptions  # noqa: E402
from plugins.sensors.models import Alarm, Device, Reading  # noqa: E402

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}
TOPIC = "jiedao/changqing/devices/{}/telemetry"


def raw_client(broker: MosquittoBroker) -> aiomqtt.Client:
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    return aiomqtt.Client(
        broker.host, broker.port, identifier="bench-raw", protocol=aiomqtt.ProtocolVersion.V5,
        clean_start=False, properties=properties,
    )


async def publish_backlog(broker: MosquittoBroker, messages: int, devices: int) -> None:
    rng = random.Random(7)
    base = int(time.time() * 1000) - messages
    quiet = logging.getLogger("bench.publisher")
    quiet.setLevel(logging.ERROR)  # aiomqtt warns about every pending publish beyond 10
    async with aiomqtt.Client(broker.host, broker.port, identifier="bench-publisher", max_inflight_messages=1000, logger=quiet) as client:
        pending = []
        for i in range(messages):
            current = 350 if rng.random() < 0.02 else rng.randint(5, 200)
            payload = json.dumps({"ts": base + i, "values": {"residual_current": current, "voltage": rng.randint(215, 235)}})
            pending.append(client.publish(TOPIC.format(f"EM-{i % devices + 1}"), payload, qos=1))
            if len(pending) == 500:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)


async def drain_raw(broker: MosquittoBroker, messages: int) -> float:
    async with raw_client(broker) as client:
        start = time.perf_counter()
        received = 0
        async for _ in client.messages:
            received += 1
            if received == messages:
                break
        return time.perf_counter() - start


async def run_backend(name: str, url: str, owner_url: str, args) -> None:
    print(f"[{name}] {args.messages} messages from {args.devices} devices")
    kernel = await Kernel.load(parse_config({"streets": STREETS}, database_url=url))
    await asyncio.to_thread(migrate.upgrade, kernel, "heads", owner_url)
    await kernel.sync_streets()
    street_id = kernel.street_id("changqing")
    async with kernel.db.transaction(street_id) as session:
        await session.execute(insert(Device), [
            {"street_id": street_id, "device_id": f"EM-{n}", "kind": "ELECTRIC_MONITOR", "name": "", "status": "UNKNOWN", "latest": {}}
            for n in range(1, args.devices + 1)
        ])
    try:
        with MosquittoBroker() as broker:
            async with raw_client(broker) as client:
                await client.subscribe("jiedao/changqing/devices/+/+", qos=1)
            options = IngestOptions(broker.url, client_id="bench-jiedao", queue_size=args.queue_size, batch_size=args.batch_size)
            ingester = Ingester(kernel, options)
            task = asyncio.create_task(ingester.run())
            await ingester.connected.wait()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

            started = time.perf_counter()
            await publish_backlog(broker, args.messages, args.devices)
            print(f"  backlog published in {time.perf_counter() - started:.1f}s")

            raw_seconds = await drain_raw(broker, args.messages)

            ingester = Ingester(kernel, options)
            start = time.perf_counter()
            task = asyncio.create_task(ingester.run())
            while ingester.stats.accepted < args.messages:
                await asyncio.sleep(0.01)
            jiedao_seconds = time.perf_counter() - start
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        async with kernel.db.transaction(street_id) as session:
            readings = await session.scalar(select(func.count()).select_from(Reading))
            alarms = await session.scalar(select(func.count()).select_from(Alarm))
    finally:
        await kernel.close()
    raw_rate, jiedao_rate = args.messages / raw_seconds, args.messages / jiedao_seconds
    print(f"  bare aiomqtt subscriber (QoS 1, counts only): {raw_rate:9,.0f} msg/s")
    print(f"  Jiedao ingester (validate, store, rules)    : {jiedao_rate:9,.0f} msg/s  ({readings:,} readings, {alarms} alarms, {ingester.stats.batches} batches)")
    print(f"  ratio Jiedao / bare                         : {jiedao_rate / raw_rate:9.2f}")
    if readings != 2 * args.messages:
        print(f"  WARNING: expected {2 * args.messages} readings (2 keys a message), found {readings}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--queue-size", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    reason = mosquitto_available()
    if reason:
        sys.exit(f"cannot run: {reason}")
    with tempfile.TemporaryDirectory() as folder:
        if args.backend in ("sqlite", "both"):
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            await run_backend("sqlite", url, url, args)
        if args.backend in ("postgres", "both"):
            from core.testing.services import PostgresCluster, postgres_available

            reason = postgres_available()
            if reason:
                print(f"[postgres] skipped: {reason}")
                return
            with PostgresCluster() as cluster:
                cluster.create_role("bench_owner")
                cluster.create_role("bench_app")
                cluster.create_database("bench", owner="bench_owner")
                os.environ["JIEDAO_DB_APP_ROLE"] = "bench_app"
                await run_backend("postgres", cluster.url("bench", user="bench_app"), cluster.url("bench", user="bench_owner"), args)


if __name__ == "__main__":
    asyncio.run(main())
