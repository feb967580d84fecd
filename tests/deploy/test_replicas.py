"""Read replicas of a cell: a real streaming replica (``pg_basebackup -R``, hot standby) of a
PostgreSQL primary, and real ``jiedao serve`` processes given ``JIEDAO_DATABASE_REPLICA_URLS``.

Checked from a user's side: a query is answered from the replica (with replay paused, another
user's new organisation is not there yet, within the lag bound); whoever wrote reads their own
write at once (the ``jiedao_written`` cookie, or the ``Jiedao-Read-After`` header); a replica
further behind than ``JIEDAO_REPLICA_MAX_LAG_SECONDS`` is passed over; a replica that does not
answer fails no request; bad settings are refused by name.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jiedao.core.config import parse_config
from jiedao.core.errors import ConfigurationError
from jiedao.core.testing.fixtures import APP_ROLE, OWNER_ROLE
from jiedao.core.testing.services import PostgresReplica, free_port, postgres_available, require_service, start_jiedao_postgres
from tests.deploy.test_deploy_topology import JIEDAO, Processes, answers, until

STREETS = '[streets.changqing]\nname = "长庆街道"\nplugins = ["dashboard"]\n'
METRICS_TOKEN = "replica-metrics-token-0123"
PASSWORD = "replica-test-password-1"
LOGIN = 'mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token errors { code message } } }'
CREATE = 'mutation($code: String!) { createOrganisation(input: {code: $code, kind: VOLUNTEER_TEAM, name: $code}) { organisation { id } errors { message } } }'
COUNT = "{ organisations(first: 1) { totalCount } }"


class Cell:
    """A primary, its replica, the migrated database and the processes serving it."""

    def __init__(self, primary, replica, processes: Processes):
        self.primary, self.replica, self.processes = primary, replica, processes

    def serve(self, name: str, replicas: str, max_lag: float) -> str:
        """Start ``jiedao serve`` reading ``replicas``; its GraphQL URL once it answers."""
        port = free_port()
        process = self.processes.start(name, [JIEDAO, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-background"],
                                       {"JIEDAO_DATABASE_REPLICA_URLS": replicas, "JIEDAO_REPLICA_MAX_LAG_SECONDS": str(max_lag)})
        until(lambda: self.processes.alive(process) and answers(f"http://127.0.0.1:{port}/healthz"), f"{name} to answer")
        return f"http://127.0.0.1:{port}/graphql/changqing"


@pytest.fixture(scope="module")
def cell(tmp_path_factory) -> Iterator[Cell]:
    require_service(postgres_available())
    tmp_path: Path = tmp_path_factory.mktemp("replicas")
    primary = start_jiedao_postgres(OWNER_ROLE, APP_ROLE)
    replica = PostgresReplica(primary)
    processes = None
    try:
        replica.start()
        primary.create_database("cell", owner=OWNER_ROLE)
        (tmp_path / "plugins.toml").write_text(STREETS, encoding="utf-8")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("JIEDAO_") or k in ("JIEDAO_PG_BIN",)},
            "JIEDAO_CONFIG": str(tmp_path / "plugins.toml"),
            "JIEDAO_DATABASE_URL": primary.url("cell", user=APP_ROLE),
            "JIEDAO_MIGRATION_DATABASE_URL": primary.url("cell", user=OWNER_ROLE),
            "JIEDAO_DB_APP_ROLE": APP_ROLE,
            "JIEDAO_METRICS_TOKEN": METRICS_TOKEN,
        }
        processes = Processes(tmp_path, env)
        processes.run("db", "upgrade")
        for user in ("writer", "reader"):
            created = subprocess.run([JIEDAO, "users", "create", user, "--street", "changqing", "--role", "street_admin", "--password-stdin"],
                                     env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
            assert created.returncode == 0, created.stderr
        until(lambda: replica.execute("select count(*) from users", "cell") == "2", "the users to reach the replica")
        yield Cell(primary, replica, processes)
    finally:
        if processes is not None:
            processes.stop()
        replica.stop()
        primary.stop()


def caught_up(cell: Cell) -> None:
    """Wait until the replica has replayed everything the primary has inserted so far: every
    sample the process took and every commit position its clients hold (log-ins included)."""
    position = cell.primary.execute("select pg_current_wal_insert_lsn()")
    until(lambda: cell.replica.execute(f"select pg_last_wal_replay_lsn() >= '{position}'") == "t", "the replica to catch up")


def client(url: str, user: str) -> httpx.Client:
    """A logged-in client keeping its cookies, like a browser."""
    http = httpx.Client(timeout=30)
    answer = http.post(url, json={"query": LOGIN, "variables": {"u": user, "p": PASSWORD}}).json()
    http.headers["Authorization"] = f"Bearer {answer['data']['login']['token']}"
    return http


def organisations(http: httpx.Client, url: str, headers: dict[str, str] | None = None) -> int:
    answer = http.post(url, json={"query": COUNT}, headers=headers or {}).json()
    assert "errors" not in answer, answer
    return answer["data"]["organisations"]["totalCount"]


def reads(url: str) -> dict[str, float]:
    """``jiedao_replica_reads_total`` of the process serving ``url``, by outcome."""
    metrics = httpx.get(url.replace("/graphql/changqing", "/metrics"), headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
    assert metrics.status_code == 200, metrics.text
    found = {}
    for line in metrics.text.splitlines():
        if line.startswith("jiedao_replica_reads_total{"):
            outcome = line.split('outcome="', 1)[1].split('"', 1)[0]
            found[outcome] = float(line.rsplit(" ", 1)[1])
    return found


def create(http: httpx.Client, url: str, code: str) -> httpx.Response:
    response = http.post(url, json={"query": CREATE, "variables": {"code": code}})
    assert response.json()["data"]["createOrganisation"]["errors"] == [], response.text
    return response


def test_queries_read_the_replica_and_whoever_wrote_reads_their_own_write(cell):
    url = cell.serve("api-lag-60", cell.replica.url("cell", user=APP_ROLE), 60)
    writer, reader = client(url, "writer"), client(url, "reader")
    before = organisations(reader, url)
    caught_up(cell)  # the log-ins included: each reader must find its own log-in on the replica
    cell.replica.pause_replay()
    try:
        response = create(writer, url, "volunteers-1")
        written = response.headers["jiedao-written-lsn"]
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("jiedao_written=") and written in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        assert organisations(writer, url) == before + 1, "the writer sees their organisation at once (the primary answers them)"
        assert organisations(reader, url) == before, "another user reads the replica, which has not replayed the write yet"
        assert organisations(reader, url, {"Jiedao-Read-After": written}) == before + 1, "a client without cookies sends the position back"
        assert organisations(reader, url, {"Jiedao-Read-After": "not/an-lsn'; drop table users"}) == before, "a malformed position is ignored"
    finally:
        cell.replica.resume_replay()
    until(lambda: organisations(reader, url) == before + 1, "the replica to catch up and show the organisation to the reader")
    served = reads(url)
    assert served.get("replica", 0) >= 3 and served.get("primary_lagging", 0) >= 2, served


def test_a_replica_further_behind_than_the_bound_is_passed_over(cell):
    url = cell.serve("api-lag-1", cell.replica.url("cell", user=APP_ROLE), 1)
    writer, reader = client(url, "writer"), client(url, "reader")
    before = organisations(reader, url)
    cell.replica.pause_replay()
    try:
        create(writer, url, "volunteers-2")
        # Within about a second (the bound) plus a sample, the replica counts as too far behind
        # and the primary answers everyone: nobody reads data older than the bound.
        until(lambda: organisations(reader, url) == before + 1, "the primary to answer while the replica lags beyond 1 s")
    finally:
        cell.replica.resume_replay()


def test_a_replica_that_does_not_answer_fails_no_request(cell):
    dead = f"postgresql+asyncpg://{APP_ROLE}@127.0.0.1:{free_port()}/cell"
    url = cell.serve("api-dead-replica", dead, 5)
    writer = client(url, "writer")
    before = organisations(writer, url)
    create(writer, url, "volunteers-3")
    assert organisations(writer, url) == before + 1
    fresh = httpx.Client(timeout=30, headers={"Authorization": writer.headers["Authorization"]})  # no cookie: would read a replica
    assert organisations(fresh, url) == before + 1
    log = (cell.processes.directory / "api-dead-replica.log").read_text()
    assert "read replica 1 of 1 is unreachable" in log
    served = reads(url)
    assert served.get("primary_unreachable", 0) >= 2 and served.get("replica", 0) == 0, served


def test_replica_settings_are_checked_by_name(monkeypatch):
    import tomllib

    data = tomllib.loads(STREETS)
    monkeypatch.delenv("JIEDAO_CLUSTER", raising=False)
    monkeypatch.setenv("JIEDAO_DATABASE_URL", "sqlite+aiosqlite:///var/x.db")
    monkeypatch.setenv("JIEDAO_DATABASE_REPLICA_URLS", "postgresql+asyncpg://app@replica-1/jiedao")
    with pytest.raises(ConfigurationError, match="JIEDAO_DATABASE_REPLICA_URLS: read replicas need a PostgreSQL primary"):
        parse_config(data)
    monkeypatch.setenv("JIEDAO_DATABASE_URL", "postgresql+asyncpg://app@primary/jiedao")
    monkeypatch.setenv("JIEDAO_DATABASE_REPLICA_URLS", "postgresql+asyncpg://app@replica-1/jiedao, mysql://app:secret@replica-2/jiedao")
    with pytest.raises(ConfigurationError) as refused:
        parse_config(data)
    assert "'replica-2/jiedao' is not a PostgreSQL URL" in str(refused.value) and "secret" not in str(refused.value)
    monkeypatch.setenv("JIEDAO_DATABASE_REPLICA_URLS", "postgresql+asyncpg://app@replica-1/jiedao,postgresql+asyncpg://app@replica-2/jiedao")
    monkeypatch.setenv("JIEDAO_REPLICA_MAX_LAG_SECONDS", "0")
    with pytest.raises(ConfigurationError, match="JIEDAO_REPLICA_MAX_LAG_SECONDS: '0' is not a number of seconds between 0.5 and 3600"):
        parse_config(data)
    monkeypatch.setenv("JIEDAO_REPLICA_MAX_LAG_SECONDS", "2.5")
    config = parse_config(data)
    assert (len(config.replica_urls), config.replica_max_lag_seconds) == (2, 2.5)
