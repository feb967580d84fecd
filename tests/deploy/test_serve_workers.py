"""``jiedao serve --workers 2`` under real uvicorn: both workers answer, the background work
(here: MQTT ingestion) runs in exactly one of them, and after that worker is killed with
``kill -9`` another takes it over while uvicorn starts a replacement.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time

import aiomqtt
import httpx
import pytest

from jiedao.core.demo import DEMO_PASSWORD
from jiedao.core.testing.fixtures import APP_ROLE, OWNER_ROLE
from jiedao.core.testing.services import free_port
from tests.deploy.test_deploy_topology import DEADLINE, JIEDAO, STREETS, answers, until

pytestmark = pytest.mark.mqtt

LOGIN = 'mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }'
ALARMS = "{ alarms { totalCount } }"
LEADER = re.compile(r"background work runs in this worker \(process (\d+)\)")
STARTED = re.compile(r"Started server process \[(\d+)\]")


def graphql(port: int, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(f"http://127.0.0.1:{port}/graphql/changqing", json={"query": query, "variables": variables or {}}, headers=headers, timeout=30).json()
    assert "errors" not in body, body
    return body["data"]


async def publish_until_alarm(broker, device: str, port: int, token: str, before: int) -> None:
    """Publish a residual-current fault of ``device`` until the alarm list counts one more alarm."""
    async with aiomqtt.Client(broker.host, broker.port, identifier=f"test-{device}") as client:
        deadline = time.monotonic() + DEADLINE
        while graphql(port, ALARMS, token=token)["alarms"]["totalCount"] == before:
            assert time.monotonic() < deadline, f"no alarm for {device}: is the background work running?"
            await client.publish(f"jiedao/changqing/devices/{device}/telemetry", json.dumps({"residual_current": 450}).encode(), qos=1)
            await asyncio.sleep(0.5)


@pytest.fixture
def served(postgres, mqtt_broker, tmp_path):
    """``jiedao serve --workers 2`` on the demo's data; yields the port, the log and the process."""
    database = f"workers_{os.getpid()}"
    postgres.create_database(database, owner=OWNER_ROLE)
    streets = tmp_path / "plugins.toml"
    streets.write_text(STREETS, encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JIEDAO_") or k in ("JIEDAO_PG_BIN", "JIEDAO_MOSQUITTO_BIN")},
        "JIEDAO_CONFIG": str(streets),
        "JIEDAO_DATABASE_URL": postgres.url(database, user=APP_ROLE),
        "JIEDAO_MIGRATION_DATABASE_URL": postgres.url(database, user=OWNER_ROLE),
        "JIEDAO_DB_APP_ROLE": APP_ROLE,
        "JIEDAO_MQTT_URL": mqtt_broker.url,
    }
    for argv in (["db", "upgrade"], ["demo", "reset", "--yes"]):
        result = subprocess.run([JIEDAO, *argv], env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([JIEDAO, "serve", "--port", str(port), "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield {"port": port, "log": log_path, "process": process, "database": database}
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            postgres.drop_database(database)


def demo_monitors(postgres, database: str) -> list[str]:
    rows = postgres.execute(
        "select device_id from sensor_devices d where device_id like 'EM-%' and not exists "
        "(select 1 from sensor_alarms a where a.device_pk = d.id and a.status <> 'CLEARED') order by device_id limit 2",
        database,
    )
    return rows.splitlines()


async def test_two_workers_answer_and_the_background_work_moves_to_another_worker_after_kill_9(served, postgres, mqtt_broker):
    port, log_path, process = served["port"], served["log"], served["process"]

    def log() -> str:
        assert process.poll() is None, f"serve exited with {process.returncode}:\n{log_path.read_text()[-3000:]}"
        return log_path.read_text()

    workers = until(lambda: len(set(STARTED.findall(log()))) == 2 and answers(f"http://127.0.0.1:{port}/readyz") and set(STARTED.findall(log())), "two workers")
    leader = int(until(lambda: LEADER.findall(log()), "a worker taking the background work")[0])
    assert leader in {int(pid) for pid in workers}

    token = graphql(port, LOGIN, {"u": "changqing-admin", "p": DEMO_PASSWORD})["login"]["token"]
    first, second = demo_monitors(postgres, served["database"])
    before = graphql(port, ALARMS, token=token)["alarms"]["totalCount"]
    await publish_until_alarm(mqtt_broker, first, port, token, before)
    assert len(LEADER.findall(log())) == 1, "the background work runs in one worker only"

    os.kill(leader, signal.SIGKILL)
    successor = int(until(lambda: (found := LEADER.findall(log()))[1:] and found[1], "another worker taking the background work over"))
    assert successor != leader
    until(lambda: len(set(STARTED.findall(log())) - {str(leader)}) == 2 and answers(f"http://127.0.0.1:{port}/readyz"), "uvicorn's replacement worker")

    after_kill = graphql(port, ALARMS, token=token)["alarms"]["totalCount"]
    await publish_until_alarm(mqtt_broker, second, port, token, after_kill)
    assert len(LEADER.findall(log())) == 2, "one worker at a time: the replacement did not start a second copy"
