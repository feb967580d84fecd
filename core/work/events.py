"""The events the kernel publishes about work items (core's events: subscribe with
``register.on(WorkItemClosed, handler)`` or by name, e.g. ``"core.work.item.closed"``).

Each carries the item's id and global ID and its ``subject`` (the global ID of what it is
about), so the plugin that opened it recognises its own: e.g. the sensors plugin reads
``event.subject`` to find its alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jiedao.core.events import DomainEvent


@dataclass(frozen=True)
class WorkItemEvent(DomainEvent):
    """A work item as it is after the change."""

    work_item_id: int
    work_item: str
    """The work item's global ID."""
    subject: str
    category: str
    source: str
    state: str
    building_id: int | None
    assignee_org_id: int | None
    assignee_user_id: int | None


@dataclass(frozen=True)
class WorkItemOpened(WorkItemEvent):
    """A work item was opened."""

    name: ClassVar[str] = "core.work.item.opened"


@dataclass(frozen=True)
class WorkItemStateChanged(WorkItemEvent):
    """A work item moved from one state to another (``action`` names the step)."""

    name: ClassVar[str] = "core.work.item.state_changed"
    from_state: str = ""
    action: str = ""
    outcome: str | None = None


@dataclass(frozen=True)
class WorkItemClosed(WorkItemEvent):
    """A work item was closed: confirmed by its resident, closed by staff, or after its outcome
    was recorded when nobody can rate it. ``outcome`` and ``rating`` as recorded."""

    name: ClassVar[str] = "core.work.item.closed"
    outcome: str | None = None
    rating: str | None = None


@dataclass(frozen=True)
class WorkItemEscalated(WorkItemEvent):
    """An overdue work item went one step up the ladder (``level``: grid, community, street, department)."""

    name: ClassVar[str] = "core.work.item.escalated"
    level: str = ""


WORK_EVENTS = (WorkItemOpened, WorkItemStateChanged, WorkItemClosed, WorkItemEscalated)
