"""What plugins contribute through their hooks, collected plugin by plugin.

Every registration hook receives a ``Register`` bound to the calling plugin, so each
contribution is recorded with its owner. Conflicts (two plugins defining one table,
one GraphQL field, one permission) are refused here, naming both plugins.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiedao.core.errors import ConfigurationError

EventHandler = Callable[[Any], Awaitable[None]]


@dataclass
class Contributions:
    """Everything all installed plugins (and the core) registered, keyed by owner."""

    models: dict[str, list[type]] = field(default_factory=lambda: defaultdict(list))
    table_owner: dict[str, str] = field(default_factory=dict)
    append_only: set[str] = field(default_factory=set)
    migrations: dict[str, Path] = field(default_factory=dict)
    locales: dict[str, Path] = field(default_factory=dict)
    """Message catalogues registered with ``register.locale`` (else a plugin's ``locale/`` is used)."""
    queries: list[tuple[str, type]] = field(default_factory=list)
    mutations: list[tuple[str, type]] = field(default_factory=list)
    subscriptions: list[tuple[str, type]] = field(default_factory=list)
    extensions: dict[str, list[tuple[str, type]]] = field(default_factory=lambda: defaultdict(list))
    types: list[tuple[str, type]] = field(default_factory=list)
    permissions: dict[str, tuple[str, str]] = field(default_factory=dict)
    role_grants: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    routes: list[tuple[str, Any]] = field(default_factory=list)
    trusted_documents: list[tuple[str, str, str]] = field(default_factory=list)
    """GraphQL documents plugins' own pages send: (plugin, name, document)."""
    middleware: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)
    commands: list[tuple[str, Any]] = field(default_factory=list)
    metrics: list[tuple[str, Any]] = field(default_factory=list)
    signals: list[tuple[str, Any]] = field(default_factory=list)
    seeders: list[tuple[str, Callable[..., Awaitable[None]]]] = field(default_factory=list)
    handlers: dict[str, list[tuple[str, EventHandler]]] = field(default_factory=lambda: defaultdict(list))
    events: dict[str, tuple[str, type]] = field(default_factory=dict)
    background: list[tuple[str, Callable[..., Awaitable[None]]]] = field(default_factory=list)
    relays: list[tuple[str, Callable[..., Awaitable[None]]]] = field(default_factory=list)
    """Work every serving process runs, also with ``serve --no-background`` (fan-out to live subscribers)."""
    serve_options: list[tuple[str, Any]] = field(default_factory=list)
    readiness: list[tuple[str, str, Callable[..., Any]]] = field(default_factory=list)
    channels: dict[str, tuple[str, type]] = field(default_factory=dict)
    """Notification channels: channel name -> (plugin, class)."""
    fake_providers: list[tuple[str, str, Callable[..., Any]]] = field(default_factory=list)
    """Local stand-ins of providers: (plugin, provider name, app factory)."""
    error_codes: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    """Plugins' own error codes: code -> {plugin: description}."""


