"""The one table of NB-IoT ingestion: which platform messages were already taken in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.api import Base, StreetScoped
from jiedao.api.domain import UTCDateTime
from jiedao.plugins.sensors.models import BigId


class PushDelivery(StreetScoped, Base):
    """A platform message taken in (stored or quarantined): a retry of it finds its key here
    and changes nothing. Written in the same transaction as the message's readings."""

    __tablename__ = "sensor_push_deliveries"
    __table_args__ = (UniqueConstraint("street_id", "message_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_key: Mapped[str] = mapped_column(String(64))
    """The platform and the message's identity (its id, or device, type, timestamp and content)."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


NBIOT_MODELS = (PushDelivery,)
