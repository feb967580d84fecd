"""Alembic, configured in code: core revisions plus every installed plugin's branch.

On PostgreSQL every migration run also (re)applies the street isolation backstop: each
table with a NOT NULL ``street_id`` column (every street-owned table) gets row-level
security forced and a policy limiting rows to ``current_setting('app.street_id')``.
Tables whose ``street_id`` may be NULL hold cross-street identity data (role grants, the
audit log) and are filtered by the application. The application role
(``JIEDAO_DB_APP_ROLE``) is granted data access, but only insert and select on tables
declared append-only (``register.append_only``).
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from jiedao.core.kernel import Kernel

ROOT = Path(__file__).resolve().parent.parent


def migration_url(kernel: Kernel) -> str:
    """Migrations run as the schema owner: ``JIEDAO_MIGRATION_DATABASE_URL`` or the app URL."""
    return os.environ.get("JIEDAO_MIGRATION_DATABASE_URL") or kernel.config.database_url


def alembic_config(kernel: Kernel, url: str | None = None) -> Config:
    """An Alembic config whose version locations are core's and every plugin's."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in kernel.migration_paths().values()))
    config.attributes["kernel"] = kernel
    config.attributes["url"] = url or migration_url(kernel)
    return config


def upgrade(kernel: Kernel, target: str = "heads", url: str | None = None) -> None:
    """Bring core and every installed plugin to ``target`` (all heads by default)."""
    command.upgrade(alembic_config(kernel, url), target)


def downgrade(kernel: Kernel, target: str, url: str | None = None) -> None:
    """Downgrade to ``target``, e.g. ``sensors@base`` to remove one plugin's tables."""
    command.downgrade(alembic_config(kernel, url), target)


def heads(kernel: Kernel) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(kernel)).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def missing_heads(kernel: Kernel, current: set[str]) -> set[str]:
    """The heads not applied: neither in ``current`` nor below one of its revisions.

    Alembic keeps a revision a plugin branch only depends on (``0001_core``) out of the
    version table once the branch is applied, so "applied" follows ``down_revision`` and
    ``depends_on`` down from the current revisions.
    """
    script = ScriptDirectory.from_config(alembic_config(kernel))
    applied, todo = set(), list(current)
    while todo:
        name = todo.pop()
        if name in applied:
            continue
        applied.add(name)
        revision = script.get_revision(name)
        if revision is not None:
            for below in (revision.down_revision, revision.dependencies):
                todo.extend([below] if isinstance(below, str) else list(below or ()))
    return heads(kernel) - applied


def apply_street_isolation(connection: Connection, append_only: set[str] = frozenset(), app_role: str | None = None) -> list[str]:
    """Force row-level security on every street-owned table and grant the application role
    (PostgreSQL only); ``append_only`` tables get only ``INSERT`` and ``SELECT``.

    Returns the tables it covered. Idempotent; called at the end of every migration run.
    """
    if connection.dialect.name != "postgresql":
        return []
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    covered = []
    for table in sorted(existing):
        if table == "alembic_version":
            continue
        street_id = next((c for c in inspector.get_columns(table) if c["name"] == "street_id"), None)
        if street_id is not None and not street_id["nullable"]:
            connection.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
            connection.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
            connection.execute(text(f'DROP POLICY IF EXISTS street_isolation ON "{table}"'))
            connection.execute(
                text(
                    f'CREATE POLICY street_isolation ON "{table}" '
                    "USING (street_id = nullif(current_setting('app.street_id', true), '')::int)"
                )
            )
            covered.append(table)
    app_role = app_role or os.environ.get("JIEDAO_DB_APP_ROLE")
    if app_role:
        role = '"' + app_role.replace('"', "") + '"'
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
        for table in sorted(existing & set(append_only)):
            connection.execute(text(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {role}'))
        if "alembic_version" in existing:
            connection.execute(text(f"REVOKE ALL ON alembic_version FROM {role}"))
            connection.execute(text(f"GRANT SELECT ON alembic_version TO {role}"))
    return covered
