"""Accounts, per-street role grants, bearer tokens, log-in throttling counters and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.core.db import Base


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


class LoginCounter(Base):
    """Log-in attempts not yet redeemed by a success, per key: ``acct:<username>``,
    ``addr:<client address>`` or ``pair:<username>|<address>`` (see ``core.identity.throttle``).

    An attempt is counted *before* its password is checked, in its own committed
    transaction; ``next_at`` is when the key accepts its next attempt."""

    __tablename__ = "login_counters"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[datetime]
    last_at: Mapped[datetime] = mapped_column(index=True)


class KnownLoginAddress(Base):
    """A client address from which an account last logged in successfully at ``last_success_at``:
    attempts from it are throttled on their own counter, apart from strangers' attempts."""

    __tablename__ = "login_known_addresses"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    address: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_success_at: Mapped[datetime] = mapped_column(index=True)


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


IDENTITY_MODELS = (User, Grant, Token, LoginCounter, KnownLoginAddress, AuditEntry)
