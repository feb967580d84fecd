"""Cells: streets spread over two PostgreSQL clusters on one machine (two ``postgres`` processes).

changqing is on the default cluster (``JIEDAO_DATABASE_URL``), xihu on ``east``
(``JIEDAO_DATABASE_URL_EAST``). Real processes: one ``jiedao serve --no-background`` and one
ingester per cell, Mosquitto, nginx on deploy/nginx/jiedao-cells.conf.template with the map
``jiedao clusters nginx-map`` writes. Checked: one command migrates both clusters and a cluster
behind is reported; requests reach their street's cell through the proxy (an unknown street is
nginx's 404, a street of the other cell is not served, a token of one cell is refused by the
other); each reading lands only in its cell's database; the platform figures fan out and sum;
a street on a cluster whose URL variable is unset stops start-up naming both.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

import aiomqtt
import httpx
import pytest

from jiedao.core.config import parse_config
from jiedao.core.errors import ConfigurationError
from jiedao.core.testing.fixtures import APP_ROLE, OWNER_ROLE
from jiedao.core.testing.services import MosquittoBroker, free_port, mosquitto_available, require_service
from tests.deploy.test_deploy_topology import DEPLOY, JIEDAO, Processes, answers, nginx_binary, render_template, start_nginx, until

pytestmark = pytest.mark.mqtt

STREETS = """
[streets.changqing]
name = "长庆街道"
plugins = ["sensors", "dashboard"]

