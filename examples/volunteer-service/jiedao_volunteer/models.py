"""Volunteer teams, their members (residents), service events and the hours served; and the
plugin's per-street settings."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.api import Base, StreetScoped
from jiedao.api.domain import UTCDateTime


class Settings(BaseModel):
    """Per-street settings, from ``[streets.<slug>.volunteer]`` in plugins.toml."""

    model_config = {"extra": "forbid"}
    default_service_day: str = "周六"


class Team(StreetScoped, Base):
    """A volunteer team, e.g. 春燕服务队, with its weekly service day."""

    __tablename__ = "volunteer_teams"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    service_day: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Member(StreetScoped, Base):
    """A resident who volunteers in a team."""

    __tablename__ = "volunteer_members"
    __table_args__ = (UniqueConstraint("team_id", "resident_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_teams.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceEvent(StreetScoped, Base):
    """One service (e.g. a corridor clean-up), optionally at a building."""

    __tablename__ = "volunteer_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_teams.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Participation(StreetScoped, Base):
    """A member's time at one service, in minutes."""

    __tablename__ = "volunteer_participations"
    __table_args__ = (UniqueConstraint("event_id", "resident_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("volunteer_events.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    minutes: Mapped[int] = mapped_column(Integer)


MODELS = (Team, Member, ServiceEvent, Participation)
