"""Helpers for a plugin's Alembic revisions, and the schema owner's connection."""

from __future__ import annotations

from jiedao.core import migration_ops

__all__ = [
    "migration_ops",
    "owner_database",
]


def owner_database(kernel):
    """A ``Database`` connected as the schema owner (``JIEDAO_MIGRATION_DATABASE_URL``, else
    the application's URL, then ``kernel.db`` itself), for schema work at run time such as a
    plugin's partition maintenance. The caller disposes of it unless it is ``kernel.db``."""
    from jiedao.core.db import Database
    from jiedao.core.migrate import migration_url

    url = migration_url(kernel)
    return kernel.db if url == kernel.db.url else Database(url)
