"""Removing a plugin whose migrations ran: `jiedao plugins remove` drops its tables (refusing
while a street enables it or holds its data), and once its code is gone every database command
names the plugin and the two ways out instead of ending in a traceback."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from jiedao.core import migrate
from jiedao.core.testing.distributions import install_distribution
from jiedao.core.testing.fixtures import app_client

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "volunteer-service"
WITH = {"changqing": {"name": "长庆街道", "plugins": ["volunteer"]}}
WITHOUT = {"changqing": {"name": "长庆街道", "plugins": []}}


@pytest.fixture(scope="module")
def volunteer_site(tmp_path_factory) -> Path:
    return install_distribution(EXAMPLE, tmp_path_factory.mktemp("volunteer-site"))


@pytest.fixture
def cli(jiedao_cli, database_url, request, monkeypatch):
    """The CLI on this test's database; migrations run as the schema owner on PostgreSQL."""
    owner = getattr(request.node, "jiedao_owner_url", None)
    if owner:
        monkeypatch.setenv("JIEDAO_MIGRATION_DATABASE_URL", owner)
    return lambda args, **kw: jiedao_cli(args, database_url=database_url, **kw)


async def with_a_team(make_kernel, password_hash, site, request) -> None:
    """The volunteer plugin migrated and one team registered in changqing."""
    kernel = await make_kernel(streets=WITH, extra_plugin_paths=[site])
    owner_url = getattr(request.node, "jiedao_owner_url", None) or kernel.config.database_url
    await asyncio.to_thread(migrate.upgrade, kernel, "volunteer@head", owner_url)
    async with app_client(kernel, password_hash) as client:
        token = await client.token("community_worker")
        made = await client.query('mutation { createVolunteerTeam(input: {name: "春燕服务队"}) { errors { code } } }', token=token)
        assert made["createVolunteerTeam"]["errors"] == []


def uninstall(site: Path) -> None:
    """What `pip uninstall` does for discovery: the distribution is no longer on the path."""
    while str(site) in sys.path:
        sys.path.remove(str(site))
    importlib.invalidate_caches()


async def tables_of(kernel_url: str) -> set[str]:
    from jiedao.core.db import create_engine

    engine = create_engine(kernel_url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def test_remove_refuses_while_enabled_or_holding_data_then_drops_the_tables(cli, volunteer_site, make_kernel, password_hash, request, database_url):
    await with_a_team(make_kernel, password_hash, volunteer_site, request)

    enabled = await asyncio.to_thread(cli, ["plugins", "remove", "volunteer"], streets=WITH, extra_paths=[volunteer_site])
    assert enabled.exit_code == 1
    assert "changqing still enable" in enabled.output and "plugins.toml" in enabled.output

    holding = await asyncio.to_thread(cli, ["plugins", "remove", "volunteer"], streets=WITHOUT, extra_paths=[volunteer_site])
    assert holding.exit_code == 1
    assert "changqing: 1 rows" in holding.output and "--force" in holding.output
    assert "volunteer_teams" in await tables_of(database_url)  # nothing dropped

    forced = await asyncio.to_thread(cli, ["plugins", "remove", "volunteer", "--force"], streets=WITHOUT, extra_paths=[volunteer_site])
    assert forced.exit_code == 0, forced.output
    assert "volunteer_teams" in forced.output and "pip uninstall jiedao-volunteer" in forced.output
    assert "volunteer_teams" not in await tables_of(database_url)
    still_installed = await asyncio.to_thread(cli, ["db", "current"], streets=WITHOUT)
    assert "volunteer_0001  missing" in still_installed.output  # until `pip uninstall`
    uninstall(volunteer_site)
    current = await asyncio.to_thread(cli, ["db", "current"], streets=WITHOUT)
    assert current.exit_code == 0, current.output
    assert "volunteer" not in current.output


async def test_an_uninstalled_plugins_migration_is_named_with_the_two_ways_out(cli, volunteer_site, make_kernel, password_hash, request, database_url):
    await with_a_team(make_kernel, password_hash, volunteer_site, request)
    # `pip uninstall` without `plugins remove`: the code is gone, its revision stays
    for args in (["db", "current"], ["db", "upgrade"], ["db", "downgrade", "volunteer@base"]):
        result = await asyncio.to_thread(cli, args, streets=WITHOUT)
        assert result.exit_code in (1, 2), (args, result.output)
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), (args, result.exception)
        assert "migration volunteer_0001 of plugin 'volunteer'" in result.output, args
        assert "jiedao plugins remove volunteer" in result.output and "jiedao db forget volunteer" in result.output
    # the other plugins still serve from this database
    from jiedao.core.cli import _require_head

    kernel = await make_kernel(streets=WITHOUT)
    await _require_head(kernel)

    forgot = await asyncio.to_thread(cli, ["db", "forget", "volunteer"], streets=WITHOUT)
    assert forgot.exit_code == 0, forgot.output
    assert "volunteer_0001" in forgot.output
    assert "volunteer_teams" in await tables_of(database_url)  # the data stays
    current = await asyncio.to_thread(cli, ["db", "current"], streets=WITHOUT)
    assert current.exit_code == 0, current.output


