"""Benchmark of NB-IoT push ingestion (not part of the test run).

    .venv/bin/python bench/nbiot_push.py [--devices 500] [--requests 4000] [--concurrency 16]

A throwaway PostgreSQL, ``jiedao serve`` started as an operator starts it (real uvicorn, one
process, no MQTT), ``--devices`` NB-IoT smoke detectors registered by IMEI, and a client
posting CTWing ``dataReport`` pushes (three readings each; 2% smoke alarms) with
``--concurrency`` requests in flight. Reports requests per second, the latency of the
answers (p50/p99/max), then the same pushes again (every one a retry: answered from the
delivery keys), and checks that every reading is stored once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from jiedao.core import migrate  # noqa: E402
from jiedao.core.config import parse_config  # noqa: E402
from jiedao.core.kernel import Kernel  # noqa: E402
from jiedao.core.testing.services import PostgresCluster, free_port, postgres_available  # noqa: E402
from jiedao.plugins.sensors.models import Alarm, Device, Reading  # noqa: E402

JIEDAO = str(Path(sys.executable).parent / "jiedao")
TOKEN = "bench-ctwing-token"
STREET = {"name": "长庆街道", "plugins": ["sensors"], "sensors": {"nbiot": {"ctwing_token_env": "JIEDAO_BENCH_CTWING_TOKEN"}}}
CONFIG = '[streets.changqing]\nname = "长庆街道"\nplugins = ["sensors"]\n[streets.changqing.sensors.nbiot]\nctwing_token_env = "JIEDAO_BENCH_CTWING_TOKEN"\n'


def imei(n: int) -> str:
    return f"86080303{n:07d}"


def push(n: int, device: int, base_ms: int) -> bytes:
    """A CTWing dataReport of detector ``device``, the ``n``-th of the run."""
    smoke = 1 if random.random() < 0.02 else 0
    return json.dumps({
        "upPacketSN": "", "upDataSN": "", "topic": "v1/up/ad", "timestamp": base_ms + n, "tenantId": "10461180", "serviceId": "1",
        "protocol": "lwm2m", "productId": "15012345", "payload": {"smoke_state": smoke, "battery_value": 80 + n % 20, "signal": -90 - n % 10},
        "messageType": "dataReport", "deviceType": "", "deviceId": f"15012345{imei(device)}", "assocAssetId": "", "IMSI": "undefined", "IMEI": imei(device),
    }).encode()


async def send_all(url: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float], dict[int, int]]:
    """Post ``bodies`` with ``concurrency`` requests in flight: (seconds, latencies, status counts)."""
    queue = list(reversed(bodies))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        async def worker():
            while queue:
                body = queue.pop()
                started = time.perf_counter()
                answer = await http.post("/sensors/nbiot/changqing/ctwing", params={"token": TOKEN}, content=body, headers={"content-type": "application/json"})
                latencies.append(time.perf_counter() - started)
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, statuses


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def ceiling(url: str, requests: int, concurrency: int) -> float:
    """Requests per second of ``GET /healthz`` (no database) with the same client and concurrency."""
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as http:
        left = [requests]

        async def worker():
            while left[0] > 0:
                left[0] -= 1
                await http.get("/healthz")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


def report(label: str, seconds: float, latencies: list[float], statuses: dict[int, int]) -> None:
    ordered = sorted(latencies)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    print(f"  {label}: {len(latencies):,} requests in {seconds:.2f}s = {len(latencies) / seconds:,.0f} req/s; "
          f"latency p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {ordered[-1] * 1000:.1f} ms, mean {statistics.mean(ordered) * 1000:.1f} ms; statuses {statuses}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    reason = postgres_available()
    if reason:
        sys.exit(f"cannot run: {reason}")
    print(f"NB-IoT pushes (CTWing dataReport) on PostgreSQL: {args.requests:,} requests of {args.devices} detectors, "
          f"{args.concurrency} in flight, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder, PostgresCluster() as cluster:
        cluster.create_role("bench_owner")
        cluster.create_role("bench_app")
        cluster.create_database("bench", owner="bench_owner")
        os.environ["JIEDAO_DB_APP_ROLE"] = "bench_app"
        url, owner_url = cluster.url("bench", user="bench_app"), cluster.url("bench", user="bench_owner")
        kernel = await Kernel.load(parse_config({"streets": {"changqing": STREET}}, database_url=url))
        await asyncio.to_thread(migrate.upgrade, kernel, "heads", owner_url)
        await kernel.sync_streets()
        street_id = kernel.street_id("changqing")
        async with kernel.db.transaction(street_id) as session:
            await session.execute(insert(Device), [
                {"street_id": street_id, "device_id": imei(n), "kind": "SMOKE_DETECTOR", "name": "", "status": "UNKNOWN", "latest": {}}
                for n in range(1, args.devices + 1)
            ])
        (Path(folder) / "plugins.toml").write_text(CONFIG)
        port = free_port()
        env = {**os.environ, "JIEDAO_CONFIG": str(Path(folder) / "plugins.toml"), "JIEDAO_DATABASE_URL": url, "JIEDAO_MQTT_EMBEDDED": "0",
               "JIEDAO_BENCH_CTWING_TOKEN": TOKEN}
        log = open(Path(folder) / "serve.log", "w")  # noqa: SIM115
        server = subprocess.Popen([JIEDAO, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base) as http:
                for _ in range(600):
                    try:
                        if (await http.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    sys.exit("jiedao serve did not start:\n" + (Path(folder) / "serve.log").read_text()[-3000:])
            base_ms = int(time.time() * 1000) - 3_600_000
            bodies = [push(n, 1 + n % args.devices, base_ms) for n in range(args.requests)]
            await send_all(base, bodies[:200], args.concurrency)  # warm-up: pools, prepared statements
            print(f"  ceiling: GET /healthz {await ceiling(base, len(bodies) - 200, args.concurrency):,.0f} req/s")
            for label in ("new pushes", "the same pushes again (retries)"):
                cpu = cpu_seconds(server.pid)
                seconds, latencies, statuses = await send_all(base, bodies[200:], args.concurrency)
                report(label, seconds, latencies, statuses)
                print(f"    server CPU: {(cpu_seconds(server.pid) - cpu) * 1000 / len(latencies):.1f} ms per request "
                      f"({len(latencies) / (cpu_seconds(server.pid) - cpu):,.0f} requests per CPU-second)")
            async with kernel.db.transaction(street_id) as session:
                readings = await session.scalar(select(func.count()).select_from(Reading))
                alarms = await session.scalar(select(func.count()).select_from(Alarm))
            print(f"  readings stored: {readings:,} (expected {3 * args.requests:,}); alarms: {alarms}")
        finally:
            server.terminate()
            server.wait(30)
            await kernel.close()


if __name__ == "__main__":
    asyncio.run(main())
