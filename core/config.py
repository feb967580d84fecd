"""Configuration: streets and their plugins from plugins.toml, URLs from the environment."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from jiedao.core.clusters import CLUSTER_NAME, SELECTED_CLUSTER_VARIABLE, app_url, missing_url_problems, replica_urls, replica_urls_variable, selected_cluster
from jiedao.core.db import DEFAULT_POOL_SIZE
from jiedao.core.errors import ConfigurationError
from jiedao.core.messages import DEFAULT_LANGUAGE, StreetLanguage
from jiedao.core.plugins import InstalledPlugin
from jiedao.core.replicas import DEFAULT_MAX_LAG_SECONDS
from jiedao.schema.budget import DEFAULT_MAX_OBJECTS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "plugins.toml"
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{ROOT / 'var' / 'jiedao.db'}"
SLUG = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


class CoreStreetSettings(BaseModel):
    """The core's own settings of a street: plain keys of ``[streets.<slug>]`` beside
    ``name`` and ``plugins`` (plugin settings are tables, ``[streets.<slug>.<plugin>]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    public_notices: bool = False
    """Anonymous callers may read the street-wide notices (公告/公示) in force; never narrower ones."""
    language: StreetLanguage = DEFAULT_LANGUAGE
    """The language of messages for requests without ``Accept-Language`` (``zh-CN`` or ``en``)."""


@dataclass
class StreetConfig:
    """One street of plugins.toml: its slug, display name, plugins and their settings."""

    slug: str
    name: str
    plugins: tuple[str, ...]
    raw_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, BaseModel] = field(default_factory=dict)
    core: CoreStreetSettings = field(default_factory=CoreStreetSettings)
    """The core's settings of the street (``public_notices`` ...)."""
    database: str = "default"
    """The PostgreSQL cluster (cell) holding the street (``database = "east"``; see ``core/clusters.py``)."""


@dataclass
class Config:
    """The whole deployment configuration."""

    streets: dict[str, StreetConfig]
    database_url: str
    mqtt_url: str | None
    source: Path | None = None
    cors_origins: tuple[str, ...] = ()
    max_objects: int = DEFAULT_MAX_OBJECTS
    """List items one GraphQL operation may return (``JIEDAO_MAX_OBJECTS``)."""
    introspection: str = "authenticated"
    """Who may introspect the schema: ``authenticated``, ``always`` or ``never`` (``JIEDAO_INTROSPECTION``)."""
    trusted_documents: str = "off"
    """``allow-listed``: only the front end's registered documents run, for all but administrators
    (``JIEDAO_TRUSTED_DOCUMENTS``; ``schema.trusted_documents``)."""
    transport: TransportSettings = field(default_factory=lambda: TransportSettings())
    cluster: str = "default"
    """The cluster this process serves (``JIEDAO_CLUSTER``); ``streets`` holds only its streets."""
    all_streets: dict[str, StreetConfig] = field(default_factory=dict)
    """Every street of plugins.toml, whatever its cluster (routing, listings, fan-out)."""
    replica_urls: tuple[str, ...] = ()
    """The served cluster's read replicas (``JIEDAO_DATABASE_REPLICA_URLS[_CELL]``; ``core.replicas``)."""
    replica_max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS
    """How far behind the primary a replica may be and still be read (``JIEDAO_REPLICA_MAX_LAG_SECONDS``)."""
    database_pool_size: int = DEFAULT_POOL_SIZE
    """PostgreSQL connections one process keeps, and the most it opens (``JIEDAO_DATABASE_POOL_SIZE``; ``core.db``)."""

    def clusters(self) -> dict[str, list[str]]:
        """``{cluster: [street slugs]}`` over every street of plugins.toml, the default cluster first."""
        from jiedao.core.clusters import streets_by_cluster

        return streets_by_cluster({slug: street.database for slug, street in (self.all_streets or self.streets).items()})


@dataclass(frozen=True)
class TransportSettings:
    """How the server meets the network (environment variables, see ``transport_settings``)."""

    trusted_proxies: tuple[str, ...] = ()
    socket_recheck_seconds: float = 5.0
    header_timeout_seconds: float = 10.0
    metrics_token: str | None = None


