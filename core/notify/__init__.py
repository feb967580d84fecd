"""Notifications that reach people: an outbox written with its cause, delivered by a worker
through channels (DingTalk, WeCom, SMS, voice calls, the log) that plugins contribute with
``jiedao_notify``. See ``channels`` for the contract a channel implements, ``alerts`` for
messages that climb a chain of people until someone acknowledges, ``direct`` for the rest."""

from jiedao.core.notify.direct import notify
from jiedao.core.notify.notification import Notification

__all__ = ["Notification", "notify"]
