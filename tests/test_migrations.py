"""The models and the Alembic revisions agree, and every branch goes up and down cleanly."""

from __future__ import annotations

import asyncio
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from jiedao.core import migrate
from jiedao.core.config import parse_config
from jiedao.core.db import Base, create_engine
from jiedao.core.kernel import Kernel
from jiedao.core.testing.fixtures import OWNER_ROLE


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path) -> str:
    """An empty database URL (owner role on PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    cluster = request.getfixturevalue("postgres")
    name = f"empty_{tmp_path.name[-20:].replace('-', '_').lower()}"
    cluster.create_database(name, owner=OWNER_ROLE)
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name, user=OWNER_ROLE)


def load(url: str) -> Kernel:
    return asyncio.run(Kernel.load(parse_config({"streets": {"changqing": {"name": "长庆街道"}}}), database_url=url))


def run(url: str, *statements: str) -> list:
    """Run SQL ``statements`` in one transaction as the street of the lowest id (row-level
    security on PostgreSQL); the rows of the last that returns rows."""

    async def go():
        engine = create_engine(url)
        rows = []
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # row-level security: the street's rows
                await connection.execute(text("select set_config('app.street_id', (select coalesce(min(id), 0)::text from streets), true)"))
            for statement in statements:
                result = await connection.execute(text(statement))
                if result.returns_rows:
                    rows = [tuple(row) for row in result]
        await engine.dispose()
        return rows

    return asyncio.run(go())


def differences(kernel: Kernel, url: str) -> list:
    owned = set(kernel.contributions.table_owner)

    def include(obj, name, type_, reflected, compare_to):
        return type_ != "table" or name in owned

    async def compare():
        engine = create_engine(url)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"include_object": include, "compare_type": True}), Base.metadata)
            )
        await engine.dispose()
        return diff

    return asyncio.run(compare())


def tables(url: str) -> set[str]:
    async def names():
        engine = create_engine(url)
        async with engine.connect() as connection:
            found = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return found

    return asyncio.run(names())


def test_models_match_migrations_and_branches_go_up_and_down(empty_database):
    kernel = load(empty_database)
    migrate.upgrade(kernel)
    assert differences(kernel, empty_database) == []
    assert set(kernel.contributions.table_owner) <= tables(empty_database)
    migrate.downgrade(kernel, "base")
    assert tables(empty_database) <= {"alembic_version"}
    migrate.upgrade(kernel)
    assert differences(kernel, empty_database) == []


def test_each_plugin_branch_can_be_removed_alone(empty_database):
    kernel = load(empty_database)
    migrate.upgrade(kernel)
    for plugin in kernel.installed:
        if plugin not in kernel.contributions.migrations:
            continue
        own = {t for t, owner in kernel.contributions.table_owner.items() if owner == plugin}
        migrate.downgrade(kernel, f"{plugin}@base")
        remaining = tables(empty_database)
        assert not own & remaining and "buildings" in remaining
        migrate.upgrade(kernel)
        assert own <= tables(empty_database)


def test_db_current_reports_a_fully_upgraded_database_as_complete(jiedao_cli, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'current.db'}"
    streets = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}
    before = jiedao_cli(["db", "current"], streets=streets, database_url=url)
    assert re.search(r"^0\d{3}_\w+  missing$", before.output, re.M), before.output  # the core head
    assert before.exit_code == 1  # a script can tell an incomplete database
    assert jiedao_cli(["db", "upgrade"], streets=streets, database_url=url).exit_code == 0
    after = jiedao_cli(["db", "current"], streets=streets, database_url=url)
    assert after.exit_code == 0 and "sensors_0009  head" in after.output
    assert "missing" not in after.output