async def test_forget_and_remove_refuse_the_wrong_plugin(cli, volunteer_site):
    unknown = await asyncio.to_thread(cli, ["db", "forget", "wishes"], streets=WITHOUT)
    assert unknown.exit_code == 1 and "no migration of a plugin 'wishes'" in unknown.output
    installed = await asyncio.to_thread(cli, ["db", "forget", "volunteer"], streets=WITHOUT, extra_paths=[volunteer_site])
    assert installed.exit_code == 1 and "jiedao plugins remove volunteer" in installed.output
    missing = await asyncio.to_thread(cli, ["plugins", "remove", "wishes"], streets=WITHOUT)
    assert missing.exit_code == 1 and "not installed here" in missing.output


async def test_a_database_migrated_by_a_newer_release_is_named_as_such_and_nothing_is_forgotten(cli, database_url, request):
    """A rollback of the code: core's (or an installed plugin's) unknown revision is not an orphan."""
    from jiedao.core.db import create_engine

    owner = getattr(request.node, "jiedao_owner_url", None) or database_url
    engine = create_engine(owner)
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0099_street_boundaries'), ('sensors_0099')"))
    await engine.dispose()
    current = await asyncio.to_thread(cli, ["db", "current"], streets=WITHOUT)
    assert current.exit_code == 1
    assert "0099_street_boundaries  newer than this code" in current.output and "sensors_0099  newer than this code" in current.output
    assert "a newer release migrated it" in current.output and "db forget" not in current.output
    for args in (["db", "upgrade"], ["db", "forget", "0099_street_boundaries"], ["db", "forget", "sensors"]):
        refused = await asyncio.to_thread(cli, args, streets=WITHOUT)
        assert refused.exit_code in (1, 2), (args, refused.output)
    engine = create_engine(owner)
    try:
        async with engine.connect() as connection:
            kept = set((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    finally:
        await engine.dispose()  # its pooled connection would otherwise be closed by the GC, in a later test's loop
    assert {"0099_street_boundaries", "sensors_0099"} <= kept


async def test_downgrading_an_installed_plugin_to_base_points_to_plugins_remove(cli, volunteer_site, make_kernel, password_hash, request, database_url):
    await with_a_team(make_kernel, password_hash, volunteer_site, request)
    refused = await asyncio.to_thread(cli, ["db", "downgrade", "volunteer@base"], streets=WITH, extra_paths=[volunteer_site])
    assert refused.exit_code == 2 and "jiedao plugins remove volunteer" in refused.output
    assert "volunteer_teams" in await tables_of(database_url)  # nothing dropped
