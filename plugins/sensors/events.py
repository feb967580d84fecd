"""The events the sensors plugin publishes: one per step of an alarm's lifecycle.

Subscribe by name, e.g. ``register.on("sensors.alarm.raised", handler)`` with
``async def handler(event, delivery)``; every event carries the fields of ``AlarmEvent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jiedao.api import DomainEvent


@dataclass(frozen=True)
class AlarmEvent(DomainEvent):
    """An alarm as it is after the change."""

    alarm_id: int
    alarm: str
    """The alarm's global ID."""
    device_id: str
    """The id the device uses on MQTT."""
    device_kind: str
    building_id: int | None
    resident_id: int | None
    type: str
    severity: str
    status: str
    value: float | None
    escalation_level: int


@dataclass(frozen=True)
class AlarmRaised(AlarmEvent):
    """A new alarm was raised (ACTIVE_UNACK)."""

    name: ClassVar[str] = "sensors.alarm.raised"


@dataclass(frozen=True)
class AlarmUpdated(AlarmEvent):
    """An open alarm's condition repeated, or got worse."""

    name: ClassVar[str] = "sensors.alarm.updated"


@dataclass(frozen=True)
class AlarmAcknowledged(AlarmEvent):
    """Someone took charge of an alarm."""

    name: ClassVar[str] = "sensors.alarm.acknowledged"


@dataclass(frozen=True)
class AlarmCleared(AlarmEvent):
    """An alarm was closed: back to normal, cleared by hand, or its device retired."""

    name: ClassVar[str] = "sensors.alarm.cleared"


@dataclass(frozen=True)
class AlarmEscalated(AlarmEvent):
    """Nobody acknowledged an alarm in time: it went one step up the escalation ladder."""

    name: ClassVar[str] = "sensors.alarm.escalated"


EVENTS: tuple[type[AlarmEvent], ...] = (AlarmRaised, AlarmUpdated, AlarmAcknowledged, AlarmCleared, AlarmEscalated)
BY_CHANGE: dict[str, type[AlarmEvent]] = {cls.name.rsplit(".", 1)[1]: cls for cls in EVENTS}
"""The event class of each ``Change.what``."""