def transport_settings(environ=None) -> TransportSettings:
    """Read the transport settings from the environment; every bad value is reported by name.

    ``JIEDAO_TRUSTED_PROXIES`` (comma-separated IPs/CIDRs whose ``X-Forwarded-*`` headers are
    believed; default none), ``JIEDAO_SOCKET_RECHECK_SECONDS`` (how often an open WebSocket's
    token and grants are re-checked; default 5), ``JIEDAO_HEADER_TIMEOUT_SECONDS`` (time a client
    has to send a complete request head; default 10), ``JIEDAO_METRICS_TOKEN`` (bearer token
    that ``/metrics`` requires; unset: ``/metrics`` answers 404).
    """
    import ipaddress

    environ = os.environ if environ is None else environ
    problems: list[str] = []
    proxies = tuple(p.strip() for p in environ.get("JIEDAO_TRUSTED_PROXIES", "").split(",") if p.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            problems.append(f"JIEDAO_TRUSTED_PROXIES: '{proxy}' is not an IP address or CIDR network (e.g. 10.0.0.5 or 10.0.0.0/24).")

    def seconds(name: str, default: float, low: float, high: float) -> float:
        raw = environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:
            problems.append(f"{name}: '{raw}' is not a number of seconds between {low:g} and {high:g}.")
            return default
        return value

    recheck = seconds("JIEDAO_SOCKET_RECHECK_SECONDS", 5.0, 0.1, 300)
    header = seconds("JIEDAO_HEADER_TIMEOUT_SECONDS", 10.0, 0.1, 300)
    metrics_token = environ.get("JIEDAO_METRICS_TOKEN", "").strip() or None
    if metrics_token is not None and len(metrics_token) < 16:
        problems.append("JIEDAO_METRICS_TOKEN: use at least 16 characters (e.g. the output of `openssl rand -hex 24`).")
    if problems:
        raise ConfigurationError(problems)
    return TransportSettings(proxies, recheck, header, metrics_token)


def load_config(path: str | Path | None = None, *, database_url: str | None = None) -> Config:
    """Read plugins.toml (``JIEDAO_CONFIG`` or the repository root) and the environment."""
    path = Path(path or os.environ.get("JIEDAO_CONFIG") or DEFAULT_CONFIG)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError([f"configuration file {path} does not exist; set JIEDAO_CONFIG or create it."]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError([f"{path} is not valid TOML: {error}."]) from None
    return parse_config(data, source=path, database_url=database_url)


def parse_config(data: dict[str, Any], *, source: Path | None = None, database_url: str | None = None) -> Config:
    """Build a Config from parsed TOML; shape errors are collected, not raised one by one."""
    problems: list[str] = []
    streets: dict[str, StreetConfig] = {}
    for key in data:
        if key != "streets":
            problems.append(f"unknown top-level table [{key}] in plugins.toml; only [streets.*] is read.")
    for slug, table in (data.get("streets") or {}).items():
        where = f"street '{slug}'"
        if not SLUG.match(slug):
            problems.append(f"{where}: the slug must be lower-case letters, digits and '-', starting with a letter.")
            continue
        if not isinstance(table, dict):
            problems.append(f"{where}: expected a table [streets.{slug}].")
            continue
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}: add name = \"...\" (the street's display name).")
            name = slug
        plugins = table.get("plugins", [])
        if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
            problems.append(f"{where}: plugins must be a list of plugin names, e.g. plugins = [\"sensors\"].")
            plugins = []
        raw_settings: dict[str, dict[str, Any]] = {}
        core_values: dict[str, Any] = {}
        database = table.get("database", "default")
        if not isinstance(database, str) or not CLUSTER_NAME.match(database):
            problems.append(f"{where}: database must name a PostgreSQL cluster in lower-case letters, digits and '_' "
                            f"(e.g. database = \"east\", read from JIEDAO_DATABASE_URL_EAST), got {database!r}.")
            database = "default"
        for key, value in table.items():
            if key in ("name", "plugins", "database"):
                continue
            if isinstance(value, dict):
                raw_settings[key] = value
            elif key in CoreStreetSettings.model_fields:
                core_values[key] = value
            else:
                known = ", ".join(sorted(CoreStreetSettings.model_fields))
                problems.append(f"{where}: unknown key '{key}' (the street's own settings are: {known}); plugin settings go in [streets.{slug}.{key}].")
        streets[slug] = StreetConfig(slug, name, tuple(dict.fromkeys(plugins)), raw_settings,
                                     core=_core_settings(where, core_values, problems), database=database)
    max_objects, introspection = _query_limits(problems)
    trusted_documents = _trusted_documents(problems)
    if not streets and not problems:
        problems.append("no street is configured; add a [streets.<slug>] table to plugins.toml.")
    cluster, explicit = selected_cluster()
    served = {slug: street for slug, street in streets.items() if street.database == cluster}
    if explicit and streets and not served and not problems:
        named = ", ".join(sorted({street.database for street in streets.values()}))
        problems.append(f"{SELECTED_CLUSTER_VARIABLE}={cluster}: no street of plugins.toml is on that database (databases: {named}).")
    if not problems and not database_url:
        problems += missing_url_problems({slug: street.database for slug, street in streets.items()}, [cluster])
    database_url = database_url or app_url(cluster) or DEFAULT_DATABASE_URL
    replica_urls, max_lag = _replicas(cluster, database_url, problems)
    pool_size = _pool_size(problems)
    if problems:
        raise ConfigurationError(problems)
    cors = tuple(o.strip() for o in os.environ.get("JIEDAO_CORS_ORIGINS", "").split(",") if o.strip())
    return Config(
        streets=served,
        all_streets=streets,
        cluster=cluster,
        database_url=database_url,
        replica_urls=replica_urls,
        replica_max_lag_seconds=max_lag,
        database_pool_size=pool_size,
        mqtt_url=os.environ.get("JIEDAO_MQTT_URL") or None,
        source=source,
        cors_origins=cors,
        transport=transport_settings(),
        max_objects=max_objects,
        introspection=introspection,
        trusted_documents=trusted_documents,
    )


