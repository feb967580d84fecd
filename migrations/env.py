"""Alembic environment: one for core and every plugin branch; run through core.migrate."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from jiedao.core.db import Base, create_engine
from jiedao.core.migrate import apply_street_isolation

config = context.config
target_metadata = Base.metadata


def _owned_tables() -> set[str]:
    """Tables of the loaded kernel's plugins (other imported models are not compared)."""
    return set(config.attributes["kernel"].contributions.table_owner)


def _include(obj, name, type_, reflected, compare_to) -> bool:
    return type_ != "table" or name in _owned_tables()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        apply_street_isolation(connection, config.attributes["kernel"].contributions.append_only)


async def _run_online(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run() -> None:
    url = config.attributes["url"]
    if context.is_offline_mode():
        context.configure(url=url.replace("+asyncpg", "").replace("+aiosqlite", ""), target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url))


run()
