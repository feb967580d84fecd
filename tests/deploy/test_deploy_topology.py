"""deploy/compose.yaml's topology, run as processes (no Docker here): PostgreSQL with the
owner and the RLS-bound app role, Mosquitto on deploy/mosquitto/mosquitto.conf with
provisioned accounts only, two ``jiedao serve --no-background`` API processes behind nginx
on deploy/nginx/jiedao.conf.template, two ingesters sharing one MQTT subscription.

The smoke test logs in and queries through the proxy, publishes a device's reading that
raises an alarm, and sees the alarm on subscriptions held by both API processes (one through
the proxy, one pinned to each process) although neither ingests, and the alarm's work item
(opened by the ingester) on API process 2's ``workItemChanged`` (``JIEDAO_WORK_RELAY=on``);
then an acknowledgement made on API process 1 reaches the subscriber pinned to API process 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import aiomqtt
import httpx
import pytest
from websockets.asyncio.client import connect

from jiedao.core.demo import DEMO_PASSWORD
from jiedao.core.testing.fixtures import APP_ROLE, OWNER_ROLE
from jiedao.core.testing.services import MosquittoBroker, free_port, mosquitto_available, require_service

pytestmark = pytest.mark.mqtt

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
JIEDAO = str(Path(sys.executable).with_name("jiedao"))
DEADLINE = 90.0
STREETS = """
[streets.changqing]
name = "长庆街道"
plugins = ["sensors", "dashboard"]
"""
LOGIN = 'mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token errors { code message } } }'
ALARMS_QUERY = "{ alarms { totalCount } }"
ALARMS = "subscription { alarmChanged { change alarm { id type status device { deviceId } } } }"
WORK = "subscription { workItemChanged { change workItem { id category subject } } }"
ACK = "mutation($id: ID!) { acknowledgeAlarm(input: {alarmId: $id, note: \"on my way\"}) { alarm { status } errors { code message } } }"
BROKER_OWN_LINES = ("listener", "allow_anonymous", "password_file", "acl_file", "persistence_location", "log_dest")
"""Lines of deploy/mosquitto/mosquitto.conf the test broker writes itself (its port, its files)."""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def start_nginx(processes: Processes, folder: Path) -> subprocess.Popen:
    """nginx in the foreground, unprivileged, serving the site ``folder/jiedao.conf``; its
    files (pid, logs, temporary bodies) under ``folder/nginx``."""
    nginx_dir = folder / "nginx"
    nginx_dir.mkdir()
    (folder / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\nworker_processes 1;\npid {nginx_dir}/nginx.pid;\nerror_log {nginx_dir}/error.log info;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  access_log {nginx_dir}/access.log;\n"
        + "".join(f"  {kind}_temp_path {nginx_dir}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"  include {folder}/jiedao.conf;\n}}\n"
    )
    return processes.start("nginx", [nginx_binary(), "-e", str(nginx_dir / "error.log"), "-p", str(nginx_dir), "-c", str(folder / "nginx.conf")])


def render_template(text: str, values: dict[str, str]) -> str:
    """What the nginx image's envsubst makes of the template: only the named variables."""
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def until(condition, what: str, timeout: float = DEADLINE, log: Path | None = None, url: str | None = None):
    """Poll ``condition()`` until it returns something truthy; that value. On a timeout the
    failure carries the last answer of the polled ``url`` and the end of ``log`` (the
    waited-for process's output)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            answer = f" (last answer of {url}: {LAST_ANSWERS.get(url)})" if url is not None else ""
            output = f"\n{log.name}:\n{log.read_text()[-3000:]}" if log is not None else ""
            pytest.fail(f"timed out waiting for {what}{answer}{output}")
        time.sleep(0.2)


class Processes:
    """Jiedao's (and nginx's) processes of one test, each logging to its own file."""

    def __init__(self, directory: Path, env: dict[str, str]):
        self.directory, self.env, self.running = directory, env, []

    def run(self, *argv: str, extra: dict[str, str] | None = None) -> str:
        """Run a jiedao command to its end; its output (the test fails on a non-zero exit)."""
        result = subprocess.run([JIEDAO, *argv], env={**self.env, **(extra or {})}, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"jiedao {' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def start(self, name: str, argv: list[str], extra: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.directory / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(argv, env={**self.env, **(extra or {})}, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = self.directory / f"{name}.log"
        self.running.append((process, log))
        return process

    def alive(self, process: subprocess.Popen) -> bool:
        if process.poll() is not None:
            pytest.fail(f"{process.args} exited with {process.returncode}:\n{process.log_path.read_text()[-3000:]}")
        return True

    def stop(self) -> None:
        for process, _ in reversed(self.running):
            if process.poll() is None:
                process.terminate()
        for process, log in self.running:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


LAST_ANSWERS: dict[str, str] = {}
"""The last answer (or error) of each polled URL, for a timeout's message."""


