"""Alerts that reach people through the notification outbox, and their acknowledgement:
raise one in the transaction of its cause (``raise_alert``), stop it when someone has
acknowledged the subject by other means (``acknowledge_alert``) or it needs nobody
(``close_alert``); subscribe to ``AlertAcknowledged`` to hear of acknowledgements made from
a notification (a link in the message). ``write_notification`` writes a plain message to
roles or named accounts (no stages, no acknowledgement) in the caller's transaction."""

from __future__ import annotations

from jiedao.core.notify.alerts import acknowledge_alert, alerted, close_alert, open_alert, raise_alert
from jiedao.core.notify.direct import write_notification
from jiedao.core.notify.events import ACK_OUTCOMES, FALSE_ALARM, NOBODY_HOME, REAL_DANGER, VISITED, AlertAcknowledged

__all__ = [
    "ACK_OUTCOMES",
    "AlertAcknowledged",
    "FALSE_ALARM",
    "NOBODY_HOME",
    "REAL_DANGER",
    "VISITED",
    "acknowledge_alert",
    "alerted",
    "close_alert",
    "open_alert",
    "raise_alert",
    "write_notification",
]
