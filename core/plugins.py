"""Plugin metadata, discovery through entry points, and calling hooks plugin by plugin."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from pydantic import BaseModel

from jiedao.core import hookspecs
from jiedao.core.errors import ConfigurationError, PluginError

ENTRY_POINT_GROUP = "jiedao.plugins"


class NoSettings(BaseModel):
    """Settings model of a plugin that accepts none."""

    model_config = {"extra": "forbid"}


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin declares about itself, as ``PLUGIN`` in its entry-point module."""

    name: str
    version: str
    title: str
    settings: type[BaseModel] = NoSettings
    requires: tuple[str, ...] = ()
    description: str = ""
    jiedao: str = ""
    """The Jiedao versions the plugin supports, as a version specifier (e.g. ``">=0.1,<0.2"``)."""
    permissions: Mapping[str, str] = field(default_factory=dict)
    """The permissions the plugin defines: name (``"<plugin>.<thing>.<verb>"``) -> description."""
    grants: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """The roles holding some of them by default: role -> permission names."""
    events: tuple[type, ...] = ()
    """The domain events the plugin publishes (``core.events.DomainEvent`` dataclasses)."""
    models: tuple[type, ...] = ()
    """The SQLAlchemy models the plugin owns (its tables)."""
    append_only: tuple[type, ...] = ()
    """Those of its models whose rows are never updated nor deleted (on PostgreSQL the
    application role may only insert and read them)."""
    error_codes: Mapping[str, str] = field(default_factory=dict)
    """The plugin's own ``DomainError`` codes: code -> description, added to the GraphQL
    enum ``ErrorCode``. The kernel's codes (``NOT_FOUND``, ``INVALID_STATE`` ...) need none."""
    metrics: tuple[Any, ...] = ()
    """The figures it publishes for the cockpit (``Metric``s)."""
    signals: tuple[Any, ...] = ()
    """Its per-building signals for hotspot detection (``Signal``s)."""
    state: Callable[[Any], Any] | None = None
    """Makes the plugin's runtime state, ``state(kernel)``, once per kernel at start-up;
    ``kernel.state(name)`` returns it, and its ``async close()`` (if any) runs at shutdown."""


@dataclass
class InstalledPlugin:
    """A plugin found on this machine: its metadata and the module holding its hooks."""

    info: PluginInfo
    module: ModuleType
    distribution: str = ""

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def migrations(self) -> Path | None:
        """The plugin's Alembic revisions, by convention the folder ``migrations/`` next to
        the module declaring ``PLUGIN``."""
        folder = Path(self.module.__file__).resolve().parent / "migrations"
        return folder if folder.is_dir() else None

    @property
    def locale(self) -> Path | None:
        """The plugin's message catalogue, by convention the folder ``locale/`` next to the
        module declaring ``PLUGIN`` (``locale/zh_CN/LC_MESSAGES/messages.po``; ``core.messages``)."""
        folder = Path(self.module.__file__).resolve().parent / "locale"
        return folder if folder.is_dir() else None

    @property
    def package(self) -> str:
        """The Python package the plugin's code lives in (used to tell who owns a type)."""
        return self.module.__name__.rsplit(".", 1)[0] if "." in self.module.__name__ else self.module.__name__


@dataclass
class Discovery:
    """Plugins found through the entry-point group, and those that failed to load."""

    plugins: dict[str, InstalledPlugin] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def discover(extra_paths: Iterable[str] = ()) -> Discovery:
    """Load every plugin declared in the ``jiedao.plugins`` entry-point group.

    ``extra_paths`` are searched for distributions in addition to ``sys.path`` (a
    plugin installed into a separate folder, as the tests do).
    """
    extra = [str(p) for p in extra_paths if str(p) not in sys.path]
    sys.path[:0] = extra  # only while loading: later discoveries must not see them
    try:
        importlib.invalidate_caches()
        return _load_entry_points()
    finally:
        for path in extra:
            sys.path.remove(path)


def _load_entry_points() -> Discovery:
    found = Discovery()
    seen: set[tuple[str, str]] = set()
    for dist in importlib.metadata.distributions(path=[*sys.path]):
        for ep in dist.entry_points:
            if ep.group != ENTRY_POINT_GROUP or (ep.name, ep.value) in seen:
                continue
            seen.add((ep.name, ep.value))
            try:
                module = ep.load()
            except Exception as error:  # noqa: BLE001 - reported, start-up decides
                found.problems.append(
                    f"plugin '{ep.name}' ({dist.metadata['Name']}) cannot be imported: "
                    f"{type(error).__name__}: {error}. Fix or uninstall the distribution."
                )
                continue
            info = getattr(module, "PLUGIN", None)
            if not isinstance(info, PluginInfo):
                found.problems.append(
                    f"plugin '{ep.name}': module {module.__name__} has no PLUGIN = PluginInfo(...)."
                )
                continue
            if info.name != ep.name:
                found.problems.append(
                    f"plugin '{ep.name}': entry point name differs from PLUGIN.name '{info.name}'."
                )
                continue
            if info.name in found.plugins:
                other = found.plugins[info.name]
                found.problems.append(
                    f"plugin '{info.name}' is installed twice ({other.distribution} and "
                    f"{dist.metadata['Name']}); uninstall one."
                )
                continue
            if problem := incompatibility(info):
                found.problems.append(problem)
                continue
            found.plugins[info.name] = InstalledPlugin(info, module, dist.metadata["Name"])
    return found


def incompatibility(info: PluginInfo) -> str | None:
    """Why this Jiedao cannot run the plugin, if its declared supported versions exclude it."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from jiedao.core import __version__

    if not info.jiedao:
        return None
    try:
        supported = SpecifierSet(info.jiedao)
    except InvalidSpecifier:
        return f"plugin '{info.name}' declares jiedao={info.jiedao!r}, which is not a version specifier; fix its PluginInfo."
    if __version__ not in supported:
        return (
            f"plugin '{info.name}' {info.version} supports Jiedao {info.jiedao}, but this is Jiedao {__version__}; "
            "install a compatible version of the plugin (or of Jiedao), or uninstall it."
        )
    return None


def make_plugin_manager(modules: dict[str, ModuleType]) -> pluggy.PluginManager:
    """A pluggy manager with Jiedao's hook specifications and the given plugin modules."""
    pm = pluggy.PluginManager("jiedao")
    pm.add_hookspecs(hookspecs)
    for name, module in modules.items():
        pm.register(module, name=name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise PluginError(getattr(error.plugin, "__name__", "?"), "check_pending", error) from None
    return pm


def hook_implementations(pm: pluggy.PluginManager, hook: str) -> list[tuple[str, Callable[..., Any]]]:
    """The (plugin name, function) pairs implementing ``hook``, in registration order."""
    impls = getattr(pm.hook, hook).get_hookimpls()
    return [(impl.plugin_name, impl.function) for impl in reversed(impls)]


async def call_each(
    pm: pluggy.PluginManager,
    hook: str,
    make_kwargs: Callable[[str], dict[str, Any]],
) -> None:
    """Call ``hook`` on each plugin with its own arguments, awaiting async implementations.

    A failure is raised as ``PluginError`` naming the plugin and the hook.
    """
    for plugin, function in hook_implementations(pm, hook):
        try:
            result = function(**make_kwargs(plugin))
            if inspect.isawaitable(result):
                await result
        except (PluginError, ConfigurationError):
            raise
        except Exception as error:
            raise PluginError(plugin, hook, error) from error
