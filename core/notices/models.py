"""Public notices (公示 publicity, 公告 announcement) and their attachments.

A notice has a scope — the street, or one community, compound or building — and is read by
the residents whose home lies inside it. Its scope row is kept with the rows above it
(a building notice also names the building's compound and community), so the readers of a
community find the notices of their community by one column. A notice is in force from
``valid_from`` until ``valid_until`` (open-ended when NULL); a withdrawn notice stays in the
record with who withdrew it and why, and no longer shows to residents.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.core.db import Base, StreetScoped


class NoticeScope(enum.Enum):
    """How far a notice reaches."""

    STREET = "street"
    COMMUNITY = "community"
    COMPOUND = "compound"
    BUILDING = "building"


class NoticeKind(enum.Enum):
    """公示 (publicity: put up for scrutiny, often with a period for objections) or 公告 (announcement)."""

    PUBLICITY = "publicity"
    ANNOUNCEMENT = "announcement"


class Notice(StreetScoped, Base):
    """One public notice. ``publisher`` is ``"core"`` for staff's notices, else the plugin
    that published it (``"credit"``); ``subject`` is the global ID of what it publishes."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_publisher_subject", "publisher", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[NoticeScope] = mapped_column(Enum(NoticeScope, native_enum=False, length=20))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(Enum(NoticeKind, native_enum=False, length=20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(200))
    publisher: Mapped[str] = mapped_column(String(50), default="core")
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    published_at: Mapped[datetime]
    published_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))


class NoticeAttachment(StreetScoped, Base):
    """A file attached to a notice: its metadata and where to fetch it (a URL or a path the
    deployment serves); Jiedao does not store the file itself."""

    __tablename__ = "notice_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2000))


NOTICE_MODELS = (Notice, NoticeAttachment)
