"""Alerts that reach people through the notification outbox, and their acknowledgement."""

from __future__ import annotations

from jiedao.core.notify.events import ACK_OUTCOMES, FALSE_ALARM, NOBODY_HOME, REAL_DANGER, VISITED, AlertAcknowledged

__all__ = [
    "ACK_OUTCOMES",
    "AlertAcknowledged",
    "FALSE_ALARM",
    "NOBODY_HOME",
    "REAL_DANGER",
    "VISITED",
]
