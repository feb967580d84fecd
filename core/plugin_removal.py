"""Removing a plugin from a deployment without breaking the database commands.

A plugin's migrations leave their revision in the database's version table. Once the plugin's
code is uninstalled, Alembic no longer knows that revision and every database command used to
end in a traceback. Here:

- ``unknown_revisions`` sorts applied revisions that no installed code knows: those naming a
  plugin that is not installed (a plugin's revisions are ``<plugin>_NNNN`` by convention) are
  orphans; core's or an installed plugin's mean a newer release migrated the database
  (``NewerDatabase``: nothing may be forgotten then);
- ``OrphanedRevisions`` is the one clear message naming the plugin and the two ways out:
  reinstall it and ``jiedao plugins remove NAME`` (drops its tables), or
  ``jiedao db forget NAME`` (keeps its tables, forgets its migrations);
- ``data_held`` counts a plugin's rows per street, ``remove_plugin`` downgrades its branch
  (refusing while a street enables it, or holds its data unless forced);
- ``forget_plugin`` deletes an uninstalled plugin's rows of the version table.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict

from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from jiedao.core import migrate
from jiedao.core.db import Base
from jiedao.core.kernel import Kernel
from jiedao.core.models import Street


class PluginRemovalError(Exception):
    """A plugin cannot be removed or forgotten as asked; the message says why and what to do."""


class OrphanedRevisions(PluginRemovalError):
    """The database holds migrations of plugins that are not installed."""

    def __init__(self, orphans: dict[str, list[str]]):
        self.orphans = orphans
        lines = []
        for plugin, revisions in sorted(orphans.items()):
            lines.append(
                f"The database holds migration {', '.join(revisions)} of plugin '{plugin}', which is not installed here. Either:\n"
                f"  - reinstall the plugin, then `jiedao plugins remove {plugin}` (drops its tables) before uninstalling it, or\n"
                f"  - `jiedao db forget {plugin}` (keeps its tables and data, forgets its migrations)."
            )
        super().__init__("\n".join(lines))


PLUGIN_REVISION = re.compile(r"([a-z][a-z0-9_]*?)_\d{4}")
"""A plugin's revision id: ``<plugin>_NNNN``; core's start with their number (``0009_…``)."""


def owner_of_revision(revision: str) -> str | None:
    """The plugin a revision id names (``volunteer_0001`` → ``volunteer``), None for core's."""
    match = PLUGIN_REVISION.fullmatch(revision)
    return match.group(1) if match else None


class NewerDatabase(PluginRemovalError):
    """The database holds revisions of core or of an installed plugin that this code does not
    know: a newer release migrated it (a rollback of the code). Nothing is to be forgotten."""

    def __init__(self, revisions: list[str]):
        self.revisions = revisions
        super().__init__(
            f"The database holds revision(s) {', '.join(revisions)} that this Jiedao does not know: a newer release migrated it. "
            "Run that release again, or restore the backup taken before the upgrade; do not forget or remove anything."
        )


