"""GraphQL of notifications: ``notifications(first, after, status)`` for administrators,
``me { notifications }`` for the person, and the ``Notification`` type with its receipts
(plugins add it to their own types, e.g. ``Alarm.notifications``, with ``notifications_about``)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import Select, select, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.core.notify import models
from jiedao.core.notify.roles import READ_ALL, READ_OWN
from jiedao.core.personal_data import mask_phone
from jiedao.schema.connection import connection_field
from jiedao.schema.loaders import children_field
from jiedao.schema.node import Node, enum_field, node_type
from jiedao.schema.permissions import allow

STATUS_DESCRIPTIONS = {
    "PENDING": "Waiting to be sent (again, after a failed attempt).",
    "SENDING": "Being sent by a worker right now.",
    "SENT": "Accepted by the provider; a receipt may follow.",
    "DELIVERED": "Reached the person's device.",
    "READ": "Read by the person.",
    "ANSWERED": "A call the person answered.",
    "NO_ANSWER": "A call nobody picked up.",
    "FAILED": "Given up: see lastError.",
    "CANCELLED": "Not sent: acknowledged (or closed) before it went out.",
    "DIGEST": "Waiting for the daily digest (每日汇总).",
    "DIGESTED": "Sent inside a daily digest.",
}
"""What each notification status means, for the enum's values."""

NotificationStatus = strawberry.enum(
    enum.Enum("NotificationStatus", {s: strawberry.enum_value(s, description=STATUS_DESCRIPTIONS[s]) for s in models.STATUSES}),
    description="PENDING (to send), SENDING (being sent), SENT (accepted by the provider), DELIVERED/READ/ANSWERED (reached the person), "
    "NO_ANSWER (a call nobody picked up), FAILED (given up: see lastError), CANCELLED (acknowledged before it went out), "
    "DIGEST (waiting for the daily digest), DIGESTED (sent inside a digest).",
)


def visible_notifications(ctx) -> ColumnElement[bool]:
    """Administrators (core.notifications.read) see the street's; anyone else their own."""
    if ctx.has_permission(READ_ALL):
        return true()
    return models.OutboxMessage.user_id == (ctx.user.id if ctx.user is not None else -1)


def notifications_about(subject: str) -> Select:
    """The notifications about ``subject`` (a global ID), for a field on the subject's type."""
    return select(models.OutboxMessage).where(models.OutboxMessage.subject == subject)


@strawberry.type(name="DeliveryReceipt", description="What one attempt, or the provider later, said about a notification.")
class DeliveryReceiptType:
    outcome: str = strawberry.field(description="SENT, DELIVERED, READ, ANSWERED, NO_ANSWER, FAILED or RETRY.")
    detail: str = strawberry.field(description="The provider's words on a failure (code and message).")
    at: datetime = strawberry.field(description="When it was said (ISO 8601).")
    attempt: int = strawberry.field(description="The number of the sending attempt it belongs to (1 for the first).")


@node_type(models.OutboxMessage, read=(READ_ALL, READ_OWN), visible=visible_notifications)
@strawberry.type(name="Notification", description="One message to one person on one channel, and what became of it.")
class NotificationType(Node):
    channel: str = strawberry.field(description="log, dingtalk_work, dingtalk_robot, wecom_app, wecom_robot, sms, voice …")
    recipient_name: str = strawberry.field(description="The recipient's name as the message was addressed; empty when unknown.")
    recipient_kind: str = strawberry.field(description="staff, resident, contact (an emergency contact) or group.")
    recipient_role: str = strawberry.field(description="Why this person: grid_worker, community_duty, street_duty, resident, emergency_contact …")
    severity: str = strawberry.field(description="How urgent: critical, major, minor or info.")
    title: str = strawberry.field(description="The message's title (at most 300 characters).")
    stage: int = strawberry.field(description="The step of the alert's chain it belongs to (0: the first people).")
    attempts: int = strawberry.field(description="How many times sending was attempted.")
    last_error: str = strawberry.field(description="Why the last attempt failed, or why it was cancelled; empty when none did.")
    created_at: datetime = strawberry.field(description="When the notification was queued (ISO 8601).")
    sent_at: datetime | None = strawberry.field(description="When the provider first accepted it (ISO 8601); null until then.")
    finished_at: datetime | None = strawberry.field(description="When it reached its last status (delivered, answered, failed, cancelled, digested …), ISO 8601; null until then.")
    status = enum_field(NotificationStatus, description="Where it is in its delivery: to send, sent, delivered, failed …")
    receipts: list[DeliveryReceiptType] = children_field(DeliveryReceiptType, models.DeliveryReceipt.message_id, description="Oldest first.")

    @strawberry.field(description="The message as sent, its acknowledgement link shortened (the link acknowledges for its recipient).")
    def text(self) -> str:
        return self.text.replace(self.link, self.link.rsplit("/", 1)[0] + "/…") if self.link else self.text

    @strawberry.field(description="The phone number or user id it went to, masked (138****5678) unless your role needs it in full.")
    def address(self, info: strawberry.Info) -> str:
        if info.context.has_permission("jiedao.core.personal_data.read"):
            return self.address
        return mask_phone(self.address) or ""

    @strawberry.field(description="The global ID of what it is about (an Alarm, a WorkItem …), if any.")
    def subject_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.subject) if self.subject else None


@strawberry.type
class NotifyQuery:
    @connection_field(NotificationType, newest_first=True, permission_classes=allow(READ_ALL),
                      description="The street's notifications, newest first (core.notifications.read).")
    def notifications(
        root, ctx, status: Annotated[NotificationStatus | None, strawberry.argument(description="Only the notifications in this status.")] = None
    ) -> Select:
        statement = select(models.OutboxMessage)
        return statement if status is None else statement.where(models.OutboxMessage.status == status.value)


def my_notifications(root, ctx) -> Select:
    """The caller's own notifications (``me { notifications }``)."""
    return select(models.OutboxMessage).where(models.OutboxMessage.user_id == ctx.user.id)
