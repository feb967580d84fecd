"""Events of the notification loop (``core.notify.*``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jiedao.core.events import DomainEvent

REAL_DANGER, FALSE_ALARM, VISITED, NOBODY_HOME = "REAL_DANGER", "FALSE_ALARM", "VISITED", "NOBODY_HOME"
ACK_OUTCOMES = (REAL_DANGER, FALSE_ALARM, VISITED, NOBODY_HOME)
"""What a person found, recorded with an acknowledgement from a notification."""


@dataclass(frozen=True)
class AlertAcknowledged(DomainEvent):
    """Someone acknowledged an alert from a notification (a link or a reply): the plugin that
    owns ``subject`` (e.g. sensors for an ``Alarm``) acknowledges its own record."""

    name: ClassVar[str] = "core.notify.acknowledged"
    subject: str
    """Global ID of what the alert is about (``Alarm:…``)."""
    by: str
    """Who acknowledged: a username, or ``resident:…``/``contact:…`` with a name."""
    outcome: str
    """One of ``ACK_OUTCOMES``."""
    note: str = ""