def _replicas(cluster: str, database_url: str, problems: list[str]) -> tuple[tuple[str, ...], float]:
    """The served cluster's read-replica URLs and the lag bound, appending a problem for a bad value."""
    variable = replica_urls_variable(cluster)
    urls = replica_urls(cluster)
    for url in urls:
        if not url.startswith("postgresql"):
            problems.append(f"{variable}: '{url.split('@')[-1]}' is not a PostgreSQL URL (postgresql+asyncpg://USER@HOST:PORT/DATABASE).")
    if urls and not database_url.startswith("postgresql"):
        problems.append(f"{variable}: read replicas need a PostgreSQL primary; the database is {database_url.split(':', 1)[0]}.")
    max_lag = DEFAULT_MAX_LAG_SECONDS
    raw = os.environ.get("JIEDAO_REPLICA_MAX_LAG_SECONDS", "").strip()
    if raw:
        try:
            max_lag = float(raw)
        except ValueError:
            max_lag = float("nan")
        if not 0.5 <= max_lag <= 3600:
            problems.append(f"JIEDAO_REPLICA_MAX_LAG_SECONDS: '{raw}' is not a number of seconds between 0.5 and 3600.")
            max_lag = DEFAULT_MAX_LAG_SECONDS
    return urls, max_lag


def _pool_size(problems: list[str]) -> int:
    """``JIEDAO_DATABASE_POOL_SIZE``, appending a problem for a bad value."""
    return _whole_number("JIEDAO_DATABASE_POOL_SIZE", DEFAULT_POOL_SIZE, 1, 1000, problems, "of connections ")


def _whole_number(variable: str, default: int, low: int, high: int, problems: list[str], unit: str = "") -> int:
    """The whole number in environment variable ``variable`` (``default`` when unset),
    appending a problem naming it when the value is not one from ``low`` to ``high``."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    problems.append(f"{variable} must be a whole number {unit}between {low} and {high}, got {raw!r}.")
    return default


def _core_settings(where: str, values: dict[str, Any], problems: list[str]) -> CoreStreetSettings:
    """The street's core settings from ``values``; each bad value appends a problem naming it."""
    try:
        return CoreStreetSettings.model_validate(values, strict=True)
    except ValidationError as error:
        for item in error.errors():
            location = ".".join(str(p) for p in item["loc"])
            problems.append(f"{where}, setting '{location}': {item['msg']} (got {item.get('input')!r}).")
        return CoreStreetSettings()


INTROSPECTION_POLICIES = ("authenticated", "always", "never")


