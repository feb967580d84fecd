"""Benchmark of MQTT ingestion (not part of the test run).

    .venv/bin/python bench/ingest.py [--backend sqlite|postgres|both] [--messages 40000]
        [--devices 500] [--live-rate 2000] [--live-seconds 20] [--soak SECONDS]
    .venv/bin/python bench/ingest.py --streets 1,10,100 [--compare] [--transactions 1,2,4] [--rounds 2]

Every figure comes from real processes on this machine: a throwaway Mosquitto configured
as Jiedao documents it (no limit on queued QoS 1 messages), `jiedao sensors ingest`
workers started as an operator starts them, SQLite or a throwaway PostgreSQL.

- Ceiling: a bare aiomqtt subscriber in a fresh interpreter drains a backlog of
  ``--messages`` QoS 1 telemetry messages of ``--devices`` electricity monitors; it only
  counts them. Measured again for each backend, next to the figures it is compared with.
- Throughput: the same backlog, published while the workers' persistent sessions are
  offline, drained by one ingester, then by two sharing ``$share/jiedao/...``. Each
  message is validated, its two readings stored, latest values updated and the alarm
  rules evaluated (about 2% of messages cross the residual-current threshold). The rate
  runs from the first stored reading to the last; every reading must be there.
- Alarm latency: one ingester under a live stream of ``--live-rate`` messages a second;
  for every alarm change announced on the relay topic (what API processes feed to
  ``alarmChanged``), the time from the device's timestamp to its arrival.
- Memory (``--soak SECONDS``, e.g. 600): the live stream for that long, the ingester's
  resident memory sampled every 10 s.
- Many streets (``--streets 1,10,100``, instead of the above): the deployment has as many
  streets as the largest figure, the ingester subscribes to all of them; for each S the same
  backlog (``--messages`` of ``--devices`` monitors in all) is spread round-robin over S
  streets (``--devices``/S monitors each) and drained by one ingester. ``--compare`` drains it
  twice, alternately: before r8 (``--transactions 0``: one transaction per street of a batch,
  one after another) and now (``--transactions N``: the streets of a batch in at most N
  transactions, concurrent on PostgreSQL), ``--rounds`` times each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiomqtt  # noqa: E402
from mqtt_roles import FILTER, parse, publish_backlog, subscribe_offline, telemetry  # noqa: E402
from sqlalchemy import delete, func, insert, select, update  # noqa: E402

from jiedao.core import migrate  # noqa: E402
from jiedao.core.config import parse_config  # noqa: E402
from jiedao.core.kernel import Kernel  # noqa: E402
from jiedao.core.testing.services import MosquittoBroker, mosquitto_available  # noqa: E402
from jiedao.plugins.sensors.models import Alarm, Device, QuarantinedMessage, Reading  # noqa: E402

ROLES = str(Path(__file__).resolve().parent / "mqtt_roles.py")
JIEDAO = str(Path(sys.executable).parent / "jiedao")
CONFIG = '[streets.changqing]\nname = "长庆街道"\nplugins = ["sensors"]\n'
KEYS_PER_MESSAGE = 2
STALL_SECONDS = 60
STOP = b"stop"


class Backend:
    """One database with the bench street's devices, and the environment of the workers."""

    def __init__(self, name: str, url: str, owner_url: str, folder: Path, devices: int, streets: list[int] | None = None, count_url: str | None = None):
        self.name, self.url, self.owner_url, self.folder, self.devices = name, url, owner_url, folder, devices
        self.street_counts = streets or []
        """The S of a many-streets run (``--streets``); empty: the one street changqing."""
        self.streets = [f"s{n:03d}" for n in range(1, max(self.street_counts) + 1)] if self.street_counts else ["changqing"]
        self.count_url = count_url or url
        """A URL that sees every street's rows (a superuser on PostgreSQL: RLS is forced)."""
        self.kernel: Kernel | None = None
        self.counter = None
        self.street_id = 0
        (folder / "plugins.toml").write_text(CONFIG if not self.street_counts else "".join(
            f'[streets.{street}]\nname = "街道 {street}"\nplugins = ["sensors"]\n' for street in self.streets))

    def devices_of(self, index: int) -> int:
        """Monitors street number ``index`` (from 0) needs: enough for every S it takes part in."""
        if not self.street_counts:
            return self.devices
        return max((max(1, self.devices // count) for count in self.street_counts if index < count), default=1)

    async def open(self) -> None:
        """Migrate, register the devices."""
        from sqlalchemy.ext.asyncio import create_async_engine

        streets = {street: {"name": f"街道 {street}" if self.street_counts else "长庆街道", "plugins": ["sensors"]} for street in self.streets}
        self.kernel = await Kernel.load(parse_config({"streets": streets}, database_url=self.url))
        await asyncio.to_thread(migrate.upgrade, self.kernel, "heads", self.owner_url)
        await self.kernel.sync_streets()
        self.street_id = self.kernel.street_id(self.streets[0])
        self.counter = create_async_engine(self.count_url)
        for index, street in enumerate(self.streets):
            street_id = self.kernel.street_id(street)
            async with self.kernel.db.transaction(street_id) as session:
                await session.execute(insert(Device), [
                    {"street_id": street_id, "device_id": f"EM-{n}", "kind": "ELECTRIC_MONITOR", "name": "", "status": "UNKNOWN", "latest": {}}
                    for n in range(1, self.devices_of(index) + 1)
                ])

    async def reset(self) -> None:
        """Forget the readings, alarms and device states of the previous run (every street)."""
        async with self.counter.begin() as connection:
            for model in (Reading, Alarm, QuarantinedMessage):
                await connection.execute(delete(model.__table__))
            await connection.execute(update(Device.__table__).values(status="UNKNOWN", last_seen_at=None, latest={}, latest_at=None, pending={}))

    async def readings(self) -> int:
        """How many readings are stored (every street)."""
        async with self.counter.connect() as connection:
            return await connection.scalar(select(func.count()).select_from(Reading.__table__))

    def ingester(self, broker_url: str, client_id: str, shared: bool, *options: str) -> subprocess.Popen:
        """Start ``jiedao sensors ingest`` as an operator would, logging to the bench folder."""
        env = {**os.environ, "JIEDAO_CONFIG": str(self.folder / "plugins.toml"), "JIEDAO_DATABASE_URL": self.url, "JIEDAO_MQTT_URL": broker_url}
        argv = [JIEDAO, "sensors", "ingest", "--client-id", client_id, "--no-watchdog", *(["--shared-group", "jiedao"] if shared else []), *options]
        log = open(self.folder / f"{client_id}.log", "w")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)

    async def wait_for(self, expected: int, workers: list[subprocess.Popen]) -> tuple[float, int]:
        """Poll until ``expected`` readings are stored; (seconds from the first stored reading
        to the last, readings stored when the first was seen)."""
        first_at = first_count = None
        progress_at, last = time.perf_counter(), -1
        while True:
            count = await self.readings()
            now = time.perf_counter()
            if count and first_at is None:
                first_at, first_count = now, count
            if count >= expected:
                return now - first_at, first_count
            if count != last:
                progress_at, last = now, count
            dead = [w for w in workers if w.poll() is not None]
            if dead or now - progress_at > STALL_SECONDS:
                raise RuntimeError(f"[{self.name}] stuck at {count:,}/{expected:,} readings; the workers said:\n{self.logs()}")
            await asyncio.sleep(0.05)

    def logs(self, lines: int = 15) -> str:
        """The last lines each worker logged."""
        return "\n".join(f"--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-lines:]) for log in sorted(self.folder.glob("*.log")))

    async def close(self) -> None:
        if self.counter is not None:
            await self.counter.dispose()
        await self.kernel.close()


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()


async def ceiling(messages: int, devices: int) -> float:
    """Messages a second a bare aiomqtt subscriber in a fresh interpreter drains."""
    with MosquittoBroker() as broker:
        await subscribe_offline(broker.url, "bench-raw")
        await publish_backlog(broker.url, messages, devices)
        done = await asyncio.to_thread(subprocess.run, [sys.executable, ROLES, "raw", broker.url, str(messages)], capture_output=True, text=True, check=True, timeout=600)
        return messages / json.loads(done.stdout)["seconds"]


async def throughput(backend: Backend, workers: int, messages: int, streets: int = 0, options: tuple[str, ...] = ()) -> float:
    """Messages a second ``workers`` ingesters drain from a backlog, everything stored; with
    ``streets``, the backlog is spread over the first ``streets`` streets."""
    await backend.reset()
    with MosquittoBroker() as broker:
        ids = [f"bench-ingest-{n}" for n in range(1, workers + 1)]
        filters = [f"jiedao/{street}/devices/+/+" for street in backend.streets] if streets else [FILTER]
        for client_id in ids:
            await subscribe_offline(broker.url, client_id, filters if workers == 1 else [f"$share/jiedao/{f}" for f in filters])
        await publish_backlog(broker.url, messages, backend.devices, backend.streets[:streets] if streets else None)
        processes = [backend.ingester(broker.url, client_id, workers > 1, *options) for client_id in ids]
        try:
            seconds, before = await backend.wait_for(KEYS_PER_MESSAGE * messages, processes)
        finally:
            stop(processes)
    return (messages - before / KEYS_PER_MESSAGE) / seconds


async def warm_up(backend: Backend, broker_url: str, worker: subprocess.Popen) -> int:
    """Publish a message now and then until the ingester stores one; the readings then stored."""
    host, port = parse(broker_url)
    import random

    rng = random.Random(3)
    async with aiomqtt.Client(host, port) as client:
        while not await backend.readings():
            if worker.poll() is not None:
                raise RuntimeError(f"the ingester exited:\n{backend.logs()}")
            await client.publish("jiedao/changqing/devices/EM-1/telemetry", telemetry(rng, int(time.time() * 1000)), qos=1)
            await asyncio.sleep(0.5)
    await asyncio.sleep(1)
    return await backend.readings()


async def listen_for_alarms(broker_url: str, latencies: list[float], ready: asyncio.Event) -> None:
    """Record, for each alarm change relayed, seconds from the reading's timestamp to now."""
    host, port = parse(broker_url)
    async with aiomqtt.Client(host, port) as client:
        await client.subscribe("jiedao/changqing/alarms/changed")
        ready.set()
        async for message in client.messages:
            arrived = time.time()
            if message.payload == STOP:
                return
            alarm = json.loads(message.payload)["alarm"]
            latencies.append(arrived - datetime.fromisoformat(alarm["updated_at"]).timestamp())


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def live(backend: Backend, rate: float, seconds: float, sample_every: float) -> dict:
    """One ingester under a live stream: alarm latencies, memory samples, readings lost."""
    await backend.reset()
    with MosquittoBroker() as broker:
        worker = backend.ingester(broker.url, "bench-live-ingest", shared=False)
        latencies: list[float] = []
        memory: list[tuple[float, float]] = []
        ready = asyncio.Event()
        listener = asyncio.create_task(listen_for_alarms(broker.url, latencies, ready))
        try:
            base = await warm_up(backend, broker.url, worker)
            await ready.wait()
            latencies.clear()
            publisher = await asyncio.create_subprocess_exec(sys.executable, ROLES, "publish", broker.url, str(rate), str(seconds), str(backend.devices), stdout=subprocess.PIPE)
            start = time.perf_counter()
            while publisher.returncode is None:
                memory.append((time.perf_counter() - start, rss_mb(worker.pid)))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(publisher.wait(), sample_every)
            sent = json.loads((await publisher.stdout.read()).decode())["sent"]
            await backend.wait_for(base + KEYS_PER_MESSAGE * sent, [worker])
            await asyncio.sleep(1)  # the last alarm changes on their way
            stored = await backend.readings() - base
        finally:
            host, port = parse(broker.url)
            async with aiomqtt.Client(host, port) as client:
                await client.publish("jiedao/changqing/alarms/changed", STOP)
            await asyncio.wait([listener], timeout=5)
            stop([worker])
    return {"sent": sent, "stored": stored, "latencies": sorted(latencies), "memory": memory}


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


async def run_backend(backend: Backend, args) -> None:
    await backend.open()
    try:
        raw = await ceiling(args.messages, args.devices)
        print(f"[{backend.name}]")
        print(f"  ceiling: bare aiomqtt subscriber, fresh process  {raw:8,.0f} msg/s")
        for workers in (1, 2):
            rate = await throughput(backend, workers, args.messages)
            label = "1 ingester" if workers == 1 else "2 ingesters sharing $share/jiedao"
            print(f"  {label:<47}{rate:8,.0f} msg/s  {rate / raw:5.2f} of the ceiling")
        result = await live(backend, args.live_rate, args.soak or args.live_seconds, 10 if args.soak else 1)
        lat = result["latencies"]
        expected = KEYS_PER_MESSAGE * result["sent"]
        print(f"  live {args.live_rate:,.0f} msg/s for {args.soak or args.live_seconds:g} s: {result['sent']:,} messages sent, "
              f"{result['stored']:,} readings stored of {expected:,} expected")
        print(f"  alarm latency (reading to relayed change, n={len(lat)}): p50 {percentile(lat, 0.5) * 1000:,.0f} ms, "
              f"p99 {percentile(lat, 0.99) * 1000:,.0f} ms, max {max(lat, default=float('nan')) * 1000:,.0f} ms")
        memory = [mb for _, mb in result["memory"]]
        if memory:
            settled = memory[len(memory) // 10:]  # after the first tenth: imports and pools are warm
            print(f"  ingester memory: {memory[0]:.0f} MB at start, {settled[0]:.0f} MB settled, {memory[-1]:.0f} MB at the end, "
                  f"max {max(memory):.0f} MB ({len(memory)} samples)")
            if args.soak:
                minutes = [f"{mb:.0f}" for seconds, mb in result["memory"][::6]]
                print(f"  ingester memory minute by minute (MB): {' '.join(minutes)}")
    finally:
        await backend.close()


async def run_streets(backend: Backend, args) -> None:
    """The many-streets figures: one ingester draining the same backlog spread over S streets."""
    await backend.open()
    try:
        print(f"[{backend.name}] one ingester, {args.messages:,} messages of {args.devices} monitors spread over S streets "
              f"({len(backend.streets)} streets subscribed)")
        modes = [("before (--transactions 0)", ("--transactions", "0"))] if args.compare else []
        modes += [(f"now (--transactions {n})", ("--transactions", n)) for n in args.transactions.split(",")]
        for count in backend.street_counts:
            rates: dict[str, list[float]] = {label: [] for label, _ in modes}
            for _ in range(args.rounds):
                for label, options in modes:
                    rates[label].append(await throughput(backend, 1, args.messages, count, options))
            figures = {label: max(values) for label, values in rates.items()}
            line = "  ".join(f"{label} {figure:7,.0f} msg/s ({', '.join(f'{v:,.0f}' for v in rates[label])})" for label, figure in figures.items())
            if args.compare:
                before = figures[modes[0][0]]
                line += "  " + " ".join(f"×{figures[label] / before:.2f}" for label, _ in modes[1:])
            print(f"  S={count:<4} {line}", flush=True)
    finally:
        await backend.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--messages", type=int, default=40_000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--live-rate", type=float, default=2_000)
    parser.add_argument("--live-seconds", type=float, default=20)
    parser.add_argument("--soak", type=float, default=0, help="Run the live stream this many seconds, sampling memory every 10 s.")
    parser.add_argument("--streets", default="", help="Many-streets run instead: comma-separated S, e.g. 1,10,100.")
    parser.add_argument("--compare", action="store_true", help="With --streets: also the ingester before r8 (--transactions 0), alternately.")
    parser.add_argument("--transactions", default="2", help="With --streets: the ingester's --transactions (comma-separated: each).")
    parser.add_argument("--rounds", type=int, default=1, help="With --streets: drains per mode and S (the best is shown, every one in brackets).")
    args = parser.parse_args()
    street_counts = [int(n) for n in args.streets.split(",") if n.strip()]
    reason = mosquitto_available()
    if reason:
        sys.exit(f"cannot run: {reason}")
    print(f"MQTT ingestion: {args.messages:,} QoS 1 messages of {args.devices} devices, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        if args.backend in ("sqlite", "both"):
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            (Path(folder) / "sqlite").mkdir()
            backend = Backend("sqlite", url, url, Path(folder) / "sqlite", args.devices, street_counts)
            await (run_streets(backend, args) if street_counts else run_backend(backend, args))
        if args.backend in ("postgres", "both"):
            from jiedao.core.testing.services import PostgresCluster, postgres_available

            reason = postgres_available()
            if reason:
                sys.exit(f"[postgres] cannot run: {reason}")
            with PostgresCluster() as cluster:
                cluster.create_role("bench_owner")
                cluster.create_role("bench_app")
                cluster.create_database("bench", owner="bench_owner")
                os.environ["JIEDAO_DB_APP_ROLE"] = "bench_app"
                (Path(folder) / "postgres").mkdir()
                backend = Backend("postgres", cluster.url("bench", user="bench_app"), cluster.url("bench", user="bench_owner"), Path(folder) / "postgres", args.devices,
                                  street_counts, count_url=cluster.url("bench"))
                await (run_streets(backend, args) if street_counts else run_backend(backend, args))


if __name__ == "__main__":
    asyncio.run(main())
