"""Helpers for a plugin's Alembic revisions, and the schema owner's connection."""

from __future__ import annotations

from contextlib import asynccontextmanager as _asynccontextmanager

from jiedao.core import migration_ops

__all__ = [
    "migration_ops",
    "owner_database",
]


@_asynccontextmanager
async def owner_database(kernel):
    """A ``Database`` connected as the schema owner (``JIEDAO_MIGRATION_DATABASE_URL``, else
    the application's URL, then ``kernel.db`` itself), for schema work at run time such as a
    plugin's partition maintenance; disposed of on leaving unless it is ``kernel.db``."""
    from jiedao.core.db import Database
    from jiedao.core.migrate import migration_url

    url = migration_url(kernel)
    if url == kernel.db.url:
        yield kernel.db
        return
    owner = Database(url)
    try:
        yield owner
    finally:
        await owner.dispose()
