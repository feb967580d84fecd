"""The sensors plugin's tables: devices, their readings, alarms and quarantined messages.

A device's latest values live on the device row (``latest``), apart from the history in
``sensor_readings``: lists and dashboards read one row per device, history is read only
for one device at a time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from jiedao.api import Base, StreetScoped
from jiedao.api.domain import UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")
"""A 64-bit key on PostgreSQL, SQLite's rowid alias there (autoincrement needs INTEGER)."""


class Device(StreetScoped, Base):
    """A device installed in the street, identified on MQTT by ``device_id``.

    ``kind`` is one of ``service.rules.KINDS``; ``status`` is UNKNOWN until the device
    is first heard from, then ONLINE, or OFFLINE when silent for too long or when the
    broker publishes its last will.
    """

    __tablename__ = "sensor_devices"
    # Every ingested batch rewrites its devices' rows: free room on each page lets
    # PostgreSQL update them in place (HOT) instead of touching all eight indexes.
    __table_args__ = (UniqueConstraint("street_id", "device_id"), {"postgresql_with": {"fillfactor": 50}})
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    stairwell: Mapped[str | None] = mapped_column(String(20))
    """Installed at this stairwell (单元) of its building ("" for a building with one); None:
    not at a stairwell (a whole building, or a unit). See ``service.installations``."""
    floor: Mapped[int | None] = mapped_column(Integer)
    """Installed at this floor of its building (of ``stairwell`` when set); None: not at a floor."""
    status: Mapped[str] = mapped_column(String(16), default="UNKNOWN", index=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    latest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Alarm conditions met but not yet for their hold time: alarm type → ISO time since when."""


class KeySeries:
    """Mixin for the rows of one key of one device over time (raw readings, hourly roll-ups):
    a big ``id``, the device (``ON DELETE CASCADE``, served by the table's unique index) and the key."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))

    @declared_attr
    def device_pk(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("sensor_devices.id", ondelete="CASCADE"))


class Reading(KeySeries, StreetScoped, Base):
    """One value of one key reported by a device at ``ts`` (the history).

    On PostgreSQL the table's primary key is ``(id, ts)`` (``sensors_0008``: a partitioned
    table's unique constraints must hold the partition key); the model keeps ``id`` alone on
    purpose: on SQLite ``id`` must stay the single INTEGER PRIMARY KEY to be assigned by
    the database (a composite key there would need ids from the application), the model is
    shared by both databases, ``id`` is still unique in practice (one sequence) and the ORM
    only needs an identity for loaded rows. Alembic's compare does not compare primary keys,
    so the model and the migrations still match (``test_models_match_migrations``)."""

    __tablename__ = "sensor_readings"
    __table_args__ = (
        UniqueConstraint("device_pk", "ts", "key"),  # also serves a device's history by time
        Index("ix_sensor_readings_ts", "ts"),
    )
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float)


class HourlyReading(KeySeries, StreetScoped, Base):
    """The readings of one key of one device within one UTC hour, rolled up
    (``service.retention.rollup_and_prune``): how many, the least, the greatest, the sum.

    ``sealed`` is set once the hour's raw readings were pruned: the row then holds the
    only record of them, and readings arriving later for that hour are added to it.
    """

    __tablename__ = "sensor_readings_hourly"
    __table_args__ = (
        UniqueConstraint("device_pk", "hour", "key"),
        Index("ix_sensor_readings_hourly_hour", "hour"),
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    sum: Mapped[float] = mapped_column(Float)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)


ACTIVE = text("status <> 'CLEARED'")
"""Open alarms: every status but CLEARED (CLEARED_UNACK, over by itself but not yet
acknowledged, included)."""


class Alarm(StreetScoped, Base):
    """An alarm of one type on one device; at most one is not CLEARED per device and type
    (a CLEARED_UNACK one counts: it is open until a person acknowledges it).

    Repeats of the condition update the open alarm (``value``, ``severity``,
    ``repeat_count``) instead of raising another one.
    """

    __tablename__ = "sensor_alarms"
    __table_args__ = (
        Index(
            "uq_sensor_alarms_open",
            "device_pk",
            "type",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
        Index("ix_sensor_alarms_status_severity", "status", "severity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    device_pk: Mapped[int] = mapped_column(ForeignKey("sensor_devices.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    # The rule's severity before the people at home raised it (``rules.with_care``): whether
    # a new reading is worse is decided on it. None on alarms raised before sensors_0009.
    rule_severity: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE_UNACK")
    value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(String(300), default="")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    ack_outcome: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    """What happened, recorded by the person who closed the alarm (``service.outcomes.OUTCOMES``)."""
    """What the person who acknowledged found (``jiedao.api.alerts.ACK_OUTCOMES``), if they said."""
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")


class QuarantinedMessage(StreetScoped, Base):
    """A message the ingester refused, kept with the reason so an operator can look."""

    __tablename__ = "sensor_quarantine"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    topic: Mapped[str] = mapped_column(String(300))
    device_id: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    payload: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    """The refused bytes as received (the first ``service.store.QUARANTINE_BYTES``)."""


class ServedUnit(StreetScoped, Base):
    """A unit a device serves (the households of a meter box), besides the unit it is installed
    in: listed at registration, or derived from its place (``service.installations``)."""

    __tablename__ = "sensor_device_units"
    __table_args__ = (UniqueConstraint("device_pk", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    device_pk: Mapped[int] = mapped_column(ForeignKey("sensor_devices.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)


class AlarmComment(StreetScoped, Base):
    """A comment a handler wrote on an alarm (what they saw, what they did); append-only."""

    __tablename__ = "sensor_alarm_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("sensor_alarms.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


SENSOR_MODELS = (Device, Reading, HourlyReading, Alarm, QuarantinedMessage, ServedUnit, AlarmComment)
