"""The notification tables: alerts (what must reach people until someone acknowledges it),
the outbox (one row per message to one person on one channel) and delivery receipts.

An outbox row is written in the transaction of its cause, so a message exists exactly when
its cause was committed; the worker (``core.notify.delivery``) takes rows with a lease and
records each attempt's outcome as a receipt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.core.db import Base, StreetScoped

BigId = BigInteger().with_variant(Integer(), "sqlite")

# outbox statuses
PENDING, SENDING, SENT = "PENDING", "SENDING", "SENT"
DELIVERED, READ, ANSWERED, NO_ANSWER, FAILED = "DELIVERED", "READ", "ANSWERED", "NO_ANSWER", "FAILED"
CANCELLED, DIGEST, DIGESTED = "CANCELLED", "DIGEST", "DIGESTED"
STATUSES = (PENDING, SENDING, SENT, DELIVERED, READ, ANSWERED, NO_ANSWER, FAILED, CANCELLED, DIGEST, DIGESTED)
"""PENDING: to send at ``next_attempt_at``; SENDING: taken by a worker until ``claimed_until``;
SENT: accepted by the provider, a receipt may follow; DELIVERED/READ/ANSWERED: reached the
person; NO_ANSWER: a call nobody picked up; FAILED: given up (reason in ``last_error``);
CANCELLED: not sent because the alert was acknowledged first; DIGEST: a minor message waiting
for the street's daily digest; DIGESTED: sent inside a digest (``digest_id``)."""
UNDELIVERED = (PENDING, SENDING, FAILED)
REACHED = (DELIVERED, READ, ANSWERED)


class Alert(StreetScoped, Base):
    """Something that must reach a person until one acknowledges it (a fire alarm at an old
    person's home): the chain of people to reach, stage after stage, and where it stands."""

    __tablename__ = "notification_alerts"
    __table_args__ = (Index("ix_notification_alerts_due", "acknowledged_at", "next_stage_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    """The event kind that raised it: ``sensors.alarm`` (selects the template)."""
    subject: Mapped[str] = mapped_column(String(200), index=True)
    """Global ID of what it is about (``Alarm:…``)."""
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The template's fields: what, where, who lives there, device, when."""
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The escalation as planned when raised: per stage, the people and channels and the
    wait before the next stage (``core.notify.plan``)."""
    stage: Mapped[int] = mapped_column(Integer, default=0)
    """The stage last sent."""
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    """How often the last stage was sent again after the ladder ran out."""
    next_stage_at: Mapped[datetime | None] = mapped_column()
    raised_at: Mapped[datetime] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(20))
    ack_minutes: Mapped[float | None] = mapped_column(Float)
    """Minutes from raising to the first acknowledgement (the cockpit's time to acknowledge)."""
    closed_at: Mapped[datetime | None] = mapped_column()
    """Set when the subject no longer needs anyone (cleared and acknowledged elsewhere)."""


class OutboxMessage(StreetScoped, Base):
    """One message to one person on one channel."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    """Idempotency key: one row per (cause, stage, person, channel); sent to providers."""
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("notification_alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200), default="", index=True)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    recipient_kind: Mapped[str] = mapped_column(String(20))
    recipient_ref: Mapped[int | None] = mapped_column(Integer)
    recipient_name: Mapped[str] = mapped_column(String(100), default="")
    recipient_role: Mapped[str] = mapped_column(String(30), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    """The recipient's account, for ``me.notifications`` (staff only)."""
    channel: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(100), default="")
    """Phone number or user id as needed to send (personal data: masked in every output)."""
    severity: Mapped[str] = mapped_column(String(16), default="info")
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str] = mapped_column(String(60), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    """SHA-256 of the acknowledgement link's token: how a link finds its message."""
    link: Mapped[str] = mapped_column(String(300), default="")
    """The acknowledgement link, kept to send the message again on a retry; never shown in
    GraphQL (``Notification.text`` shortens it)."""
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    polls: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    provider_id: Mapped[str] = mapped_column(String(100), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    digest_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class DeliveryReceipt(StreetScoped, Base):
    """What one attempt or one provider report said about a message (append-only)."""

    __tablename__ = "notification_receipts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("notification_outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(500), default="")
    attempt: Mapped[int] = mapped_column(Integer, default=0)


NOTIFY_MODELS = (Alert, OutboxMessage, DeliveryReceipt)
