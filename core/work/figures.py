"""What the work-item loop tells the cockpit: core publishes it like a plugin publishes figures.

- Metrics (``WORK_METRICS``): items closed (by category, organisation, on time or late) and items
  overdue now (a gauge, by category and organisation) — the dashboard's KPIs and breakdowns.
- A signal (``WORK_SIGNALS``): items that went past due, at their due time, per building — one
  of the sources hotspot early warning cross-checks; each row cites its item (``cites``).
- ``work_figures``: the ratios a sum cannot give — on-time closure rate, median time to close,
  satisfaction rate — and the overdue counts, in three statements whatever the number of items.

"Overdue" = past due and still waiting on its handler (as ``WorkItem.overdue``); "on time" =
closed no later than its due time (an item without a due time cannot be late).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, Integer, and_, case, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from jiedao.core import clock
from jiedao.core.figures import Metric, MetricKind, Signal
from jiedao.core.organisations.models import Organisation
from jiedao.core.work.models import Rating, WorkItem
from jiedao.core.work.states import FINAL, WAITING_ON_HANDLER

Execute = Callable[[Any], Awaitable[Any]]
SATISFIED = (Rating.SATISFIED.value, Rating.BASICALLY_SATISFIED.value)
NO_ORGANISATION = "（未指派单位）"


def _closed() -> ColumnElement[bool]:
    return WorkItem.state.in_([s.value for s in FINAL])


def _overdue(now: datetime) -> ColumnElement[bool]:
    return and_(WorkItem.state.in_([s.value for s in WAITING_ON_HANDLER]), WorkItem.due_at.is_not(None), WorkItem.due_at < now)


def _on_time() -> ColumnElement[bool]:
    return or_(WorkItem.due_at.is_(None), WorkItem.closed_at <= WorkItem.due_at)


def _organisation_name() -> ColumnElement[str]:
    return func.coalesce(Organisation.name, NO_ORGANISATION)


def closed_items():
    """``core.work.closed``: one row per closed item, at its closing time."""
    return (
        select(
            WorkItem.closed_at.label("at"),
            WorkItem.category.label("category"),
            _organisation_name().label("organisation"),
            case((_on_time(), "on_time"), else_="late").label("timeliness"),
        )
        .outerjoin(Organisation, Organisation.id == WorkItem.assignee_org_id)
        .where(_closed(), WorkItem.closed_at.is_not(None))
    )


def overdue_items():
    """``core.work.overdue``: one row per item overdue now."""
    return (
        select(WorkItem.category.label("category"), _organisation_name().label("organisation"))
        .outerjoin(Organisation, Organisation.id == WorkItem.assignee_org_id)
        .where(_overdue(clock.now()))
    )


def past_due_by_building():
    """``core.work.overdue``: items that went past due (overdue now, or closed late), at their
    due time, with the building and the item they cite."""
    late = and_(_closed(), WorkItem.closed_at > WorkItem.due_at)
    return select(
        WorkItem.due_at.label("at"),
        WorkItem.building_id.label("building_id"),
        WorkItem.id.label("cited_id"),
        WorkItem.title.label("cited_title"),
    ).where(WorkItem.building_id.is_not(None), WorkItem.due_at.is_not(None), or_(_overdue(clock.now()), late))


WORK_METRICS = (
    Metric(
        key="core.work.closed", title_zh="办结事项", title_en="Work items closed", kind=MetricKind.COUNTER,
        source=closed_items, unit="件", dimensions=("category", "organisation", "timeliness"),
        description="Work items closed (CONFIRMED or CLOSED), by category, assignee organisation and on time / late.",
    ),
    Metric(
        key="core.work.overdue", title_zh="逾期事项", title_en="Work items overdue", kind=MetricKind.GAUGE,
        source=overdue_items, unit="件", dimensions=("category", "organisation"),
        description="Open work items past their due time and still waiting on their handler, now.",
    ),
)

WORK_SIGNALS = (
    Signal(
        key="core.work.overdue", title_zh="逾期事项", title_en="Overdue work items", source=past_due_by_building, cites="WorkItem",
    ),
)


@dataclass(frozen=True)
class OverdueCount:
    """Overdue items of one category or one assignee organisation (``organisation_id`` None = none)."""

    label: str
    count: int
    organisation_id: int | None = None


@dataclass(frozen=True)
class WorkFigures:
    """The work loop over a period (closures, ratings) and now (overdue)."""

    closed: int
    closed_on_time: int
    median_seconds_to_close: float | None
    rated: int
    satisfied: int
    overdue: int
    overdue_by_category: list[OverdueCount]
    overdue_by_organisation: list[OverdueCount]

    @property
    def on_time_rate(self) -> float | None:
        """Closed on time / closed (None when nothing closed)."""
        return self.closed_on_time / self.closed if self.closed else None

    @property
    def satisfaction_rate(self) -> float | None:
        """(满意 + 基本满意) / rated (None when nothing was rated)."""
        return self.satisfied / self.rated if self.rated else None


def seconds_between(start: ColumnElement, end: ColumnElement, dialect: str) -> ColumnElement:
    """``end - start`` in seconds, on SQLite and PostgreSQL."""
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)


async def work_figures(execute: Execute, dialect: str, start: datetime, end: datetime, now: datetime | None = None) -> WorkFigures:
    """Items closed in ``[start, end)`` — how many on time, their median time to close, how
    many rated and satisfied — and items overdue at ``now``, by category and organisation.
    Three statements, through ``execute`` (a street-scoped session's)."""
    now, start, end = (now or clock.now()).astimezone(UTC), start.astimezone(UTC), end.astimezone(UTC)
    in_period = and_(_closed(), WorkItem.closed_at >= start, WorkItem.closed_at < end)
    totals = select(
        func.count(),
        func.coalesce(func.sum(case((_on_time(), 1), else_=0)), 0),
        func.count(WorkItem.rating),
        func.coalesce(func.sum(case((WorkItem.rating.in_(SATISFIED), 1), else_=0)), 0),
    ).where(in_period)
    closed, on_time, rated, satisfied = (await execute(totals)).one()

    duration = seconds_between(WorkItem.opened_at, WorkItem.closed_at, dialect)
    ranked = select(
        cast(duration, Float).label("d"),
        func.row_number().over(order_by=duration).label("rn"),
        func.count().over().label("n"),
    ).where(in_period).subquery()
    middle = and_(ranked.c.rn >= (ranked.c.n + 1) // 2, ranked.c.rn <= (ranked.c.n + 2) // 2)
    median = (await execute(select(func.avg(ranked.c.d)).where(middle))).scalar()

    overdue = (
        select(WorkItem.category, WorkItem.assignee_org_id, Organisation.name, func.count())
        .outerjoin(Organisation, Organisation.id == WorkItem.assignee_org_id)
        .where(_overdue(now))
        .group_by(WorkItem.category, WorkItem.assignee_org_id, Organisation.name)
    )
    by_category: dict[str, int] = {}
    by_organisation: dict[int | None, tuple[str, int]] = {}
    for category, org_id, name, count in (await execute(overdue)).all():
        by_category[category] = by_category.get(category, 0) + count
        label, seen = by_organisation.get(org_id, (name or NO_ORGANISATION, 0))
        by_organisation[org_id] = (label, seen + count)
    return WorkFigures(
        closed=int(closed), closed_on_time=int(on_time), median_seconds_to_close=None if median is None else float(median),
        rated=int(rated), satisfied=int(satisfied), overdue=sum(by_category.values()),
        overdue_by_category=_largest_first(OverdueCount(c, n) for c, n in by_category.items()),
        overdue_by_organisation=_largest_first(OverdueCount(label, n, org) for org, (label, n) in by_organisation.items()),
    )


def _largest_first(counts) -> list[OverdueCount]:
    return sorted(counts, key=lambda c: (-c.count, c.label))