def _query_limits(problems: list[str]) -> tuple[int, str]:
    """``JIEDAO_MAX_OBJECTS`` and ``JIEDAO_INTROSPECTION``, appending a problem for a bad value."""
    max_objects = _whole_number("JIEDAO_MAX_OBJECTS", DEFAULT_MAX_OBJECTS, 100, 10_000_000, problems)
    introspection = os.environ.get("JIEDAO_INTROSPECTION", "").strip().lower() or "authenticated"
    if introspection not in INTROSPECTION_POLICIES:
        problems.append(f"JIEDAO_INTROSPECTION must be one of {', '.join(INTROSPECTION_POLICIES)}, got {introspection!r}.")
        introspection = "authenticated"
    from jiedao.core.identity.token_cache import ttl_seconds

    try:
        ttl_seconds()
    except ValueError as error:
        problems.append(str(error))
    return max_objects, introspection


def _trusted_documents(problems: list[str]) -> str:
    """``JIEDAO_TRUSTED_DOCUMENTS`` (``off`` or ``allow-listed``), appending a problem for a bad value."""
    from jiedao.schema.trusted_documents import MANIFEST, POLICIES

    value = os.environ.get("JIEDAO_TRUSTED_DOCUMENTS", "").strip().lower() or "off"
    if value not in POLICIES:
        problems.append(f"JIEDAO_TRUSTED_DOCUMENTS must be one of {', '.join(POLICIES)}, got {value!r}.")
        return "off"
    if value == "allow-listed" and not MANIFEST.is_file():
        problems.append(f"JIEDAO_TRUSTED_DOCUMENTS=allow-listed needs the front end's manifest {MANIFEST}; run `cd frontend && npm run build`.")
    return value


def validate_against(config: Config, installed: dict[str, InstalledPlugin]) -> list[str]:
    """Check every street's plugins and settings against the installed plugins.

    Fills ``StreetConfig.settings`` with validated settings models and returns one
    message per problem, each naming the street, the plugin and the fix.
    """
    problems: list[str] = []
    for street in config.streets.values():
        for name in street.plugins:
            if name not in installed:
                problems.append(
                    f"street '{street.slug}' enables plugin '{name}', which is not installed "
                    f"(installed: {', '.join(sorted(installed)) or 'none'}); install it or remove it from plugins.toml."
                )
                continue
            for required in installed[name].info.requires:
                if required not in street.plugins:
                    problems.append(
                        f"street '{street.slug}': plugin '{name}' requires plugin '{required}'; "
                        f"add \"{required}\" to streets.{street.slug}.plugins."
                    )
        for name, model in core_sections().items():
            try:
                street.settings[name] = model.model_validate(street.raw_settings.get(name, {}))
            except ValidationError as error:
                problems += _setting_problems(street.slug, name, error, "core section")
        for name, values in street.raw_settings.items():
            if name not in street.plugins and name not in core_sections():
                problems.append(
                    f"street '{street.slug}' has settings for plugin '{name}', which it does not enable; "
                    f"enable it or remove [streets.{street.slug}.{name}]."
                )
        for name in street.plugins:
            if name not in installed:
                continue
            model = installed[name].info.settings
            try:
                street.settings[name] = model.model_validate(street.raw_settings.get(name, {}))
            except ValidationError as error:
                problems += _setting_problems(street.slug, name, error, "plugin")
    return problems


def core_sections() -> dict[str, type[BaseModel]]:
    """Settings tables of the kernel itself in a street (``[streets.<slug>.work]``): always
    validated and present in ``StreetConfig.settings``, whatever the street enables."""
    from jiedao.core.care import CareSettings
    from jiedao.core.notify.settings import NotifySettings
    from jiedao.core.work.settings import WorkSettings

    return {"work": WorkSettings, "notify": NotifySettings, "care": CareSettings}


def _setting_problems(street: str, name: str, error: ValidationError, what: str) -> list[str]:
    """One message per invalid setting of ``[streets.<street>.<name>]``."""
    problems = []
    for item in error.errors():
        location = ".".join(str(p) for p in item["loc"]) or "(table)"
        message = "unknown setting" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append(
            f"street '{street}', {what} '{name}', setting '{location}': {message} "
            f"(got {item.get('input')!r}); fix [streets.{street}.{name}] in plugins.toml."
        )
    return problems
