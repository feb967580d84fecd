"""Benchmark of storing batches of many streets, in process (not part of the test run).

    .venv/bin/python bench/ingest_batches.py [--streets 1,10,100] [--batches 10] [--transactions 0,1,2,4]

What ``bench/ingest.py --streets`` measures through Mosquitto and a worker process, without
the broker and the process: a throwaway PostgreSQL (owner + RLS-bound app role) with 100
streets of monitors, and ``Ingester.process`` called on batches of 500 messages spread
round-robin over S streets, ``--batches`` times per mode after one warm-up batch. Modes:
``base`` is the ingester before r8 (a transaction per street, one after another, readings
and device states written in two statements); ``0`` the same with ``write_back`` (one
statement); N the streets of a batch in at most N transactions (``many_streets``). It
prints messages a second (wall clock) and the worker's CPU per message; on a shared machine
run it twice and compare modes within one run only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiomqtt  # noqa: E402
from ingest import Backend  # noqa: E402

from jiedao.core.testing.services import PostgresCluster  # noqa: E402
from jiedao.plugins.sensors.ingest import Ingester, IngestOptions  # noqa: E402
from jiedao.plugins.sensors.service import bulk  # noqa: E402
from jiedao.plugins.sensors.service import store as store_module  # noqa: E402

BATCH = 500
DEVICES = 500


async def two_statements(session, street_id, readings, states) -> None:
    """The write of a street's slice before r8: readings, then device states."""
    await bulk.insert_readings(session, street_id, readings)
    await bulk.save_devices(session, states)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streets", default="1,10,100")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--transactions", default="base,0,1,2,4")
    args = parser.parse_args()
    counts = [int(n) for n in args.streets.split(",")]
    modes = args.transactions.split(",")
    print(f"batches of {BATCH} messages of {DEVICES} monitors spread over S streets, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder, PostgresCluster() as cluster:
        cluster.create_role("bench_owner")
        cluster.create_role("bench_app")
        cluster.create_database("bench", owner="bench_owner")
        os.environ["JIEDAO_DB_APP_ROLE"] = "bench_app"
        backend = Backend("postgres", cluster.url("bench", user="bench_app"), cluster.url("bench", user="bench_owner"), Path(folder), DEVICES,
                          sorted(set(counts) | {100}), count_url=cluster.url("bench"))
        await backend.open()
        rng = random.Random(1)
        base = int(time.time() * 1000) - 100_000_000
        sent = 0

        def batch(streets: int) -> list[aiomqtt.Message]:
            nonlocal sent
            messages = []
            per_street = DEVICES // streets
            for mid in range(BATCH):
                topic = f"jiedao/{backend.streets[sent % streets]}/devices/EM-{(sent // streets) % per_street + 1}/telemetry"
                payload = {"ts": base + sent, "values": {"residual_current": rng.randint(5, 200), "voltage": 220}}
                messages.append(aiomqtt.Message(topic, json.dumps(payload).encode(), 1, False, mid + 1, None))
                sent += 1
            return messages

        try:
            for streets in counts:
                figures = []
                for mode in modes:
                    store_module.write_back = two_statements if mode == "base" else bulk.write_back
                    ingester = Ingester(backend.kernel, IngestOptions("mqtt://127.0.0.1:1", transactions=0 if mode == "base" else int(mode)))
                    await ingester.process(batch(streets))
                    wall, cpu = time.perf_counter(), time.process_time()
                    for _ in range(args.batches):
                        await ingester.process(batch(streets))
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    figures.append(f"{mode}: {args.batches * BATCH / wall:6,.0f} msg/s {cpu / (args.batches * BATCH) * 1e6:5.0f} µs CPU/msg")
                print(f"S={streets:<4} " + " | ".join(figures), flush=True)
        finally:
            store_module.write_back = bulk.write_back
            await backend.close()


if __name__ == "__main__":
    asyncio.run(main())
