"""Notifications to people, delivered by every plugin implementing ``jiedao_notify``."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jiedao.core.plugins import hook_implementations

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

log = logging.getLogger("jiedao.notify")


@dataclass(frozen=True)
class Notification:
    """A message for the holders of a role (or named people) in one street."""

    street: str
    recipients: tuple[str, ...]
    subject: str
    body: str = ""
    severity: str = "info"
    reference: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def log_notification(notification: Notification) -> None:
    """The default adapter: the notification goes to the log."""
    log.info("notify %s in %s: %s", ",".join(notification.recipients), notification.street, notification.subject)


async def notify(kernel: Kernel, notification: Notification) -> list[str]:
    """Hand ``notification`` to every adapter of the street's enabled plugins (and core).

    Returns the names of the adapters that delivered it; a failing adapter is logged.
    """
    enabled = {"core", *kernel.enabled_plugins(notification.street)}
    delivered = []
    for plugin, function in hook_implementations(kernel.pm, "jiedao_notify"):
        if plugin not in enabled:
            continue
        try:
            result = function(notification=notification)
            if inspect.isawaitable(result):
                await result
            delivered.append(plugin)
        except Exception:  # noqa: BLE001 - one adapter never blocks the others
            log.exception("notification adapter of plugin '%s' failed", plugin)
    return delivered
