"""Every hook a Jiedao plugin can implement.

Each hook receives a ``register`` object bound to the calling plugin (see
``core.contributions.Register``): the plugin calls methods on it instead of returning
ad-hoc structures, so the kernel always knows which plugin contributed what.
A hook implementation may be ``async def``; the kernel awaits it.

A plugin implements a hook by defining a function of the same name decorated with
``core.hookimpl``. Names are checked at start-up: a misspelt hook stops the process.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("jiedao")
hookimpl = pluggy.HookimplMarker("jiedao")


@hookspec
def jiedao_models(register):
    """Declare the SQLAlchemy model classes the plugin owns (usually as data instead:
    ``PluginInfo(models=(...))``).

    Call ``register.models(Model, ...)``. Importing the classes adds their tables to the
    shared metadata; declaring them lets the kernel refuse two plugins that define the
    same table and tell which plugin owns which table. ``register.append_only(Model, ...)``
    (as data: ``PluginInfo(append_only=(...))``) marks tables whose rows are never updated
    nor deleted.
    """


@hookspec
def jiedao_migrations(register):
    """Declare the folder holding the plugin's Alembic revisions, when it is not the
    ``migrations/`` folder next to the module declaring ``PLUGIN`` (found by convention).

    Call ``register.migrations(path)``. The revisions form a branch labelled with the
    plugin's name that depends on a core revision.
    """


@hookspec
def jiedao_schema(register):
    """Contribute to the shared GraphQL schema.

    ``register.query(Cls)``, ``register.mutation(Cls)``, ``register.subscription(Cls)``
    add the fields of a ``@strawberry.type`` class to the root types;
    ``register.extend("Building", Mixin)`` adds the fields of a ``@strawberry.type``
    mixin to a core type; ``register.types(Cls, ...)`` adds types reachable only
    through interfaces. The fields exist only in the schemas of streets that enabled
    the plugin.
    """


@hookspec
def jiedao_permissions(register):
    """Declare named permissions and the roles that hold them by default (usually as data
    instead: ``PluginInfo(permissions={...}, grants={...})``).

    Call ``register.permissions({"sensors.alarm.acknowledge": "Acknowledge alarms"},
    grants={"grid_worker": ["sensors.alarm.acknowledge"]})``.
    """


@hookspec
def jiedao_routes(register):
    """Add HTTP routes to the ASGI app: ``register.routes(Route(...), ...)``.

    ``register.middleware(Cls, **options)`` wraps the whole app in the ASGI middleware
    ``Cls(app, kernel=kernel, **options)`` (e.g. request metrics); it sees every street.
    ``register.trusted_documents({"name": "query ... { ... }"})`` registers the GraphQL documents
    a page of the plugin sends, so the page works where only registered documents run
    (``JIEDAO_TRUSTED_DOCUMENTS=allow-listed``).
    """


@hookspec
def jiedao_cli(register):
    """Add commands to the ``jiedao`` CLI: ``register.cli(click_command_or_group)``."""


@hookspec
def jiedao_metrics(register):
    """Publish figures and spatial signals for dashboards (see ``core.figures``); usually as
    data instead: ``PluginInfo(metrics=(...), signals=(...))``.

    ``register.metrics(Metric(...), ...)`` and ``register.signals(Signal(...), ...)``.
    """


@hookspec
def jiedao_seed(register):
    """Declare a demo-data seeder: ``register.seed(async_fn)``.

    The seeder is awaited as ``fn(session, street)`` for every street that enables the
    plugin, after the core registry of that street is seeded. It must be idempotent.
    """


@hookspec
def jiedao_events(register):
    """Subscribe to domain events: ``register.on("mediation.finding.created", handler)``.

    The handler is awaited as ``handler(event, delivery)`` only for events of streets that
    enable the plugin: ``event`` is the publisher's frozen dataclass (read its attributes),
    ``delivery`` has ``street``, ``street_id`` and ``kernel``. Plugins talk to each other
    through events, never through imports. Start-up refuses a subscription to an event an
    installed plugin does not declare, and a handler that is not ``async def (event, delivery)``.
    """


@hookspec
def jiedao_background(register):
    """Declare long-running work started by ``jiedao serve``: ``register.background(fn)``.

    ``fn(kernel)`` is an async function run as a task for the lifetime of the server; it
    is cancelled on shutdown and must clean up on ``asyncio.CancelledError``. Background work
    runs once per deployment: ``jiedao serve --no-background`` (``JIEDAO_BACKGROUND=off``, for
    the N API processes of a deployment) skips it. ``register.relay(fn)`` declares work every
    serving process runs all the same: carrying other processes' changes to its subscribers.

    ``register.serve_option(click.Option(["--mqtt-port"], ...))`` adds an option to
    ``jiedao serve`` to configure that work; its value is in ``kernel.serve_options``
    (``kernel.serve_options.get("mqtt_port")``), empty outside ``jiedao serve``.
    Its value must survive JSON (``serve --workers`` hands the options to its worker processes
    that way).

    ``register.readiness("ingestion", check)`` makes ``/readyz`` answer 503 with
    ``{"ingestion": reason}`` while ``check(kernel)`` (sync or async, quick, never raising)
    returns a reason instead of None, e.g. while that work has lost its broker.
    """


@hookspec
def jiedao_notify(register):
    """Contribute ways to reach people: ``register.channel(cls)`` for each channel class
    (``core.notify.channels.Channel``: DingTalk, WeCom, SMS, voice calls...) and optionally
    ``register.fake_provider(name, factory)``, the provider's local stand-in that the demo
    and the tests talk to (``core.notify.fakes``).

    Channels are built per street for the streets that enable the plugin, with the
    plugin's street settings; the outbox worker delivers through them.
    """
