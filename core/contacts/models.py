"""Tables of the people to reach: emergency contacts, staff addresses and duty shifts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.core.db import Base, StreetScoped

MAX_CONTACTS = 3
"""Emergency contacts a resident may have."""


class EmergencyContact(StreetScoped, Base):
    """A person to call when something happens at a resident's home (a registry field of the
    resident, personal data: its phone is masked like the resident's)."""

    __tablename__ = "emergency_contacts"
    __table_args__ = (UniqueConstraint("resident_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    """1..3: the order in which the contacts are called."""
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    """The username (or ``cli``/``import``/``demo``) that last wrote the contacts."""


class StaffAddress(Base):
    """Where an account is notified: phone, DingTalk (浙政钉) and WeCom user ids.

    A table of its own, not columns of ``users``: an account spans streets, these are personal
    data read only when someone is notified or looks, and every request that loads the caller's
    ``User`` stays free of them."""

    __tablename__ = "staff_addresses"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    dingtalk_user_id: Mapped[str | None] = mapped_column(String(100))
    wecom_user_id: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime]


class DutyShift(StreetScoped, Base):
    """An account on duty from ``starts_at`` (included) to ``ends_at`` (excluded): for a
    community, or with ``community_id`` NULL as the street's duty officer (值班领导)."""

    __tablename__ = "duty_shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


CONTACT_MODELS = (EmergencyContact, StaffAddress, DutyShift)