def answers(url: str) -> bool:
    try:
        response = httpx.get(url, timeout=2)
    except httpx.HTTPError as error:
        LAST_ANSWERS[url] = f"{type(error).__name__}: {error}"
        return False
    LAST_ANSWERS[url] = f"{response.status_code} {response.text[:500]}"
    return response.status_code == 200


@pytest.fixture
def topology(postgres, tmp_path):
    """The processes of deploy/compose.yaml on 127.0.0.1; yields their addresses."""
    require_service(mosquitto_available())
    require_service(None if nginx_binary() else "nginx not found (apt-get install nginx-light)")
    database = f"topology_{os.getpid()}"
    postgres.create_database(database, owner=OWNER_ROLE)
    streets = tmp_path / "plugins.toml"
    streets.write_text(STREETS, encoding="utf-8")
    passwords, acl = tmp_path / "jiedao.passwd", tmp_path / "jiedao.acl"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JIEDAO_") or k in ("JIEDAO_PG_BIN", "JIEDAO_MOSQUITTO_BIN")},
        "JIEDAO_CONFIG": str(streets),
        "JIEDAO_DATABASE_URL": postgres.url(database, user=APP_ROLE),
        "JIEDAO_MIGRATION_DATABASE_URL": postgres.url(database, user=OWNER_ROLE),
        "JIEDAO_DB_APP_ROLE": APP_ROLE,
        "JIEDAO_MQTT_PASSWORD_FILE": str(passwords),
        "JIEDAO_MQTT_ACL_FILE": str(acl),
        "JIEDAO_TRUSTED_PROXIES": "127.0.0.1",
        "JIEDAO_WORK_RELAY": "on",
    }
    processes = Processes(tmp_path, env)
    broker = None
    try:
        # migrate (the compose file's one-shot service), then the demo's data on top
        processes.run("db", "upgrade")
        processes.run("demo", "reset", "--yes")
        service_password = re.search(r"password: (\S+)", processes.run("sensors", "provision-service", "jiedao-app")).group(1)
        device = postgres.execute(
            "select device_id from sensor_devices d where device_id like 'EM-%' and not exists "
            "(select 1 from sensor_alarms a where a.device_pk = d.id and a.status <> 'CLEARED') order by device_id limit 1",
            database,
        )
        assert device, "the demo has an electricity monitor without an open alarm"
        device_password = re.search(r"password: (\S+)", processes.run("sensors", "provision", "--street", "changqing", device)).group(1)

        shipped = (DEPLOY / "mosquitto" / "mosquitto.conf").read_text()
        settings = "\n".join(line for line in shipped.splitlines() if line.strip() and not line.startswith("#") and line.split()[0] not in BROKER_OWN_LINES)
        broker = MosquittoBroker(allow_anonymous=False, password_file=passwords, acl_file=acl, settings=settings)
        broker.start()
        mqtt_url = f"mqtt://jiedao-app:{service_password}@{broker.host}:{broker.port}"

        api_ports = [free_port(), free_port()]
        apis = [
            processes.start(f"api-{n}", [JIEDAO, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-background"], {"JIEDAO_MQTT_URL": mqtt_url})
            for n, port in enumerate(api_ports, 1)
        ]
        ingesters = [
            processes.start("ingest-1", [JIEDAO, "sensors", "ingest", "--shared-group", "jiedao", "--client-id", "ingest-1"], {"JIEDAO_MQTT_URL": mqtt_url}),
            processes.start("ingest-2", [JIEDAO, "sensors", "ingest", "--shared-group", "jiedao", "--client-id", "ingest-2", "--no-watchdog"], {"JIEDAO_MQTT_URL": mqtt_url}),
        ]

        proxy_port = free_port()
        template = (DEPLOY / "nginx" / "jiedao.conf.template").read_text()
        site = render_template(template, {"JIEDAO_LISTEN": f"127.0.0.1:{proxy_port}", "JIEDAO_UPSTREAMS": " ".join(f"server 127.0.0.1:{p};" for p in api_ports)})
        (tmp_path / "jiedao.conf").write_text(site)
        nginx = start_nginx(processes, tmp_path)

        for port, api in zip(api_ports, apis):
            ready = f"http://127.0.0.1:{port}/readyz"
            until(lambda: processes.alive(api) and answers(ready), f"API process on {port}", log=api.log_path, url=ready)
        healthy = f"http://127.0.0.1:{proxy_port}/healthz"
        until(lambda: processes.alive(nginx) and answers(healthy), "nginx", log=nginx.log_path, url=healthy)
        yield {
            "proxy": f"127.0.0.1:{proxy_port}", "apis": [f"127.0.0.1:{p}" for p in api_ports], "broker": broker,
            "device": device, "device_password": device_password, "processes": processes, "ingesters": ingesters, "api_processes": apis,
        }
    finally:
        processes.stop()
        if broker is not None:
            broker.stop()
        postgres.drop_database(database)


async def graphql(host: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(f"http://{host}/graphql/changqing", json={"query": query, "variables": variables or {}}, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@contextlib.asynccontextmanager
async def alarm_subscription(host: str, token: str, query: str = ALARMS):
    """A graphql-transport-ws socket to ``host`` subscribed to ``alarmChanged`` (or ``query``)."""
    async with connect(f"ws://{host}/graphql/changqing", subprotocols=["graphql-transport-ws"], open_timeout=30) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        yield socket


async def next_change(socket, device: str, change: str) -> dict:
    """The next ``change`` of an alarm of ``device`` on ``socket`` (others are skipped)."""
    while True:
        message = json.loads(await socket.recv())
        assert message["type"] == "next", message
        received = message["payload"]["data"]["alarmChanged"]
        if received["alarm"]["device"]["deviceId"] == device and received["change"] == change:
            return received


async def test_an_alarm_ingested_elsewhere_reaches_subscribers_of_every_api_process_through_the_proxy(topology):
    proxy, (api_1, api_2), device = topology["proxy"], topology["apis"], topology["device"]
    login = (await graphql(proxy, LOGIN, {"u": "changqing-admin", "p": DEMO_PASSWORD}))["login"]
    assert login["errors"] == [] and login["token"]
    token = login["token"]
    before = (await graphql(proxy, ALARMS_QUERY, token=token))["alarms"]["totalCount"]

    async with (
        alarm_subscription(proxy, token) as via_proxy, alarm_subscription(api_1, token) as on_1, alarm_subscription(api_2, token) as on_2,
        alarm_subscription(api_2, token, WORK) as work_on_2,
    ):
        broker = topology["broker"]
        async with aiomqtt.Client(broker.host, broker.port, username=f"changqing.{device}", password=topology["device_password"], identifier=f"test-{device}") as client:
            # the subscriptions and the ingesters' shared subscription register asynchronously:
            # publish until the alarm arrives (the same reading only keeps the alarm active)
            waiting = asyncio.ensure_future(next_change(on_2, device, "raised"))
            deadline = time.monotonic() + DEADLINE
            while not waiting.done():
                assert time.monotonic() < deadline, "no alarm reached API process 2's subscriber"
                await client.publish(f"jiedao/changqing/devices/{device}/telemetry", json.dumps({"residual_current": 450}).encode(), qos=1)
                await asyncio.wait([waiting], timeout=1)
            raised = waiting.result()
        assert raised["alarm"]["type"] == "RESIDUAL_CURRENT" and raised["alarm"]["status"] == "ACTIVE_UNACK"
        alarm_id = raised["alarm"]["id"]
        assert (await asyncio.wait_for(next_change(on_1, device, "raised"), 30))["alarm"]["id"] == alarm_id
        assert (await asyncio.wait_for(next_change(via_proxy, device, "raised"), 30))["alarm"]["id"] == alarm_id
        assert (await graphql(proxy, ALARMS_QUERY, token=token))["alarms"]["totalCount"] == before + 1

        # the alarm's work item, opened by the ingester, reaches API process 2 (PostgreSQL NOTIFY)
        opened = json.loads(await asyncio.wait_for(work_on_2.recv(), 30))
        assert opened["type"] == "next", opened
        assert opened["payload"]["data"]["workItemChanged"]["change"] == "opened"
        assert opened["payload"]["data"]["workItemChanged"]["workItem"]["subject"] == alarm_id

        # a change made by API process 1 reaches the subscriber of API process 2
        acknowledged = (await graphql(api_1, ACK, {"id": alarm_id}, token=token))["acknowledgeAlarm"]
        assert acknowledged == {"alarm": {"status": "ACKNOWLEDGED"}, "errors": []}
        assert (await asyncio.wait_for(next_change(on_2, device, "acknowledged"), 30))["alarm"]["status"] == "ACKNOWLEDGED"

    for process in [*topology["ingesters"], *topology["api_processes"]]:
        assert topology["processes"].alive(process)
    api_logs = "".join(p.log_path.read_text() for p in topology["api_processes"])
    assert "Background work is off in this process" in api_logs