class Register:
    """The callback object a plugin's hooks call to contribute; bound to one plugin."""

    def __init__(self, plugin: str, into: Contributions):
        self.plugin = plugin
        self._into = into

    def models(self, *models: type) -> None:
        """Declare SQLAlchemy model classes owned by this plugin."""
        for model in models:
            table = model.__table__.name
            owner = self._into.table_owner.get(table)
            if owner is not None and owner != self.plugin:
                raise ConfigurationError(
                    [f"table '{table}' is defined by both plugin '{owner}' and plugin '{self.plugin}'; rename one."]
                )
            self._into.table_owner[table] = self.plugin
            self._into.models[self.plugin].append(model)

    def append_only(self, *models: type) -> None:
        """Declare tables whose rows are never updated or deleted (audit logs, score history).

        On PostgreSQL the application role is then granted only ``INSERT`` and ``SELECT``
        on them, so not even a bug in the application can rewrite history.
        """
        self.models(*(m for m in models if m.__table__.name not in self._into.table_owner))
        self._into.append_only.update(m.__table__.name for m in models)

    def migrations(self, path: str | Path) -> None:
        """Declare the folder of this plugin's Alembic revisions (its own branch)."""
        self._into.migrations[self.plugin] = Path(path)

    def locale(self, path: str | Path) -> None:
        """Declare the folder of this plugin's message catalogue (``<lang>/LC_MESSAGES/*.po``),
        when it is not the conventional ``locale/`` next to the plugin module (``core.messages``)."""
        self._into.locales[self.plugin] = Path(path)

    def query(self, cls: type) -> None:
        """Add the fields of a ``@strawberry.type`` class to ``Query``."""
        self._into.queries.append((self.plugin, cls))

    def mutation(self, cls: type) -> None:
        """Add the fields of a ``@strawberry.type`` class to ``Mutation``."""
        self._into.mutations.append((self.plugin, cls))

    def subscription(self, cls: type) -> None:
        """Add the fields of a ``@strawberry.type`` class to ``Subscription``."""
        self._into.subscriptions.append((self.plugin, cls))

    def extend(self, type_name: str, mixin: type) -> None:
        """Add the fields of the ``@strawberry.type`` ``mixin`` to the core type ``type_name``."""
        self._into.extensions[type_name].append((self.plugin, mixin))

    def types(self, *classes: type) -> None:
        """Add types reachable only through an interface or a union."""
        self._into.types.extend((self.plugin, cls) for cls in classes)

    def permissions(self, declared: dict[str, str], grants: dict[str, list[str]] | None = None) -> None:
        """Declare permissions (name -> description) and the roles holding them by default."""
        for name, description in declared.items():
            owner = self._into.permissions.get(name)
            if owner is not None and owner[0] != self.plugin:
                raise ConfigurationError(
                    [f"permission '{name}' is declared by both plugin '{owner[0]}' and plugin '{self.plugin}'."]
                )
            self._into.permissions[name] = (self.plugin, description)
        for role, names in (grants or {}).items():
            self._into.role_grants[role].update(names)

    def routes(self, *routes: Any) -> None:
        """Add Starlette routes to the ASGI app."""
        self._into.routes.extend((self.plugin, route) for route in routes)

    def trusted_documents(self, documents: dict[str, str]) -> None:
        """Register the GraphQL documents this plugin's own pages send (name -> document), so
        they run under ``JIEDAO_TRUSTED_DOCUMENTS=allow-listed`` as the app's build's do; the
        page must send them as registered (layout and order of fields aside)."""
        self._into.trusted_documents.extend((self.plugin, name, document) for name, document in documents.items())

    def middleware(self, cls: Any, **options: Any) -> None:
        """Wrap the ASGI app in ``cls(app, kernel=kernel, **options)`` (outermost last)."""
        self._into.middleware.append((self.plugin, cls, options))

    def cli(self, *commands: Any) -> None:
        """Add click commands or groups to the ``jiedao`` CLI."""
        self._into.commands.extend((self.plugin, command) for command in commands)

    def metrics(self, *metrics: Any) -> None:
        """Publish ``core.figures.Metric`` definitions for dashboards."""
        for metric in metrics:
            if any(m.key == metric.key for _, m in self._into.metrics):
                raise ConfigurationError([f"metric '{metric.key}' is published twice (plugin '{self.plugin}')."])
            self._into.metrics.append((self.plugin, metric))

    def signals(self, *signals: Any) -> None:
        """Publish ``core.figures.Signal`` definitions (events per building) for hotspot detection."""
        self._into.signals.extend((self.plugin, signal) for signal in signals)

    def seed(self, seeder: Callable[..., Awaitable[None]]) -> None:
        """Declare an idempotent demo seeder ``async fn(session, street)``."""
        self._into.seeders.append((self.plugin, seeder))

    def on(self, event: str | type, handler: EventHandler) -> None:
        """Handle the domain event ``event`` (its name, or its class for the plugin's own
        events) for the streets that enable this plugin: ``await handler(event, delivery)``."""
        self._into.handlers[getattr(event, "name", event)].append((self.plugin, handler))

    def events(self, *classes: type) -> None:
        """Declare the domain events this plugin publishes (``PluginInfo(events=...)`` does it)."""
        from jiedao.core.events import check_event_class

        problems = [p for cls in classes for p in check_event_class(self.plugin, cls)]
        for cls in classes:
            owner = self._into.events.get(cls.name)
            if owner is not None and owner[0] != self.plugin:
                problems.append(f"event '{cls.name}' is declared by both plugin '{owner[0]}' and plugin '{self.plugin}'.")
            self._into.events[cls.name] = (self.plugin, cls)
        if problems:
            raise ConfigurationError(problems)

    def declared(self, info: Any) -> None:
        """Register what a ``PluginInfo`` declares as data: models (and which are append-only),
        permissions and default grants, events, error codes, cockpit figures, and the ``migrations/`` folder
        next to the plugin module."""
        if info.models:
            self.models(*info.models)
        if info.permissions or info.grants:
            self.permissions(dict(info.permissions), {role: list(names) for role, names in info.grants.items()})
        if info.events:
            self.events(*info.events)
        if info.metrics or info.signals:
            self.metrics(*info.metrics)
            self.signals(*info.signals)
        if info.append_only:
            self.append_only(*info.append_only)
        if info.error_codes:
            self.error_codes(dict(info.error_codes))

    def error_codes(self, codes: dict[str, str]) -> None:
        """Declare this plugin's own error codes (code -> description) for ``ErrorCode``
        (``PluginInfo(error_codes=...)`` does it). A kernel code needs no declaration; two
        plugins may declare the same code."""
        from jiedao.schema.errors import ERROR_CODE, KERNEL_ERROR_CODES

        problems = []
        for code, description in codes.items():
            if not ERROR_CODE.match(code):
                problems.append(f"plugin '{self.plugin}' declares the error code '{code}'; use CAPITALS, digits and '_' (e.g. 'ALREADY_SIGNED').")
            elif code in KERNEL_ERROR_CODES:
                problems.append(f"plugin '{self.plugin}' declares the error code '{code}', which is the kernel's; remove it from error_codes.")
            elif not description.strip():
                problems.append(f"plugin '{self.plugin}' declares the error code '{code}' without a description.")
            else:
                self._into.error_codes[code][self.plugin] = description
        if problems:
            raise ConfigurationError(problems)

    def channel(self, channel: type) -> None:
        """Contribute a notification channel (``core.notify.channels.Channel``); its ``name``
        must be unique across plugins."""
        name = getattr(channel, "name", "")
        if not name or not isinstance(name, str):
            raise ConfigurationError([f"plugin '{self.plugin}' registers a channel class without a 'name'."])
        owner = self._into.channels.get(name)
        if owner is not None and owner[0] != self.plugin:
            raise ConfigurationError([f"channel '{name}' is registered by both plugin '{owner[0]}' and plugin '{self.plugin}'."])
        self._into.channels[name] = (self.plugin, channel)

    def fake_provider(self, name: str, factory: Callable[..., Any]) -> None:
        """Contribute a provider's local stand-in: ``factory(recorder, street, settings,
        environ)`` returns an ASGI app mounted at ``/dev/providers/{street}/{name}`` in the
        demo and in tests (``core.notify.fakes``)."""
        self._into.fake_providers.append((self.plugin, name, factory))

    def background(self, task: Callable[..., Awaitable[None]]) -> None:
        """Run ``async task(kernel)`` for the lifetime of ``jiedao serve``."""
        self._into.background.append((self.plugin, task))

    def relay(self, task: Callable[..., Awaitable[None]]) -> None:
        """Run ``async task(kernel)`` in every serving process, also in those started with
        ``jiedao serve --no-background``: carrying changes made in other processes to this
        process's live subscribers (the sensors plugin's alarm relay). Not for work that must
        run once per deployment (ingestion, escalation, nightly jobs): that is ``background``."""
        self._into.relays.append((self.plugin, task))

    def readiness(self, name: str, check: Callable[..., Any]) -> None:
        """Take part in ``/readyz``: ``check(kernel)`` (sync or async) returns None while this
        plugin's background work is healthy, else a short reason; ``/readyz`` then answers 503
        with ``{name: reason}``. A check must be quick and must not raise."""
        self._into.readiness.append((self.plugin, name, check))

    def serve_option(self, *options: Any) -> None:
        """Add ``click.Option``s to ``jiedao serve`` to configure this plugin's background work.

        ``jiedao serve`` stores their values in ``kernel.serve_options`` by parameter name
        (e.g. ``--mqtt-port`` as ``"mqtt_port"``); outside ``jiedao serve`` that dict is empty,
        so read it with a default. Two plugins may not add the same option.
        """
        for option in options:
            owner = next((plugin for plugin, known in self._into.serve_options if known.name == option.name), None)
            if owner is not None:
                raise ConfigurationError([f"option '{option.name}' of 'jiedao serve' is added by both plugin '{owner}' and plugin '{self.plugin}'."])
            self._into.serve_options.append((self.plugin, option))
