"""The events the sensors plugin publishes: one per step of an alarm's lifecycle.

Subscribe by name, e.g. ``register.on("sensors.alarm.raised", handler)`` with
``async def handler(event, delivery)``; every event carries the fields of ``AlarmEvent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from jiedao.api import DomainEvent
from jiedao.api.domain import event_kind


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


AlarmRaised = event_kind("AlarmRaised", AlarmEvent, "sensors.alarm.raised", "A new alarm was raised (ACTIVE_UNACK).")
AlarmUpdated = event_kind("AlarmUpdated", AlarmEvent, "sensors.alarm.updated", "An open alarm's condition repeated, or got worse.")
AlarmAcknowledged = event_kind("AlarmAcknowledged", AlarmEvent, "sensors.alarm.acknowledged", "Someone took charge of an alarm.")
AlarmCleared = event_kind(
    "AlarmCleared", AlarmEvent, "sensors.alarm.cleared", "An alarm was closed: back to normal, cleared by hand, or its device retired."
)
AlarmEscalated = event_kind(
    "AlarmEscalated",
    AlarmEvent,
    "sensors.alarm.escalated",
    "Nobody acknowledged an alarm in time: it went one step up the escalation ladder.",
)


EVENTS: tuple[type[AlarmEvent], ...] = (AlarmRaised, AlarmUpdated, AlarmAcknowledged, AlarmCleared, AlarmEscalated)
BY_CHANGE: dict[str, type[AlarmEvent]] = {cls.name.rsplit(".", 1)[1]: cls for cls in EVENTS}
"""The event class of each ``Change.what``."""
