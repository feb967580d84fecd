"""Province scale on one machine (issue 21; not part of the test run, but ``tests/bench/test_scale.py``
runs a small ``--quick`` one so the script does not rot).

    .venv/bin/python bench/scale.py [--streets 100] [--devices 1500] [--duration 10m] [--speed 1]
        [--quick] [--replay-days 30] [--replay-streets 1] [--fault-rate 0.002] [--json FILE]

Everything runs as an operator runs it (deploy/compose.yaml's topology, as processes): a
throwaway PostgreSQL with the owner and the RLS-bound app role, Mosquitto on the shipped
settings with provisioned accounts only (``allow_anonymous false``), 3 ``jiedao serve
--no-background`` API processes, 2 ``jiedao sensors ingest`` workers sharing
``$share/jiedao/...``, and ``jiedao sensors simulate --realistic`` playing every device of
every street at its kind's real rate (``--speed`` compresses time) through a publishing
service account, one device per street on its own connection with its own credentials.

Phases:

1. provisioning: ``jiedao sensors provision-fleet`` (bulk SQL, MQTT accounts in one pass);
2. replay: ``--replay-days`` of history for ``--replay-streets`` streets, straight into the
   database, ending when the live run starts (database size per street per month);
3. live, for ``--duration``: messages/s offered and ingested; alarm latency from the publish
   of a fault to the alarm on an API process's ``alarmChanged`` subscription (one socket per
   street, spread over the API processes); API p50/p99 of the alarm list and the cockpit
   queried under that load; readings lost per street (published minus stored: must be 0),
   every injected fault's alarm in the alarm list;
4. roll-up (``rollup_street`` at the end of the run: the last 24 h) and retention
   (``rollup_street`` a retention period later: every replayed raw reading pruned) of the
   replayed streets.

``--quick``: a 1-minute live phase (sizes as given). Prints a table; ``--json`` also writes it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiomqtt  # noqa: E402
import httpx  # noqa: E402
from api import ALARMS, COCKPIT, METRICS  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from jiedao.plugins.sensors.loadgen.fleet import write_credentials  # noqa: E402
from jiedao.plugins.sensors.loadgen.schedule import SimDevice  # noqa: E402
from jiedao.plugins.sensors.provision import issue_service  # noqa: E402
from jiedao.core.testing.services import MosquittoBroker, PostgresCluster, free_port, mosquitto_available, postgres_available  # noqa: E402

JIEDAO = str(Path(sys.executable).with_name("jiedao"))
DEPLOY = ROOT / "deploy"
OWNER, APP, DATABASE = "scale_owner", "scale_app", "jiedao_scale"
ADMIN, ADMIN_PASSWORD = "scale-admin", "Scale-bench-password-1"
BROKER_OWN_LINES = ("listener", "allow_anonymous", "password_file", "acl_file", "persistence_location", "log_dest")
LOGIN = 'mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token errors { code message } } }'
ALARM_CHANGED = "subscription { alarmChanged { change alarm { type device { deviceId } } } }"
STALL_SECONDS = 120.0


def street_slugs(count: int) -> list[str]:
    """``s001``, ``s002``, ...: the bench's streets."""
    return [f"s{n:03d}" for n in range(1, count + 1)]


