"""The work item and its timeline."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.core.db import Base, StreetScoped, UTCDateTime


class WorkSource(enum.Enum):
    """Where a work item came from."""

    RESIDENT_APPEAL = "RESIDENT_APPEAL"  # 居民诉求
    SENSOR_ALARM = "SENSOR_ALARM"  # 物联感知告警
    INSPECTION = "INSPECTION"  # 巡查发现
    HOTLINE_12345 = "HOTLINE_12345"  # 12345 热线
    MEETING_ACTION = "MEETING_ACTION"  # 会议决定事项
    TASK_FORCE = "TASK_FORCE"  # 专项整治
    RETURN_VISIT = "RETURN_VISIT"  # 回访


class WorkOutcome(enum.Enum):
    """What the handler found or did (structured, for figures)."""

    FIXED = "FIXED"  # 已解决
    REAL_DANGER = "REAL_DANGER"  # 确有险情
    FALSE_ALARM = "FALSE_ALARM"  # 误报
    VISITED_NOBODY_HOME = "VISITED_NOBODY_HOME"  # 上门无人
    DEVICE_FAULT = "DEVICE_FAULT"  # 设备故障
    REFERRED = "REFERRED"  # 已转交
    NOT_ACTIONABLE = "NOT_ACTIONABLE"  # 无法处理


class Rating(enum.Enum):
    """The resident's verdict on the result."""

    SATISFIED = "SATISFIED"  # 满意
    BASICALLY_SATISFIED = "BASICALLY_SATISFIED"  # 基本满意
    UNSATISFIED = "UNSATISFIED"  # 不满意


class WorkItem(StreetScoped, Base):
    """One matter someone must act on, from whichever plugin raised it.

    ``subject`` is the global ID of what it is about (a topic, an alarm, a finding ...);
    ``state`` is a ``WorkState`` value; ``escalation_level`` indexes ``settings.LADDER``;
    ``escalated_on`` is the China date of the last escalation (one step per working day)."""

    __tablename__ = "work_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), index=True)
    source: Mapped[str] = mapped_column(String(30))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    assignee_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    due_approximate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_on: Mapped[date | None] = mapped_column(Date)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[str | None] = mapped_column(String(30))
    rating_reason: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkStep(StreetScoped, Base):
    """One step of a work item's timeline: who, when, from which state to which, and why.
    Append-only: history is never rewritten."""

    __tablename__ = "work_item_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


WORK_MODELS = (WorkItem, WorkStep)
