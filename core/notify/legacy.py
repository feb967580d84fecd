"""Notifications to people, delivered by every plugin implementing ``jiedao_notify``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any


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
    """Log ``notification`` (being replaced by the outbox)."""
    log_notification(notification)
    return ["core"]