def streets_toml(slugs: list[str]) -> str:
    """plugins.toml of the bench: sensors and the cockpit in every street; a detector's
    heartbeat of up to 5 h keeps it ONLINE (``offline_after``)."""
    from jiedao.plugins.sensors.loadgen.profiles import HEARTBEAT_ALLOWANCE

    return "".join(f'[streets.{s}]\nname = "街道 {s}"\nplugins = ["sensors", "dashboard"]\n[streets.{s}.sensors]\noffline_after = "{HEARTBEAT_ALLOWANCE}"\n\n'
                   for s in slugs)


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` percentile of ``values`` (nearest rank), None if empty."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def machine_state() -> dict:
    """CPUs, load averages and available memory now."""
    load = Path("/proc/loadavg").read_text().split()[:3]
    available = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemAvailable:")), None)
    return {"cpus": os.cpu_count(), "load": " ".join(load), "mem_available_mb": available}


class Processes:
    """The bench's long-running processes, each logging to its own file."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder, self.env, self.running = folder, env, []

    def run(self, *argv: str, input: str | None = None, extra: dict | None = None) -> str:
        """Run a jiedao command to its end; its output (SystemExit on failure)."""
        result = subprocess.run([JIEDAO, *argv], env={**self.env, **(extra or {})}, capture_output=True, text=True, input=input, timeout=3600)
        if result.returncode != 0:
            raise SystemExit(f"jiedao {' '.join(argv)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self, name: str, argv: list[str], extra: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(argv, env={**self.env, **(extra or {})}, stdout=log, stderr=subprocess.STDOUT)
        process.name, process.log_path = name, self.folder / f"{name}.log"
        self.running.append((process, log))
        return process

    def check(self) -> None:
        """SystemExit if a process died."""
        for process, _ in self.running:
            if process.poll() is not None and not getattr(process, "finishing", False):
                raise SystemExit(f"{process.name} exited with {process.returncode}:\n{process.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        for process, _ in reversed(self.running):
            if process.poll() is None:
                process.terminate()
        for process, log in self.running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        self.running.clear()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def wait_until(condition, what: str, processes: Processes, timeout: float = 180.0):
    """Poll ``condition()`` (sync or async) until truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        processes.check()
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.5)


class Database:
    """Counting as the superuser (no row-level security in the way)."""

    def __init__(self, cluster: PostgresCluster):
        self.cluster = cluster

    def rows(self, sql: str) -> list[list[str]]:
        out = self.cluster.execute(sql, DATABASE)
        return [line.split("|") for line in out.splitlines() if line]

    def per_street(self, table: str, since: datetime | None = None) -> dict[str, int]:
        """Rows of ``table`` per street slug (readings stamped ``since`` or later only)."""
        where = f"where t.ts >= '{since.isoformat()}'" if since else ""
        return {slug: int(n) for slug, n in self.rows(f"select s.slug, count(*) from {table} t join streets s on s.id = t.street_id {where} group by s.slug")}

    def readings_size(self) -> int:
        """Bytes of the raw readings with their indexes (every partition, if partitioned)."""
        return int(self.rows(
            "select case when c.relkind = 'p' then (select coalesce(sum(pg_total_relation_size(relid)), 0) from pg_partition_tree(c.oid)) "
            "else pg_total_relation_size(c.oid) end from pg_class c where c.relname = 'sensor_readings' and c.relkind in ('r', 'p')")[0][0])

    def alarms(self) -> set[tuple[str, str, str]]:
        """(street, device id, alarm type) of every alarm."""
        return {tuple(r) for r in self.rows("select s.slug, d.device_id, a.type from sensor_alarms a join sensor_devices d on d.id = a.device_pk join streets s on s.id = a.street_id")}


async def graphql(port: int, street: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=60) as http:
        body = (await http.post(f"http://127.0.0.1:{port}/graphql/{street}", json={"query": query, "variables": variables or {}}, headers=headers)).json()
    if body.get("errors"):
        raise SystemExit(f"GraphQL errors on {street}: {body['errors']}")
    return body["data"]


async def watch_alarms(port: int, street: str, token: str, seen: list[tuple], ready: asyncio.Event) -> None:
    """Record (street, device id, alarm type, change, arrival) of every ``alarmChanged`` on
    the API process at ``port`` for ``street``."""
    async with connect(f"ws://127.0.0.1:{port}/graphql/{street}", subprotocols=["graphql-transport-ws"], open_timeout=60, max_queue=None) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 60))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ALARM_CHANGED}}))
        ready.set()
        async for raw in socket:
            arrived = time.time()
            message = json.loads(raw)
            if message.get("type") == "next":
                change = message["payload"]["data"]["alarmChanged"]
                seen.append((street, change["alarm"]["device"]["deviceId"], change["alarm"]["type"], change["change"], arrived))


async def api_load(ports: list[int], streets: list[str], token: str, stop: asyncio.Event, times: dict[str, list[float]], clients: int = 2) -> None:
    """``clients`` loops asking the alarm list and the cockpit of random streets on random API
    processes (a person at a screen every 0.2 s each), until ``stop``; milliseconds per query."""
    variables = {}
    metrics = (await graphql(ports[0], streets[0], METRICS, token=token))["cockpit"]["metrics"]
    counter = next(m["key"] for m in metrics if m["kind"] == "COUNTER")
    bkey, bdim = next(((m["key"], m["dimensions"][0]) for m in metrics if m["dimensions"]), (counter, ""))
    variables = {"range": {"preset": "LAST_30_DAYS"}, "series": counter, "bkey": bkey, "bdim": bdim}
    rng = random.Random(5)

    async def client(n: int) -> None:
        async with httpx.AsyncClient(timeout=60, headers={"authorization": f"Bearer {token}"}) as http:
            while not stop.is_set():
                for name, query, values in (("alarm list", ALARMS, {}), ("cockpit", COCKPIT, variables)):
                    port, street = rng.choice(ports), rng.choice(streets)
                    started = time.perf_counter()
                    try:
                        body = (await http.post(f"http://127.0.0.1:{port}/graphql/{street}", json={"query": query, "variables": values})).json()
                    except httpx.TransportError:  # a dropped keep-alive connection on a saturated machine: counted, not fatal
                        times[f"{name} transport errors"].append(time.perf_counter() - started)
                        continue
                    times[name].append((time.perf_counter() - started) * 1000)
                    if body.get("errors"):
                        raise SystemExit(f"{name} on {street}: {body['errors']}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.2)

    await asyncio.gather(*(client(n) for n in range(clients)))


async def probe(broker: MosquittoBroker, street: str, device: str, password: str, db: Database, processes: Processes, live_start: datetime) -> None:
    """Publish a reading as ``device`` with its own credentials until the ingesters store one:
    they are subscribed (and the device's account works)."""
    async with aiomqtt.Client(broker.host, broker.port, username=f"{street}.{device}", password=password, identifier=f"probe-{street}.{device}") as client:
        async def stored() -> bool:
            await client.publish(f"jiedao/{street}/devices/{device}/telemetry", json.dumps({"values": {"voltage": 220}}).encode(), qos=1)
            await asyncio.sleep(0.5)
            return db.per_street("sensor_readings", live_start).get(street, 0) > 0
        await wait_until(stored, "the ingesters to store a probe reading", processes)


async def migrate_database(env: dict) -> None:
    """Every migration, as the owner."""
    from jiedao.core import migrate
    from jiedao.core.config import parse_config
    from jiedao.core.kernel import Kernel

    config = tomllib.loads(Path(env["JIEDAO_CONFIG"]).read_text(encoding="utf-8"))
    kernel = await Kernel.load(parse_config(config, database_url=env["JIEDAO_MIGRATION_DATABASE_URL"]))
    try:
        await asyncio.to_thread(migrate.upgrade, kernel, "heads", env["JIEDAO_MIGRATION_DATABASE_URL"])
    finally:
        await kernel.close()


async def create_admin(env: dict) -> None:
    """The platform administrator the bench logs in as (what 'jiedao users create' does)."""
    from jiedao.core.config import parse_config
    from jiedao.core.identity.service import create_user, grant
    from jiedao.core.kernel import Kernel

    kernel = await Kernel.load(parse_config(tomllib.loads(Path(env["JIEDAO_CONFIG"]).read_text(encoding="utf-8")), database_url=env["JIEDAO_DATABASE_URL"]))
    try:
        async with kernel.db.transaction() as session:
            await grant(session, await create_user(session, ADMIN, ADMIN_PASSWORD), None, "platform_admin", actor="bench")
    finally:
        await kernel.close()


async def replay_phase(env: dict, streets: list[str], days: float, end: datetime) -> dict:
    """Write ``days`` of history for ``streets`` ending at ``end``; seconds and readings."""
    from jiedao.core.config import parse_config
    from jiedao.core.kernel import Kernel
    from jiedao.plugins.sensors.loadgen.replay import replay

    kernel = await Kernel.load(parse_config(tomllib.loads(Path(env["JIEDAO_CONFIG"]).read_text(encoding="utf-8")), database_url=env["JIEDAO_DATABASE_URL"]))
    await kernel.sync_streets()
    readings, seconds = 0, 0.0
    try:
        for n, street in enumerate(streets):
            result = await replay(kernel, street, days, end=end, seed=100 + n)
            readings, seconds = readings + result.readings, seconds + result.seconds
    finally:
        await kernel.close()
    return {"readings": readings, "seconds": seconds}


async def retention_phase(env: dict, streets: list[str], at: datetime) -> dict:
    """``rollup_street`` for each street at ``at`` (the last 24 h rolled up), then a retention
    period later (every raw reading of the run and the replay pruned); seconds of each."""
    from jiedao.core.config import parse_config
    from jiedao.core.kernel import Kernel
    from jiedao.plugins.sensors.service.retention import rollup_street

    kernel = await Kernel.load(parse_config(tomllib.loads(Path(env["JIEDAO_CONFIG"]).read_text(encoding="utf-8")), database_url=env["JIEDAO_DATABASE_URL"]))
    await kernel.sync_streets()
    out = {"rollup_seconds": 0.0, "rolled_up": 0, "retention_seconds": 0.0, "pruned": 0}
    try:
        for street in streets:
            settings = kernel.settings(street, "sensors")
            started = time.perf_counter()
            result = await rollup_street(kernel.db, settings, at, kernel.street_id(street))
            out["rollup_seconds"] += time.perf_counter() - started
            out["rolled_up"] += result.rolled_up
            later = at + settings.raw_retention + timedelta(days=1)
            started = time.perf_counter()
            result = await rollup_street(kernel.db, settings, later, kernel.street_id(street))
            out["retention_seconds"] += time.perf_counter() - started
            out["pruned"] += result.pruned
    finally:
        await kernel.close()
    return out


async def run(args, folder: Path) -> dict:
    report: dict = {"settings": {k: v for k, v in vars(args).items() if k != "json"}, "machine_before": machine_state(), "phases": {}}
    began = time.perf_counter()

    def phase(name: str) -> None:
        report["phases"][name] = round(time.perf_counter() - began, 1)
        print(f"[{report['phases'][name]:7.1f} s] {name}; load {machine_state()['load']}", file=sys.stderr, flush=True)
    slugs = street_slugs(args.streets)
    cluster = PostgresCluster(base_dir=folder)
    cluster.start()
    broker = None
    processes = None
    try:
        cluster.create_role(OWNER)
        cluster.create_role(APP)
        cluster.create_database(DATABASE, owner=OWNER)
        db = Database(cluster)
        (folder / "plugins.toml").write_text(streets_toml(slugs), encoding="utf-8")
        passwords, acl, secrets = folder / "jiedao.passwd", folder / "jiedao.acl", folder / "fleet.json"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("JIEDAO_") or k in ("JIEDAO_PG_BIN", "JIEDAO_MOSQUITTO_BIN")},
            "JIEDAO_CONFIG": str(folder / "plugins.toml"),
            "JIEDAO_DATABASE_URL": cluster.url(DATABASE, user=APP),
            "JIEDAO_MIGRATION_DATABASE_URL": cluster.url(DATABASE, user=OWNER),
            "JIEDAO_DB_APP_ROLE": APP,
            "JIEDAO_MQTT_PASSWORD_FILE": str(passwords),
            "JIEDAO_MQTT_ACL_FILE": str(acl),
        }
        os.environ["JIEDAO_DB_APP_ROLE"] = APP  # the in-process replay and roll-up connect as the app role too
        processes = Processes(folder, env)
        await migrate_database(env)  # what 'jiedao db upgrade' does, without a CLI start
        phase("migrated")

        started = time.perf_counter()
        if args.all_accounts:
            processes.run("sensors", "provision-fleet", "--all-streets", "--devices", str(args.devices), "--credentials", str(secrets))
        else:  # Mosquitto's file ACL does not load 150,000 device blocks in time: accounts for the devices on their own connections only
            processes.run("sensors", "provision-fleet", "--all-streets", "--devices", str(args.devices))
            write_credentials([SimDevice(s, "EM-00001", "ELECTRIC_MONITOR") for s in slugs], "jiedao", passwords, acl, secrets)
        report["provision_seconds"] = time.perf_counter() - started
        _, app_password = issue_service("jiedao-app", "jiedao", "readwrite", passwords, acl)  # what 'provision-service' does, without a CLI start each
        _, sim_password = issue_service("jiedao-sim", "jiedao", "write", passwords, acl)
        await create_admin(env)
        fleet_passwords = json.loads(secrets.read_text())
        phase("provisioned")

        replayed = slugs[: args.replay_streets] if args.replay_days > 0 else []
        live_start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
        if replayed:
            before = db.readings_size()
            report["replay"] = await replay_phase(env, replayed, args.replay_days, live_start)
            report["replay"]["bytes_per_street_month"] = (db.readings_size() - before) / len(replayed) * 30 / args.replay_days
            report["replay"]["readings_per_street_month"] = report["replay"]["readings"] / len(replayed) * 30 / args.replay_days
            cluster.execute("VACUUM ANALYZE", DATABASE)
        phase("replayed")

        shipped = (DEPLOY / "mosquitto" / "mosquitto.conf").read_text()
        settings = "\n".join(line for line in shipped.splitlines() if line.strip() and not line.startswith("#") and line.split()[0] not in BROKER_OWN_LINES)
        broker = MosquittoBroker(allow_anonymous=False, password_file=passwords, acl_file=acl, settings=settings, base_dir=folder, start_timeout=600)
        broker.start()
        service_url = f"mqtt://jiedao-app:{app_password}@{broker.host}:{broker.port}"

        ports = [free_port() for _ in range(args.api_processes)]
        for n, port in enumerate(ports, 1):
            processes.start(f"api-{n}", [JIEDAO, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-background"], {"JIEDAO_MQTT_URL": service_url})
        for n in range(1, args.ingesters + 1):
            argv = [JIEDAO, "sensors", "ingest", "--shared-group", "jiedao", "--client-id", f"ingest-{n}", *(["--no-watchdog"] if n > 1 else [])]
            processes.start(f"ingest-{n}", argv, {"JIEDAO_MQTT_URL": service_url})
        for port in ports:
            await wait_until(lambda port=port: answers(f"http://127.0.0.1:{port}/readyz"), f"the API process on {port}", processes)
        login = (await graphql(ports[0], slugs[0], LOGIN, {"u": ADMIN, "p": ADMIN_PASSWORD}))["login"]
        token = login["token"]
        probe_street = slugs[-1]
        await probe(broker, probe_street, "EM-00001", fleet_passwords[f"{probe_street}.EM-00001"], db, processes, live_start)
        baseline = db.per_street("sensor_readings", live_start)
        phase("started")

        seen: list[tuple] = []
        watchers = []
        for n, street in enumerate(slugs):
            ready = asyncio.Event()
            watchers.append(asyncio.create_task(watch_alarms(ports[n % len(ports)], street, token, seen, ready)))
            await asyncio.wait([asyncio.ensure_future(ready.wait()), watchers[-1]], return_when=asyncio.FIRST_COMPLETED)
            if watchers[-1].done():
                watchers[-1].result()
        times: dict[str, list[float]] = {"alarm list": [], "cockpit": [], "alarm list transport errors": [], "cockpit transport errors": []}
        stop = asyncio.Event()
        load = asyncio.create_task(api_load(ports, slugs, token, stop, times))

        report["machine_during"] = None
        tally_file = folder / "tally.json"
        simulator = processes.start("simulate", [
            JIEDAO, "sensors", "simulate", "--realistic", "--all-streets", "--duration", f"{args.duration}s", "--speed", str(args.speed), "--seed", "1",
            "--fault-rate", str(args.fault_rate), "--credentials", str(secrets), "--own", "1", "--report", str(tally_file),
            "--url", f"mqtt://jiedao-sim:{sim_password}@{broker.host}:{broker.port}",
        ])
        simulator.finishing = True
        sim_started = time.time()
        while simulator.poll() is None:
            processes.check()
            if load.done():
                load.result()
            if report["machine_during"] is None and time.time() - sim_started > args.duration / 2:
                report["machine_during"] = machine_state()
            await asyncio.sleep(1)
        if simulator.returncode != 0:
            raise SystemExit(f"the simulator failed:\n{simulator.log_path.read_text()[-3000:]}")
        tally = json.loads(tally_file.read_text())
        phase("published")

        expected = {s: baseline.get(s, 0) + t["readings"] for s, t in tally["streets"].items()}
        refused = sum(t["refused"] for t in tally["streets"].values())
        progress_at, last, last_change = time.monotonic(), None, time.time()
        while True:
            processes.check()
            stored = db.per_street("sensor_readings", live_start)
            quarantined = sum(db.per_street("sensor_quarantine").values())
            if (stored, quarantined) != last:
                progress_at, last, last_change = time.monotonic(), (stored, quarantined), time.time()
            if all(stored.get(s, 0) >= n for s, n in expected.items()) and quarantined >= refused:
                break
            if time.monotonic() - progress_at > STALL_SECONDS:
                break
            await asyncio.sleep(1)
        drained_at = last_change
        stop.set()
        await load

        wanted = {(f["street"], f["device_id"], f["alarm"]) for f in tally["faults"]}
        with contextlib.suppress(SystemExit):
            await wait_until(lambda: wanted <= db.alarms(), "every fault's alarm", processes, timeout=60)
        alarms = db.alarms()
        first_seen: dict[tuple, float] = {}
        with contextlib.suppress(SystemExit):  # the changes of the last alarms on their way to the sockets
            await wait_until(lambda: wanted <= {(s, d, a) for s, d, a, _, _ in seen}, "every fault's alarmChanged", processes, timeout=15)
        for street, device, alarm_type, change, arrived in seen:
            first_seen.setdefault((street, device, alarm_type), arrived)
        latencies = [first_seen[(f["street"], f["device_id"], f["alarm"])] - f["at"] for f in tally["faults"] if (f["street"], f["device_id"], f["alarm"]) in first_seen]
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)

        lost = {s: expected[s] - stored.get(s, 0) for s in expected}
        elapsed = max(tally["finished"] - tally["started"], 1e-9)
        report["live"] = {
            "devices": args.streets * args.devices, "messages": tally["messages"], "by_kind": tally["by_kind"], "own_connections": tally["own_connections"],
            "offered_per_s": tally["messages"] / elapsed,
            "ingested_per_s": tally["messages"] / max(drained_at - tally["started"], elapsed),
            "readings_published": sum(t["readings"] for t in tally["streets"].values()),
            "readings_lost": sum(max(v, 0) for v in lost.values()), "lost_per_street": {s: v for s, v in lost.items() if v},
            "malformed_published": refused, "quarantined": quarantined,
            "faults": len(wanted), "faults_without_alarm": sorted(map(list, wanted - alarms)),
            "alarm_latency_n": len(latencies), "alarm_latency_p50_ms": _ms(percentile(latencies, 0.5)), "alarm_latency_p99_ms": _ms(percentile(latencies, 0.99)),
            "alarm_latency_max_ms": _ms(max(latencies, default=None)),
            "drain_after_publishing_s": max(drained_at - tally["finished"], 0.0),
            **{f"{name} {stat}": _r(percentile(times[name], share)) for name in ("alarm list", "cockpit") for stat, share in (("p50 ms", 0.5), ("p99 ms", 0.99))},
            **{f"{name} requests": len(values) for name, values in times.items()},
            "api_transport_errors": len(times["alarm list transport errors"]) + len(times["cockpit transport errors"]),
        }
        processes.stop()
        phase("live checked")
        if args.json:  # the live figures, in case the retention phase is cut short
            Path(args.json).write_text(json.dumps(report, indent=1, default=str))
        print(json.dumps(report["live"], default=str), file=sys.stderr, flush=True)
        if replayed:
            report["retention"] = await retention_phase(env, replayed, datetime.now(UTC))
            report["retention"]["hourly_bytes"] = int(db.rows("select pg_total_relation_size('sensor_readings_hourly')")[0][0])
        report["machine_after"] = machine_state()
        phase("done")
        return report
    finally:
        if processes is not None:
            processes.stop()
        if broker is not None:
            broker.stop()
        cluster.stop()


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def table(report: dict) -> str:
    """The figures, one per line."""
    s, live = report["settings"], report["live"]
    lines = [
        f"Scale: {s['streets']} streets x {s['devices']} devices = {live['devices']:,} devices, live {s['duration']:g}s at speed {s['speed']:g}, "
        f"{s['api_processes']} API processes, {s['ingesters']} ingesters, PostgreSQL + Mosquitto on one machine",
        f"machine: {report['machine_before']['cpus']} CPUs; load before {report['machine_before']['load']}, during {(report.get('machine_during') or {}).get('load')}, "
        f"after {report['machine_after']['load']}; {report['machine_before']['mem_available_mb']} MB available",
        f"provisioning (bulk SQL + MQTT accounts)        {report['provision_seconds']:10.1f} s",
        f"messages published (own connections: {live['own_connections']})  {live['messages']:10,}  {dict(live['by_kind'])}",
        f"messages/s offered                             {live['offered_per_s']:10.1f}",
        f"messages/s ingested (publish start to stored)  {live['ingested_per_s']:10.1f}   (drained {live['drain_after_publishing_s']:.1f} s after the last publish)",
        f"readings published / lost                      {live['readings_published']:10,} / {live['readings_lost']}",
        f"malformed published / quarantined             {live['malformed_published']:10,} / {live['quarantined']}",
        f"faults injected / without their alarm          {live['faults']:10,} / {len(live['faults_without_alarm'])}",
        f"alarm latency (publish -> alarmChanged on an API process), n={live['alarm_latency_n']}: "
        f"p50 {live['alarm_latency_p50_ms']} ms, p99 {live['alarm_latency_p99_ms']} ms, max {live['alarm_latency_max_ms']} ms",
        f"API under load: alarm list p50 {live['alarm list p50 ms']} ms, p99 {live['alarm list p99 ms']} ms ({live['alarm list requests']} requests); "
        f"cockpit p50 {live['cockpit p50 ms']} ms, p99 {live['cockpit p99 ms']} ms ({live['cockpit requests']} requests)",
    ]
    if "replay" in report:
        r, t = report["replay"], report["retention"]
        lines += [
            f"replay: {r['readings']:,} readings ({s['replay_days']:g} days x {s['replay_streets']} street(s)) in {r['seconds']:.1f} s",
            f"raw readings per street per month             {r['readings_per_street_month']:14,.0f} rows, {r['bytes_per_street_month'] / 2**20:,.0f} MB (table + indexes)",
            f"roll-up (last 24 h) of the replayed streets    {t['rollup_seconds']:10.1f} s ({t['rolled_up']:,} hourly rows)",
            f"retention (prune the replayed history)         {t['retention_seconds']:10.1f} s ({t['pruned']:,} raw readings; hourly table {t['hourly_bytes'] / 2**20:.1f} MB)",
        ]
    lines.append("phases (s since start): " + ", ".join(f"{k} {v}" for k, v in report["phases"].items()))
    return "\n".join(lines)


def main() -> None:
    from jiedao.api.domain import parse_duration

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streets", type=int, default=100)
    parser.add_argument("--devices", type=int, default=1500, help="devices per street")
    parser.add_argument("--duration", default=None, help="the live phase (wall clock), e.g. 10m (default 10m; --quick 1m)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall second (1: the real rates)")
    parser.add_argument("--quick", action="store_true", help="a 1-minute live phase")
    parser.add_argument("--api-processes", type=int, default=3)
    parser.add_argument("--ingesters", type=int, default=2, help="sharing $share/jiedao/...")
    parser.add_argument("--all-accounts", action="store_true",
                        help="issue every device's MQTT account (Mosquitto then loads one ACL block per device); default: one device per street")
    parser.add_argument("--replay-days", type=float, default=30.0)
    parser.add_argument("--replay-streets", type=int, default=1)
    parser.add_argument("--fault-rate", type=float, default=0.002, help="share of messages starting a fault")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    args.duration = parse_duration(args.duration or ("1m" if args.quick else "10m")).total_seconds()
    for reason in (postgres_available(), mosquitto_available()):
        if reason:
            sys.exit(f"cannot run: {reason}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # stop the cluster and the processes on the way out
    folder = Path(tempfile.mkdtemp(prefix="jiedao-bench-scale-"))
    os.chmod(folder, 0o755)
    try:
        report = asyncio.run(run(args, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
