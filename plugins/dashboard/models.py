"""The dashboard's one table: who acknowledged a hotspot, when, and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.api import Base, StreetScoped
from jiedao.api.domain import UTCDateTime


class HotspotAck(StreetScoped, Base):
    """A person took note of a building's hotspot (it stays listed, marked acknowledged)."""

    __tablename__ = "dashboard_hotspot_acks"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(150))
    note: Mapped[str] = mapped_column(Text, default="")