def unknown_revisions(kernel: Kernel, applied: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Applied revisions no installed code knows: (those of uninstalled plugins, by plugin;
    those of core or of installed plugins — a database newer than the code)."""
    script = ScriptDirectory.from_config(migrate.alembic_config(kernel))
    known = {revision.revision for revision in script.walk_revisions()}
    orphans: dict[str, list[str]] = defaultdict(list)
    newer: list[str] = []
    for revision in sorted(applied - known):
        owner = owner_of_revision(revision)
        if owner is None or owner in kernel.installed:
            newer.append(revision)
        else:
            orphans[owner].append(revision)
    return dict(orphans), newer


def orphaned_revisions(kernel: Kernel, applied: set[str]) -> dict[str, list[str]]:
    """Applied revisions of plugins that are not installed, by plugin."""
    return unknown_revisions(kernel, applied)[0]


async def applied_revisions(kernel: Kernel, url: str | None = None) -> set[str]:
    """The revisions in the database's version table (none for an empty database)."""
    from jiedao.core.db import create_engine

    engine = create_engine(url or migrate.migration_url(kernel))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(migrate.current_revisions)
    finally:
        await engine.dispose()


async def check_no_orphans(kernel: Kernel, url: str | None = None) -> None:
    """Raise ``NewerDatabase`` if a newer release migrated the database, ``OrphanedRevisions``
    if it holds an uninstalled plugin's migrations."""
    orphans, newer = unknown_revisions(kernel, await applied_revisions(kernel, url))
    if newer:
        raise NewerDatabase(newer)
    if orphans:
        raise OrphanedRevisions(orphans)


def plugin_tables(kernel: Kernel, plugin: str) -> list[str]:
    """The tables ``plugin`` owns, in the kernel's metadata order."""
    owned = {table for table, owner in kernel.contributions.table_owner.items() if owner == plugin}
    return [table.name for table in Base.metadata.sorted_tables if table.name in owned]


async def data_held(kernel: Kernel, plugin: str) -> dict[str, int]:
    """Rows of ``plugin``'s tables per street slug (streets with none are left out).

    Counted street by street inside the street's own transaction, so row-level security on
    PostgreSQL lets each count see exactly that street's rows."""
    tables = [Base.metadata.tables[name] for name in plugin_tables(kernel, plugin)]
    tables = [table for table in tables if "street_id" in table.columns]
    async with kernel.db.transaction() as session:
        streets = (await session.execute(select(Street.id, Street.slug))).all()
    held: dict[str, int] = {}
    for street_id, slug in streets:
        async with kernel.db.transaction(street_id) as session:
            total = 0
            for table in tables:
                total += await session.scalar(select(func.count()).select_from(table).where(table.c.street_id == street_id)) or 0
        if total:
            held[slug] = total
    return held


async def remove_plugin(kernel: Kernel, plugin: str, *, force: bool = False, url: str | None = None) -> list[str]:
    """Downgrade ``plugin``'s migration branch to base (dropping its tables); returns them.

    Refuses while a street of the configuration enables the plugin, and, unless ``force``,
    while any street holds rows in its tables (the message gives the count per street)."""
    if plugin not in kernel.installed:
        raise PluginRemovalError(
            f"Plugin '{plugin}' is not installed here; installed: {', '.join(sorted(kernel.installed)) or 'none'}. "
            f"If its code is already gone, `jiedao db forget {plugin}` forgets its migrations."
        )
    enabling = [slug for slug, street in kernel.config.streets.items() if plugin in street.plugins]
    if enabling:
        raise PluginRemovalError(f"Street(s) {', '.join(enabling)} still enable '{plugin}' in plugins.toml; remove it from their plugins list first.")
    if plugin not in kernel.migration_paths():
        return []  # a plugin without tables: nothing to downgrade
    applied = await applied_revisions(kernel, url)
    newer = unknown_revisions(kernel, applied)[1]
    if newer:
        raise NewerDatabase(newer)
    script = ScriptDirectory.from_config(migrate.alembic_config(kernel))
    if not _branch_applied(script, applied, plugin):
        return []  # never migrated here: no tables to drop
    held = await data_held(kernel, plugin)
    if held and not force:
        counts = ", ".join(f"{slug}: {count} rows" for slug, count in sorted(held.items()))
        raise PluginRemovalError(f"Plugin '{plugin}' still holds data ({counts}); export what you need, then run again with --force to drop it.")
    tables = plugin_tables(kernel, plugin)
    await asyncio.to_thread(migrate.downgrade, kernel, f"{plugin}@base", url)
    return tables


def _known(script: ScriptDirectory) -> set[str]:
    return {revision.revision for revision in script.walk_revisions()}


def _branch_applied(script: ScriptDirectory, applied: set[str], plugin: str) -> bool:
    """Whether some applied revision lies on ``plugin``'s branch."""
    for name in applied & _known(script):
        revision = script.get_revision(name)
        while revision is not None:
            if plugin in (revision.branch_labels or ()):
                return True
            down = revision.down_revision
            revision = script.get_revision(down) if isinstance(down, str) else None
    return False


async def forget_plugin(kernel: Kernel, plugin: str, url: str | None = None) -> list[str]:
    """Delete the version-table rows of an uninstalled ``plugin``; its tables stay as they are."""
    orphans = orphaned_revisions(kernel, await applied_revisions(kernel, url)).get(plugin)
    if plugin in kernel.installed:
        raise PluginRemovalError(f"Plugin '{plugin}' is installed; `jiedao plugins remove {plugin}` drops its tables the proper way.")
    if not orphans:
        raise PluginRemovalError(f"The database holds no migration of a plugin '{plugin}'.")
    from jiedao.core.db import create_engine

    engine = create_engine(url or migrate.migration_url(kernel))
    try:
        async with engine.begin() as connection:
            for revision in orphans:
                await connection.execute(text("DELETE FROM alembic_version WHERE version_num = :revision"), {"revision": revision})
    finally:
        await engine.dispose()
    return orphans
