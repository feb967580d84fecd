"""Domain events: how plugins talk to each other without importing each other."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.errors import PluginError

if TYPE_CHECKING:
    from core.kernel import Kernel

log = logging.getLogger("jiedao.events")


@dataclass(frozen=True)
class Event:
    """Something that happened in one street, e.g. ``sensors.alarm.raised``.

    ``kernel`` lets a handler open its own transaction:
    ``async with event.kernel.db.transaction(event.street_id) as session``.
    """

    name: str
    street: str
    street_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    kernel: Kernel | None = field(default=None, repr=False, compare=False)


class EventBus:
    """Delivers events to the handlers of the plugins the event's street enables."""

    def __init__(self, kernel: Kernel):
        self.kernel = kernel

    async def emit(self, street: str, name: str, **payload: Any) -> list[PluginError]:
        """Deliver ``name`` to every interested handler; a failing handler is logged and
        reported in the result, and does not stop the others or the caller."""
        event = Event(name, street, self.kernel.street_id(street), payload, self.kernel)
        enabled = self.kernel.enabled_plugins(street)
        failures: list[PluginError] = []
        for plugin, handler in self.kernel.contributions.handlers.get(name, []):
            if plugin != "core" and plugin not in enabled:
                continue
            try:
                await handler(event)
            except Exception as error:  # noqa: BLE001 - one handler never breaks the others
                failure = PluginError(plugin, f"event {name}", error)
                log.exception("%s", failure)
                failures.append(failure)
        return failures