[streets.xihu]
name = "西湖街道"
database = "east"
plugins = ["sensors", "dashboard"]
"""
PASSWORD = "cells-test-password-1"
LOGIN = 'mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token errors { code message } } }'
ALARMS = "{ alarms { totalCount } }"
INSERT_DEVICE = (
    "insert into sensor_devices (street_id, device_id, kind, name, status, latest, pending) "
    "select id, '{device}', 'ELECTRIC_MONITOR', '', 'UNKNOWN', '{{}}', '{{}}' from streets where slug = '{street}'"
)


# -- configuration (no processes) --------------------------------------------------------------


def test_a_street_on_a_cluster_whose_url_variable_is_unset_stops_start_up_naming_the_street_and_the_variable(monkeypatch):
    monkeypatch.setenv("JIEDAO_CLUSTER", "east")
    monkeypatch.delenv("JIEDAO_DATABASE_URL_EAST", raising=False)
    with pytest.raises(ConfigurationError) as refused:
        parse_config(_toml())
    message = str(refused.value)
    assert "'xihu'" in message and "JIEDAO_DATABASE_URL_EAST" in message and "database = \"east\"" in message


def test_a_process_of_a_cluster_loads_only_that_clusters_streets_and_its_url(monkeypatch):
    monkeypatch.setenv("JIEDAO_CLUSTER", "east")
    monkeypatch.setenv("JIEDAO_DATABASE_URL_EAST", "postgresql+asyncpg://app@east/jiedao")
    config = parse_config(_toml())
    assert (config.cluster, list(config.streets), config.database_url) == ("east", ["xihu"], "postgresql+asyncpg://app@east/jiedao")
    assert config.clusters() == {"default": ["changqing"], "east": ["xihu"]}
    monkeypatch.delenv("JIEDAO_CLUSTER")
    monkeypatch.setenv("JIEDAO_DATABASE_URL", "postgresql+asyncpg://app@default/jiedao")
    config = parse_config(_toml())
    assert (config.cluster, list(config.streets), config.database_url) == ("default", ["changqing"], "postgresql+asyncpg://app@default/jiedao")
    assert list(config.all_streets) == ["changqing", "xihu"]


def test_a_bad_database_name_and_a_cluster_without_streets_are_refused_by_name(monkeypatch):
    data = _toml()
    data["streets"]["xihu"]["database"] = "East Side"
    with pytest.raises(ConfigurationError, match="street 'xihu': database must name a PostgreSQL cluster"):
        parse_config(data)
    monkeypatch.setenv("JIEDAO_CLUSTER", "west")
    with pytest.raises(ConfigurationError, match="JIEDAO_CLUSTER=west: no street of plugins.toml is on that database"):
        parse_config(_toml())


def test_next_to_named_clusters_the_default_cluster_needs_its_url_too(monkeypatch):
    """Without it the default cell would silently be a local SQLite file, looking migrated and served."""
    monkeypatch.delenv("JIEDAO_CLUSTER", raising=False)
    monkeypatch.delenv("JIEDAO_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError) as refused:
        parse_config(_toml())
    assert "'changqing'" in str(refused.value) and "JIEDAO_DATABASE_URL " in str(refused.value)


def test_with_every_street_on_a_named_cluster_a_process_must_choose_its_cell(tmp_path):
    """Serving commands are refused, naming the clusters; commands across cells still run."""
    config = tmp_path / "plugins.toml"
    config.write_text(STREETS.replace('plugins = ["sensors", "dashboard"]\n', 'database = "west"\nplugins = ["sensors", "dashboard"]\n', 1), encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("JIEDAO_")}, "JIEDAO_CONFIG": str(config),
           "JIEDAO_DATABASE_URL_EAST": "postgresql+asyncpg://app@127.0.0.1:9/east", "JIEDAO_DATABASE_URL_WEST": "postgresql+asyncpg://app@127.0.0.1:9/west"}
    refused = subprocess.run([JIEDAO, "work", "escalate"], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "choose the cell this process serves" in refused.stderr and "east, west" in refused.stderr
    replicas = {"JIEDAO_DATABASE_REPLICA_URLS_WEST": "postgresql+asyncpg://app@127.0.0.1:9/west, postgresql+asyncpg://app@127.0.0.1:10/west"}
    listed = subprocess.run([JIEDAO, "clusters", "list"], env={**env, **replicas}, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "east" in listed.stdout and "replicas: 2 (JIEDAO_DATABASE_REPLICA_URLS_WEST)" in listed.stdout


def test_the_nginx_map_refuses_an_upstream_that_is_not_an_address_and_a_cell_left_out(tmp_path):
    config = tmp_path / "plugins.toml"
    config.write_text(STREETS, encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("JIEDAO_")}, "JIEDAO_CONFIG": str(config),
           "JIEDAO_DATABASE_URL": "postgresql+asyncpg://app@127.0.0.1:9/default", "JIEDAO_DATABASE_URL_EAST": "postgresql+asyncpg://app@127.0.0.1:9/east"}
    for upstreams, expected in (
        (["--upstream=east=10.0.0.2:8000; return 200", "--upstream=default=10.0.0.1:8000"], "is not HOST:PORT"),
        (["--upstream=east=10.0.0.2:8000\nlocation /x {}", "--upstream=default=10.0.0.1:8000"], "is not HOST:PORT"),
        (["--upstream=east=10.0.0.2:8000"], "no API processes given for cluster(s) default"),
    ):
        refused = subprocess.run([JIEDAO, "clusters", "nginx-map", *upstreams], env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and expected in refused.stderr, refused.stderr
    written = subprocess.run([JIEDAO, "clusters", "nginx-map", "--upstream=east=[::1]:8000", "--upstream=default=api-1:8000,api-2:8000"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert written.returncode == 0, written.stderr
    assert "server [::1]:8000;" in written.stdout and "server api-2:8000;" in written.stdout


def test_the_nginx_map_routes_each_street_path_to_its_cell_and_leaves_literal_paths_alone():
    from jiedao.core.nginx_map import nginx_map

    text = nginx_map({"default": ["changqing", "default"], "east": ["xihu"]},
                     ["/graphql/{street}", "/cockpit/{street}", "/cockpit/static/plotly.min.js", "/healthz"], {"east": ["10.0.0.2:8000"]})
    assert "    xihu jiedao_cell_east;" in text and "    changqing jiedao_cell_default;" in text
    assert "    \\default jiedao_cell_default;" in text  # a street named like nginx's keyword
    assert '"/cockpit/static/plotly.min.js" "";' in text and "(?:graphql|cockpit)" in text
    assert "upstream jiedao_cell_east {" in text and "server 10.0.0.2:8000;" in text and "upstream jiedao_cell_default" not in text


def _toml() -> dict:
    import tomllib

    return tomllib.loads(STREETS)


# -- two clusters, real processes ---------------------------------------------------------------


class Cells(Processes):
    """``Processes`` whose commands may read standard input and may fail (their result is returned)."""

    def call(self, *argv: str, extra: dict[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([JIEDAO, *argv], env={**self.env, **(extra or {})}, input=input, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def cells(postgres, second_postgres, tmp_path_factory):
    """Two cells: their databases, migrated by one command, an admin and a device each, one API
    process and one ingester each, Mosquitto, and nginx routing by street."""
    require_service(mosquitto_available())
    require_service(None if nginx_binary() else "nginx not found (apt-get install nginx-light)")
    tmp_path = tmp_path_factory.mktemp("cells")
    database = f"cells_{os.getpid()}"
    postgres.create_database(database, owner=OWNER_ROLE)
    second_postgres.create_database(database, owner=OWNER_ROLE)
    (tmp_path / "plugins.toml").write_text(STREETS, encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("JIEDAO_") or k in ("JIEDAO_PG_BIN", "JIEDAO_MOSQUITTO_BIN")},
        "JIEDAO_CONFIG": str(tmp_path / "plugins.toml"),
        "JIEDAO_DATABASE_URL": postgres.url(database, user=APP_ROLE),
        "JIEDAO_MIGRATION_DATABASE_URL": postgres.url(database, user=OWNER_ROLE),
        "JIEDAO_DATABASE_URL_EAST": second_postgres.url(database, user=APP_ROLE),
        "JIEDAO_MIGRATION_DATABASE_URL_EAST": second_postgres.url(database, user=OWNER_ROLE),
        "JIEDAO_DB_APP_ROLE": APP_ROLE,
        "JIEDAO_TRUSTED_PROXIES": "127.0.0.1",
    }
    processes = Cells(tmp_path, env)
    broker = MosquittoBroker()
    try:
        migrated = processes.run("db", "upgrade")
        for cell, user, street in ((None, "a-admin", "changqing"), ("east", "b-admin", "xihu")):
            chosen = ["--cluster", cell] if cell else []
            created = processes.call(*chosen, "users", "create", user, "--street", street, "--role", "street_admin", "--password-stdin", input=PASSWORD + "\n")
            assert created.returncode == 0, created.stderr
        postgres.execute(INSERT_DEVICE.format(device="EM-1", street="changqing"), database)
        second_postgres.execute(INSERT_DEVICE.format(device="EM-1", street="xihu"), database)

        broker.start()
        mqtt = {"JIEDAO_MQTT_URL": broker.url}
        ports = {"default": free_port(), "east": free_port()}
        serve = {"default": [JIEDAO, "--cluster", "default", "serve"], "east": [JIEDAO, "serve", "--cluster", "east"]}  # both spellings
        apis = {cell: processes.start(f"api-{cell}", [*serve[cell], "--host", "127.0.0.1", "--port", str(port), "--no-background"], mqtt)
                for cell, port in ports.items()}
        ingesters = {
            "default": processes.start("ingest-default", [JIEDAO, "sensors", "ingest", "--shared-group", "jiedao-default", "--client-id", "ingest-default"], mqtt),
            "east": processes.start("ingest-east", [JIEDAO, "sensors", "ingest", "--shared-group", "jiedao-east", "--client-id", "ingest-east"],
                                    {**mqtt, "JIEDAO_CLUSTER": "east"}),
        }

        cells_file = tmp_path / "cells.conf"
        cells_file.write_text(processes.run("clusters", "nginx-map", *(f"--upstream={cell}=127.0.0.1:{port}" for cell, port in ports.items())))
        proxy_port = free_port()
        template = (DEPLOY / "nginx" / "jiedao-cells.conf.template").read_text()
        (tmp_path / "jiedao.conf").write_text(render_template(template, {"JIEDAO_LISTEN": f"127.0.0.1:{proxy_port}", "JIEDAO_CELLS_FILE": str(cells_file)}))
        nginx = start_nginx(processes, tmp_path)
        for cell, port in ports.items():
            until(lambda: processes.alive(apis[cell]) and answers(f"http://127.0.0.1:{port}/readyz"), f"API process of cell {cell}")
        until(lambda: processes.alive(nginx) and answers(f"http://127.0.0.1:{proxy_port}/healthz"), "nginx")
        yield {
            "proxy": f"127.0.0.1:{proxy_port}", "apis": {cell: f"127.0.0.1:{port}" for cell, port in ports.items()}, "broker": broker,
            "processes": processes, "ingesters": ingesters, "migrated": migrated, "database": database,
            "servers": {"default": postgres, "east": second_postgres},
        }
    finally:
        processes.stop()
        broker.stop()
        postgres.drop_database(database)
        second_postgres.drop_database(database)


def _post(host: str, street: str, query: str, variables: dict | None = None, token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"http://{host}/graphql/{street}", json={"query": query, "variables": variables or {}}, headers=headers, timeout=30)


def _login(host: str, street: str, user: str) -> dict:
    response = _post(host, street, LOGIN, {"u": user, "p": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["data"]["login"]


def _sql(cells, cell: str, sql: str) -> str:
    return cells["servers"][cell].execute(sql, cells["database"])


def test_one_command_migrates_both_clusters_and_a_cluster_behind_is_reported(cells, second_postgres):
    assert "cluster default: upgraded to heads" in cells["migrated"] and "cluster east: upgraded to heads" in cells["migrated"]
    status = cells["processes"].call("clusters", "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == ["cluster default: at head", "cluster east: at head"]

    empty = f"{cells['database']}_behind"
    second_postgres.create_database(empty, owner=OWNER_ROLE)
    try:
        behind = cells["processes"].call("clusters", "status", extra={"JIEDAO_DATABASE_URL_EAST": second_postgres.url(empty, user=APP_ROLE)})
        assert behind.returncode == 1
        assert "cluster default: at head" in behind.stdout
        assert "cluster east: behind (" in behind.stdout and "run 'jiedao clusters migrate --cluster east'" in behind.stdout
    finally:
        second_postgres.drop_database(empty)


def test_a_cluster_whose_url_variable_is_unset_stops_the_migration_command_naming_the_street_and_the_variable(cells):
    refused = cells["processes"].call("db", "upgrade", extra={"JIEDAO_DATABASE_URL_EAST": ""})
    assert refused.returncode == 2
    assert "street 'xihu' is on database 'east'" in refused.stderr and "JIEDAO_DATABASE_URL_EAST is not set" in refused.stderr
    served = cells["processes"].call("--cluster", "east", "streets", "list", extra={"JIEDAO_DATABASE_URL_EAST": ""})
    assert served.returncode == 2 and "JIEDAO_DATABASE_URL_EAST" in served.stderr and "'xihu'" in served.stderr


def test_requests_reach_their_streets_cell_through_the_proxy_and_cells_do_not_share_streets_or_tokens(cells):
    proxy, apis = cells["proxy"], cells["apis"]
    token_a = _login(proxy, "changqing", "a-admin")["token"]
    token_b = _login(proxy, "xihu", "b-admin")["token"]
    assert token_a and token_b
    for street, token in (("changqing", token_a), ("xihu", token_b)):
        answer = _post(proxy, street, ALARMS, token=token).json()
        assert answer.get("errors") is None and answer["data"]["alarms"]["totalCount"] == 0

    # a street of no cell: nginx answers, no Jiedao process sees the request
    unknown = _post(proxy, "nowhere", ALARMS, token=token_a)
    assert unknown.status_code == 404 and "nginx" in unknown.text
    # a process of cell A does not serve (read or write) cell B's street
    for street, host in (("xihu", apis["default"]), ("changqing", apis["east"])):
        refused = _post(host, street, ALARMS, token=token_a)
        assert refused.status_code == 404 and refused.json()["errors"][0]["extensions"]["code"] == "UNKNOWN_STREET"
    # a token (and an account) of cell A mean nothing in cell B
    foreign = _post(proxy, "xihu", ALARMS, token=token_a)
    assert foreign.status_code == 401 and foreign.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", foreign.text
    assert not _login(proxy, "xihu", "a-admin")["token"]
    assert _sql(cells, "default", "select count(*) from users where username = 'b-admin'") == "0"
    assert _sql(cells, "default", "select count(*) from streets where slug = 'xihu'") == "0"
    assert _sql(cells, "east", "select count(*) from streets where slug = 'changqing'") == "0"


async def _publish_until_stored(cells, cell: str, street: str) -> None:
    broker = cells["broker"]
    deadline = time.monotonic() + 90
    async with aiomqtt.Client(broker.host, broker.port, identifier=f"test-device-{street}") as client:
        while _sql(cells, cell, "select count(*) from sensor_readings") == "0":
            assert time.monotonic() < deadline, f"no reading of {street} reached cell {cell}"
            await client.publish(f"jiedao/{street}/devices/EM-1/telemetry", json.dumps({"residual_current": 12}).encode(), qos=1)
            await asyncio.sleep(0.5)  # the ingester's subscription registers asynchronously: publish again until stored


async def test_each_reading_lands_only_in_its_cells_database(cells):
    await _publish_until_stored(cells, "default", "changqing")
    await _publish_until_stored(cells, "east", "xihu")
    for cell, own in (("default", "changqing"), ("east", "xihu")):
        other = "xihu" if own == "changqing" else "changqing"
        stored = _sql(cells, cell, "select distinct s.slug from sensor_readings r join streets s on s.id = r.street_id")
        assert stored.splitlines() == [own]
        assert _sql(cells, cell, f"select count(*) from sensor_quarantine q join streets s on s.id = q.street_id where s.slug = '{other}'") == "0"
    logs = {cell: process.log_path.read_text() for cell, process in cells["ingesters"].items()}
    assert "$share/jiedao-default/jiedao/changqing/devices/+/+" in logs["default"] and "xihu" not in logs["default"]
    assert "$share/jiedao-east/jiedao/xihu/devices/+/+" in logs["east"] and "changqing" not in logs["east"]
    for process in cells["ingesters"].values():
        assert cells["processes"].alive(process)


def test_the_platform_figures_fan_out_over_both_clusters_and_equal_the_sum_of_each(cells):
    result = cells["processes"].call("clusters", "figures", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    per_cell = {  # counted here as the superuser, straight from each cluster's tables
        cell: {
            "sensors.devices.by_status": int(_sql(cells, cell, "select count(*) from sensor_devices where status <> 'RETIRED'")),
            "sensors.alarms.open": int(_sql(cells, cell, "select count(*) from sensor_alarms where status <> 'CLEARED'")),
        }
        for cell in ("default", "east")
    }
    for cell, street in (("default", "changqing"), ("east", "xihu")):
        shown = figures["clusters"][cell][street]
        assert {key: shown[key] for key in per_cell[cell]} == per_cell[cell]
        assert "core.work.overdue" in shown  # the core's current-state metrics too
    for key in ("sensors.devices.by_status", "sensors.alarms.open", "core.work.overdue"):
        assert figures["total"][key] == figures["clusters"]["default"]["changqing"][key] + figures["clusters"]["east"]["xihu"][key]
    assert figures["total"]["sensors.devices.by_status"] == 2


def test_streets_list_shows_each_streets_cluster_and_served_only_this_cells(cells):
    every = cells["processes"].run("streets", "list")
    assert [line.split()[:4] for line in every.splitlines()] == [["changqing", "长庆街道", "cluster:", "default"], ["xihu", "西湖街道", "cluster:", "east"]]
    served = cells["processes"].run("--cluster", "east", "streets", "list", "--served")
    assert [line.split()[0] for line in served.splitlines()] == ["xihu"]
    listed = cells["processes"].run("clusters", "list")
    assert "default      JIEDAO_DATABASE_URL (set)  replicas: 0 (JIEDAO_DATABASE_REPLICA_URLS)  streets: changqing" in listed
    assert "east         JIEDAO_DATABASE_URL_EAST (set)  replicas: 0 (JIEDAO_DATABASE_REPLICA_URLS_EAST)  streets: xihu" in listed
