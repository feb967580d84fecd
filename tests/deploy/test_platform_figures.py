"""``platformFigures``: a platform administrator's figures across every cell, as a GraphQL view.

In-process app (httpx ASGI transport) on the test's database as the default cell; on
PostgreSQL a second cluster (``second_postgres``) holds the cell ``east``. Checked: only the
platform_admin role reads it; both cells' streets and figures equal what was seeded (and what
``jiedao clusters figures`` prints); a cell that is refused, silent or unconfigured is reported
with its problem (in Chinese too) while the other answers and alone makes the totals; the pools
on the other cell stay small and close with the kernel; on SQLite the one served cell answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

import pytest
from sqlalchemy import text

from jiedao.core import fanout
from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.core.testing.fixtures import APP_ROLE, OWNER_ROLE, _migrate, app_client
from jiedao.core.testing.services import free_port
from tests.deploy.test_deploy_topology import JIEDAO

FIGURES = """{ platformFigures {
  cells { name answered problem streets { slug name started figures { key value label } } }
  totals { key value label }
} }"""
DEVICES = "sensors.devices.by_status"
INSERT_DEVICE = (
    "insert into sensor_devices (street_id, device_id, kind, name, status, latest, pending) "
    "select id, '{device}', 'ELECTRIC_MONITOR', '', 'UNKNOWN', '{{}}', '{{}}' from streets where slug = '{street}'"
)
CELLS = {
    "changqing": {"name": "长庆街道", "plugins": ["sensors", "dashboard"]},
    "xihu": {"name": "西湖街道", "database": "east", "plugins": ["sensors", "dashboard"]},
    "lingyin": {"name": "灵隐街道", "database": "east", "plugins": []},
}
ONE_CELL = {"changqing": {"name": "长庆街道", "plugins": ["sensors", "dashboard"]}, "gongchen": {"name": "拱宸桥街道", "plugins": []}}


@pytest.fixture(scope="module")
def east(second_postgres):
    """The cell ``east``: a migrated database on the second cluster holding xihu (three devices,
    one retired) but not lingyin (never started there)."""
    name = f"platform_east_{os.getpid()}"
    second_postgres.create_database(name, owner=OWNER_ROLE)
    try:
        _migrate(second_postgres.url(name, user=OWNER_ROLE))
        second_postgres.execute("insert into streets (slug, name) values ('xihu', '西湖街道')", name)
        for device in ("EM-1", "EM-2", "EM-3"):
            second_postgres.execute(INSERT_DEVICE.format(device=device, street="xihu"), name)
        second_postgres.execute("update sensor_devices set status = 'RETIRED' where device_id = 'EM-3'", name)
        yield {"url": second_postgres.url(name, user=APP_ROLE), "database": name, "server": second_postgres}
    finally:
        second_postgres.drop_database(name)


async def _seed_devices(kernel, street: str, count: int) -> None:
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        for number in range(count):
            await session.execute(text(INSERT_DEVICE.format(device=f"D-{number}", street=street)))


def _figures(figures: list[dict]) -> dict[str, float]:
    return {f["key"]: f["value"] for f in figures}


def _cells(answer: dict) -> dict[str, dict]:
    return {cell["name"]: cell for cell in answer["platformFigures"]["cells"]}


@pytest.fixture
def cells_env(monkeypatch, east):
    """This process serves the default cell; east's application URL is in the environment."""
    monkeypatch.delenv("JIEDAO_CLUSTER", raising=False)
    monkeypatch.setenv("JIEDAO_DATABASE_URL_EAST", east["url"])
    return east


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_platform_admin_sees_both_cells_their_streets_and_totals_equal_to_the_command(make_kernel, password_hash, cells_env, database_url, tmp_path):
    kernel = await make_kernel(streets=CELLS)
    await _seed_devices(kernel, "changqing", 2)
    async with app_client(kernel, password_hash) as client:
        admin = await client.token("platform_admin", street=None)
        answer = await client.query(FIGURES, token=admin)
        again = await client.query(FIGURES, token=admin, street="changqing")

    cells = _cells(answer)
    assert list(cells) == ["default", "east"]
    assert all(cell["answered"] and cell["problem"] is None for cell in cells.values())
    default, east = ({s["slug"]: s for s in cells[name]["streets"]} for name in ("default", "east"))
    assert list(default) == ["changqing"] and list(east) == ["xihu", "lingyin"]
    assert (east["xihu"]["name"], east["xihu"]["started"], east["lingyin"]["started"], east["lingyin"]["figures"]) == ("西湖街道", True, False, [])
    assert _figures(default["changqing"]["figures"])[DEVICES] == 2
    assert _figures(east["xihu"]["figures"])[DEVICES] == 2  # the retired one is not in service
    assert {"core.work.overdue", "sensors.alarms.open"} <= set(_figures(east["xihu"]["figures"]))
    labels = {f["key"]: f["label"] for f in answer["platformFigures"]["totals"]}
    assert labels[DEVICES] == "Devices by status"
    totals = _figures(answer["platformFigures"]["totals"])
    assert totals[DEVICES] == 4 and totals["sensors.alarms.open"] == 0
    assert again == answer

    config = tmp_path / "plugins.toml"
    config.write_text("".join(f'[streets.{slug}]\nname = "{s["name"]}"\ndatabase = "{s.get("database", "default")}"\nplugins = {json.dumps(s["plugins"])}\n\n'
                              for slug, s in CELLS.items()), encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("JIEDAO_") or k == "JIEDAO_PG_BIN"},
           "JIEDAO_CONFIG": str(config), "JIEDAO_DATABASE_URL": database_url, "JIEDAO_DATABASE_URL_EAST": cells_env["url"]}
    printed = await asyncio.to_thread(subprocess.run, [JIEDAO, "clusters", "figures", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0, printed.stderr
    command = json.loads(printed.stdout)
    assert command["total"] == totals
    assert command["clusters"] == {name: {s["slug"]: _figures(s["figures"]) for s in cell["streets"]} for name, cell in cells.items()}


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_the_pools_on_the_other_cell_stay_small_and_close_with_the_kernel(database_url, password_hash, cells_env):
    kernel = await Kernel.load(parse_config({"streets": CELLS}, database_url=database_url))
    await kernel.sync_streets()
    connected = f"select count(*) from pg_stat_activity where datname = '{cells_env['database']}' and usename = '{APP_ROLE}'"
    async with app_client(kernel, password_hash) as client:
        admin = await client.token("platform_admin", street=None)
        for _ in range(3):
            await asyncio.gather(client.query(FIGURES, token=admin), client.query(FIGURES, token=admin))
            assert 1 <= int(cells_env["server"].execute(connected)) <= 2
    await kernel.close()
    assert cells_env["server"].execute(connected) == "0"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_street_admins_residents_and_anonymous_callers_are_refused(make_kernel, password_hash, cells_env):
    kernel = await make_kernel(streets=CELLS)
    async with app_client(kernel, password_hash) as client:
        for role in ("street_admin", "resident"):
            errors = await client.errors(FIGURES, token=await client.token(role))
            assert errors[0]["extensions"]["code"] == "FORBIDDEN" and errors[0]["path"] == ["platformFigures"]
            assert errors[0]["message"] == "Only the role 'platform_admin' may read this."
        refused = await client.errors(FIGURES, token=await client.token("street_admin"), language="zh-CN")
        assert refused[0]["message"] == "只有角色“platform_admin”可以读取此项。"
        anonymous = await client.errors(FIGURES)
        assert anonymous[0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_cell_that_refuses_or_is_unset_is_reported_and_the_totals_come_from_the_other(make_kernel, password_hash, cells_env, monkeypatch):
    kernel = await make_kernel(streets=CELLS)
    await _seed_devices(kernel, "changqing", 3)
    stopped = cells_env["url"].replace(f":{cells_env['server'].port}/", f":{free_port()}/")
    monkeypatch.setenv("JIEDAO_DATABASE_URL_EAST", stopped)
    async with app_client(kernel, password_hash) as client:
        admin = await client.token("platform_admin", street=None)
        answer = await client.query(FIGURES, token=admin)
        chinese = await client.query(FIGURES, token=admin, language="zh-CN")
        monkeypatch.delenv("JIEDAO_DATABASE_URL_EAST")
        unset = await client.query(FIGURES, token=admin)
        unset_zh = await client.query(FIGURES, token=admin, language="zh-CN")

    cells = _cells(answer)
    assert cells["default"]["answered"] and not cells["east"]["answered"] and cells["east"]["streets"] == []
    assert cells["east"]["problem"].startswith("The cell's database could not be read: ")
    assert _cells(chinese)["east"]["problem"].startswith("无法读取该分区的数据库：")
    assert _figures(answer["platformFigures"]["totals"]) == _figures(cells["default"]["streets"][0]["figures"])
    assert _figures(answer["platformFigures"]["totals"])[DEVICES] == 3
    assert {f["key"]: f["label"] for f in chinese["platformFigures"]["totals"]}[DEVICES] == "设备在线状态"
    assert _cells(unset)["east"]["problem"] == "JIEDAO_DATABASE_URL_EAST is not set in this process: set it to the cell's application URL."
    assert _cells(unset_zh)["east"]["problem"] == "本进程未设置 JIEDAO_DATABASE_URL_EAST：请将其设为该分区数据库的应用连接地址。"
    assert _figures(unset["platformFigures"]["totals"])[DEVICES] == 3


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_cell_that_accepts_but_never_answers_is_reported_after_its_timeout(make_kernel, cells_env, monkeypatch):
    async def silent(reader, writer):
        await reader.read()  # never says a word; closed by the client giving up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("JIEDAO_DATABASE_URL_EAST", cells_env["url"].replace(f":{cells_env['server'].port}/", f":{port}/"))
    kernel = await make_kernel(streets=CELLS)
    try:
        started = asyncio.get_running_loop().time()
        cells = await fanout.read_cells(kernel, timeout=0.5)
        assert asyncio.get_running_loop().time() - started < 5
    finally:
        server.close()
    assert [(c.name, c.answered) for c in cells] == [("default", True), ("east", False)]
    assert str(cells[1].problem) == "The cell did not answer within 0.5 seconds."


async def test_on_one_cell_the_served_cell_answers_alone(make_kernel, password_hash, monkeypatch):
    """SQLite and PostgreSQL: every street on the default cell, read through the kernel's own database."""
    monkeypatch.delenv("JIEDAO_CLUSTER", raising=False)
    kernel = await make_kernel(streets=ONE_CELL)
    await _seed_devices(kernel, "changqing", 2)
    async with app_client(kernel, password_hash) as client:
        answer = await client.query(FIGURES, token=await client.token("platform_admin", street=None), language="zh-CN")
        refused = await client.errors(FIGURES, token=await client.token("street_admin", street="gongchen"), street="gongchen")
    cells = answer["platformFigures"]["cells"]
    assert [(c["name"], c["answered"], c["problem"]) for c in cells] == [("default", True, None)]
    assert [(s["slug"], s["name"], s["started"]) for s in cells[0]["streets"]] == [("changqing", "长庆街道", True), ("gongchen", "拱宸桥街道", True)]
    gongchen = _figures(cells[0]["streets"][1]["figures"])
    assert DEVICES not in gongchen and "core.work.overdue" in gongchen  # only the core's and its own plugins' figures
    totals = {f["key"]: (f["value"], f["label"]) for f in answer["platformFigures"]["totals"]}
    assert totals[DEVICES] == (2, "设备在线状态")
    assert refused[0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_figures_beside_a_field_holding_the_requests_connection_wait_for_no_second_one(make_kernel, password_hash, monkeypatch):
    """The served cell is read through a small pool of its own: a request whose other field
    holds the one connection of the process's pool still gets its figures (it used to wait for
    a second connection from the same pool until the fan-out gave up)."""
    monkeypatch.delenv("JIEDAO_CLUSTER", raising=False)
    monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", "1")
    kernel = await make_kernel(streets=ONE_CELL)
    await _seed_devices(kernel, "changqing", 2)
    document = "{ me { username roles grids { name } organisations { role } } street { name } platformFigures { cells { name answered problem } totals { key value } } }"
    async with app_client(kernel, password_hash) as client:
        answer = await client.query(document, token=await client.token("platform_admin", street=None))
    assert answer["platformFigures"]["cells"] == [{"name": "default", "answered": True, "problem": None}]
    assert _figures(answer["platformFigures"]["totals"])[DEVICES] == 2
