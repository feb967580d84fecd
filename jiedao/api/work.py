"""The kernel's work-item loop (事项): open and follow items, their states, sources, outcomes and events, China's working days."""

from __future__ import annotations

from jiedao.core.work.api import close_work_item, escalate_overdue_work, open_work_item, take_work_step, work_item_for, WorkOutcome, WorkSource
from jiedao.core.work.calendar import is_working_day
from jiedao.core.work.events import WorkItemClosed, WorkItemEscalated, WorkItemOpened, WorkItemStateChanged
from jiedao.core.work.figures import work_figures, WorkFigures
from jiedao.core.work.states import WorkState

__all__ = [
    "close_work_item",
    "escalate_overdue_work",
    "is_working_day",
    "open_work_item",
    "take_work_step",
    "work_figures",
    "work_item_for",
    "WorkFigures",
    "WorkItemClosed",
    "WorkItemEscalated",
    "WorkItemOpened",
    "WorkItemStateChanged",
    "WorkOutcome",
    "WorkSource",
    "WorkState",
]
