"""The kernel: configuration, installed plugins, their contributions and the database.

One ``Kernel`` is loaded per process (per test app); everything else - the ASGI app, the
CLI, background workers - is built from it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import select

from jiedao.core import builtin
from jiedao.core.config import Config, load_config, validate_against
from jiedao.core.contributions import Contributions, Register
from jiedao.core.db import Database
from jiedao.core.db_alone import refuse_autocommit
from jiedao.core.replicas import Replicas
from jiedao.core.errors import ConfigurationError, PluginError
from jiedao.core.events import EventBus, check_subscriptions
from jiedao.core.models import Street
from jiedao.core.plugins import InstalledPlugin, call_each, discover, make_plugin_manager

log = logging.getLogger("jiedao")

REGISTRATION_HOOKS = (
    "jiedao_models",
    "jiedao_migrations",
    "jiedao_permissions",
    "jiedao_schema",
    "jiedao_routes",
    "jiedao_cli",
    "jiedao_metrics",
    "jiedao_seed",
    "jiedao_events",
    "jiedao_background",
    "jiedao_notify",
)


class Kernel:
    """A loaded deployment. Create it with ``await Kernel.load()``."""

    def __init__(self, config: Config, installed: dict[str, InstalledPlugin]):
        self.config = config
        self.installed = installed
        modules: dict[str, ModuleType] = {"core": builtin}
        modules.update({name: plugin.module for name, plugin in installed.items()})
        self.pm = make_plugin_manager(modules)
        self.contributions = Contributions()
        self.db = Database(config.database_url, **({"pool_size": config.database_pool_size} if config.database_url.startswith("postgresql") else {}))
        refuse_autocommit(self.db.engine)
        self.db.session_info["kernel"] = self
        if config.replica_urls:
            self.db.replicas = Replicas(self.db, config.replica_urls, config.replica_max_lag_seconds, pool_size=config.database_pool_size)
        self.events = EventBus(self)
        self._street_ids: dict[str, int] = {}
        self._schemas = None
        self._state: dict[str, Any] = {}
        self.serve_options: dict[str, Any] = {}
        """Values of the options plugins add to ``jiedao serve`` (``register.serve_option``)."""
        self._closers: list[Callable[[], Awaitable[Any]]] = []

    @classmethod
    async def load(
        cls,
        config: Config | None = None,
        *,
        extra_plugin_paths: Iterable[str | Path] = (),
        database_url: str | None = None,
        in_tree_only: bool = False,
    ) -> Kernel:
        """Discover plugins, validate the configuration against them and collect their
        contributions. Raises ``ConfigurationError`` listing every problem.

        ``in_tree_only`` loads only the plugins of Jiedao's own distribution (the checked-in
        SDL describes those, whatever else is installed next to them)."""
        config = config or load_config(database_url=database_url)
        if database_url:
            config.database_url = database_url
        found = discover(extra_plugin_paths)
        if in_tree_only:
            found.plugins = {name: plugin for name, plugin in found.plugins.items() if plugin.distribution == "jiedao"}
        problems = list(found.problems)
        problems += validate_against(config, found.plugins)
        if problems:
            raise ConfigurationError(problems)
        kernel = cls(config, found.plugins)
        for name, plugin in found.plugins.items():
            register = Register(name, kernel.contributions)
            try:
                register.declared(plugin.info)
            except ConfigurationError:
                raise
            except Exception as error:
                raise PluginError(name, "PluginInfo", error) from error
            if plugin.migrations is not None and name not in kernel.contributions.migrations:
                register.migrations(plugin.migrations)
        for hook in REGISTRATION_HOOKS:
            await call_each(kernel.pm, hook, lambda plugin: {"register": Register(plugin, kernel.contributions)})
        check_subscriptions(kernel.contributions.events, kernel.contributions.handlers, set(found.plugins))
        kernel._state = {name: plugin.info.state(kernel) for name, plugin in found.plugins.items() if plugin.info.state is not None}
        return kernel

    def state(self, plugin: str) -> Any:
        """The runtime state of ``plugin`` (made by its ``PluginInfo.state`` at start-up)."""
        try:
            return self._state[plugin]
        except KeyError:
            raise LookupError(f"plugin '{plugin}' declares no runtime state (PluginInfo(state=...)) or is not installed") from None

    # -- streets ---------------------------------------------------------------------

    def enabled_plugins(self, street: str) -> tuple[str, ...]:
        """The plugins a street enables, in configuration order."""
        return self.config.streets[street].plugins

    def street_id(self, street: str) -> int:
        """The database id of a configured street (after ``sync_streets``)."""
        return self._street_ids[street]

    async def sync_streets(self) -> None:
        """Create or rename the street rows to match the configuration; never delete any."""
        async with self.db.transaction() as session:
            rows = {s.slug: s for s in (await session.scalars(select(Street))).all()}
            for slug, street in self.config.streets.items():
                row = rows.get(slug)
                if row is None:
                    row = Street(slug=slug, name=street.name)
                    session.add(row)
                elif row.name != street.name:
                    row.name = street.name
                rows[slug] = row
            await session.flush()
            self._street_ids = {slug: rows[slug].id for slug in self.config.streets}

    def settings(self, street: str, plugin: str):
        """The validated settings model of ``plugin`` in ``street``."""
        return self.config.streets[street].settings[plugin]

    # -- GraphQL ---------------------------------------------------------------------

    @property
    def schemas(self):
        """The schema set: the full schema and one derived schema per distinct plugin set."""
        if self._schemas is None:
            from jiedao.core.compose import SchemaSet

            self._schemas = SchemaSet.build(self)
        return self._schemas

    def migration_paths(self) -> dict[str, Path]:
        """Alembic version locations by owner ("core" first)."""
        return dict(self.contributions.migrations)

    def on_close(self, close: Callable[[], Awaitable[Any]]) -> None:
        """Have ``close()`` awaited when the kernel closes, before its database is disposed
        (e.g. the engines of the other cells that ``core.fanout`` opened)."""
        self._closers.append(close)

    async def close(self) -> None:
        """Close every plugin's runtime state and what was handed to ``on_close``, then the database."""
        for plugin, state in self._state.items():
            close = getattr(state, "close", None)
            if close is None:
                continue
            try:
                result = close()
                if hasattr(result, "__await__"):
                    await result
            except Exception:  # noqa: BLE001 - the others still close
                log.exception("plugin '%s' failed to close its state", plugin)
        closers, self._closers = self._closers, []
        for close in closers:
            try:
                await close()
            except Exception:  # noqa: BLE001 - the others still close
                log.exception("closing %r failed", close)
        await self.db.dispose()


def describe_problems(error: ConfigurationError) -> str:
    """The start-up message for a configuration that cannot run."""
    return "Jiedao cannot start:\n" + str(error)
