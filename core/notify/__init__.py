"""Notifications that reach people: an outbox written with its cause, delivered by a worker
through channels (DingTalk, WeCom, SMS, voice calls, the log) that plugins contribute with
``jiedao_notify``. See ``channels`` for the contract a channel implements."""

from jiedao.core.notify.legacy import Notification, log_notification, notify

__all__ = ["Notification", "log_notification", "notify"]
