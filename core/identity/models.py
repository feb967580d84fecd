"""Accounts, per-street role grants, bearer tokens, failed log-ins and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class User(Base):
    """An account. ``resident_id`` links it to a resident record of one street."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Grant(Base):
    """A role held by a user in one street (``street_id`` NULL: platform-wide)."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user_id", "street_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    role: Mapped[str] = mapped_column(String(50))


class Token(Base):
    """An opaque bearer token, stored only as its SHA-256 digest."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed log-in, kept for throttling by account and by client address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class AuditEntry(Base):
    """One privileged action. Append-only: the API never updates or deletes entries, and on
    PostgreSQL the application role may only insert and select."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str] = mapped_column(String(64), default="")


IDENTITY_MODELS = (User, Grant, Token, LoginFailure, AuditEntry)
