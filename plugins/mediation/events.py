"""The domain events mediation publishes (its catalogue, listed in ``PluginInfo(events=...)``).

Other plugins (credit, dashboard) subscribe by name, ``register.on("mediation.finding.created",
handler)``, and read the fields as attributes; they never import this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from jiedao.api import DomainEvent
from jiedao.api.domain import event_kind


@dataclass(frozen=True)
class FindingEvent(DomainEvent):
    """What every finding event carries: the finding, where it is, and its status."""

    finding_id: int
    task_force_id: int
    building_id: int
    unit_id: int | None
    category: str
    department: str
    status: str
    licence_no: str | None = None
    description: str | None = None
    created_on: date | None = None
    deadline: date | None = None

    @classmethod
    def of(cls, finding) -> FindingEvent:
        """The event about ``finding`` (a ``models.Finding`` row)."""
        return cls(
            finding_id=finding.id,
            task_force_id=finding.task_force_id,
            building_id=finding.building_id,
            unit_id=finding.unit_id,
            category=finding.category,
            department=finding.department,
            status=finding.status,
        )


FindingCreated = event_kind(
    "FindingCreated", FindingEvent, "mediation.finding.created", "A rectification task force recorded a finding (a violation)."
)
FindingStatusChanged = event_kind(
    "FindingStatusChanged",
    FindingEvent,
    "mediation.finding.status_changed",
    "A finding moved (open → notified → rectified → verified); ``status`` is the new one.",
)

EVENTS = (FindingCreated, FindingStatusChanged)
