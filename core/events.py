"""Typed domain events: how plugins talk to each other without importing each other.

A plugin declares the events it publishes as frozen dataclasses with a ``name`` and lists
them in its ``PluginInfo(events=...)``: that is the catalogue (``docs/plugins.md`` lists it,
generated). Another plugin subscribes by name, ``register.on("mediation.finding.created",
handler)``, and receives the event object: it never imports the publisher. Subscriptions
are checked at start-up: an unknown event of an installed plugin, or a handler that is
not ``async def handler(event, delivery)``, stops start-up naming the plugin.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from jiedao.core.errors import ConfigurationError, PluginError

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

log = logging.getLogger("jiedao.events")


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event: a frozen dataclass whose class attribute ``name`` is
    ``"<plugin>.<thing>.<happened>"``, e.g. ``"mediation.finding.created"``."""

    name: ClassVar[str] = ""

    def fields(self) -> dict[str, Any]:
        """The event's data as a dict (for logs and relays)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Delivery:
    """Where an event happened: its street, and the kernel to open a transaction with
    (``async with delivery.kernel.db.transaction(delivery.street_id) as session``)."""

    street: str
    street_id: int
    kernel: Kernel = dataclasses.field(repr=False, compare=False)


EventHandler = Callable[[Any, Delivery], Awaitable[None]]


def check_event_class(plugin: str, cls: Any) -> list[str]:
    """Problems of an event class declared by ``plugin``."""
    if not (isinstance(cls, type) and issubclass(cls, DomainEvent) and dataclasses.is_dataclass(cls)):
        return [f"plugin '{plugin}' declares event {cls!r}, which is not a DomainEvent dataclass."]
    if not cls.name.startswith(f"{plugin}."):
        return [f"plugin '{plugin}' declares event {cls.__name__} named {cls.name!r}; its name must start with '{plugin}.'."]
    return []


def check_handler(plugin: str, event: str, handler: Any) -> list[str]:
    """Problems of ``handler`` subscribed by ``plugin`` to ``event``."""
    if not inspect.iscoroutinefunction(handler):
        return [f"plugin '{plugin}' handles '{event}' with {getattr(handler, '__name__', handler)!r}, which is not 'async def'."]
    try:
        inspect.signature(handler).bind(object(), object())
    except TypeError:
        return [f"plugin '{plugin}' handles '{event}' with {handler.__name__}{inspect.signature(handler)}; it must take (event, delivery)."]
    return []


def check_subscriptions(catalogue: dict[str, tuple[str, type]], handlers: dict[str, list[tuple[str, Any]]], installed: set[str]) -> None:
    """Refuse subscriptions to unknown events of installed plugins and malformed handlers.

    A subscription to an event of a plugin that is not installed stays dormant.
    """
    problems = []
    for event, subscribed in handlers.items():
        publisher = event.split(".", 1)[0]
        for plugin, handler in subscribed:
            if event not in catalogue and (publisher in installed or publisher == "core"):
                known = sorted(name for name, (owner, _) in catalogue.items() if owner == publisher)
                problems.append(f"plugin '{plugin}' subscribes to '{event}', which plugin '{publisher}' does not publish (it publishes: {', '.join(known) or 'nothing'}).")
            problems += check_handler(plugin, event, handler)
    if problems:
        raise ConfigurationError(problems)


QUEUED_EVENTS = "jiedao.queued_events"
"""``session.info`` key of the events a kernel service queued in that session's transaction."""


def emit_after_commit(session: Any, event: DomainEvent) -> None:
    """Queue ``event`` in ``session`` for publication once its transaction commits.

    For kernel services that take a bare session (``publish_notice``): inside a mutation the
    runner publishes the queued events after its commit, like ``w.emit``; other callers
    publish them with ``kernel.events.publish_queued(street, session)`` after committing."""
    session.info.setdefault(QUEUED_EVENTS, []).append(event)


def take_queued(session: Any) -> list[DomainEvent]:
    """The events queued in ``session`` (emptied)."""
    return session.info.pop(QUEUED_EVENTS, [])


class EventBus:
    """Delivers events to the handlers of the plugins the event's street enables."""

    def __init__(self, kernel: Kernel):
        self.kernel = kernel

    async def publish(self, street: str, event: DomainEvent) -> list[PluginError]:
        """Deliver ``event`` to every interested handler; a failing handler is logged and
        reported in the result, and does not stop the others or the caller."""
        declared = self.kernel.contributions.events.get(event.name)
        if declared is None or not isinstance(event, declared[1]):
            raise TypeError(f"{type(event).__name__} {event.name!r} is not a declared event; list it in PluginInfo(events=...).")
        delivery = Delivery(street, self.kernel.street_id(street), self.kernel)
        enabled = self.kernel.enabled_plugins(street)
        failures: list[PluginError] = []
        for plugin, handler in self.kernel.contributions.handlers.get(event.name, []):
            if plugin != "core" and plugin not in enabled:
                continue
            try:
                await handler(event, delivery)
            except Exception as error:  # noqa: BLE001 - one handler never breaks the others
                failure = PluginError(plugin, f"event {event.name}", error)
                log.exception("%s", failure)
                failures.append(failure)
        return failures

    async def publish_queued(self, street: str, session: Any) -> list[PluginError]:
        """Publish the events kernel services queued in ``session`` (call after its commit)."""
        failures: list[PluginError] = []
        for event in take_queued(session):
            failures += await self.publish(street, event)
        return failures
