"""Escalation of overdue work items up the ladder grid → community → street → department.

A sweep (the background job of ``jiedao serve``, or ``jiedao work escalate`` from cron) raises
every overdue item still waiting on its handler by one level, at most once per working day,
and never on a day off: an item overdue on the eve of 国庆 escalates on the first working day
after it. The claim of a level is one conditional UPDATE (level and date as read), so two
sweeps — concurrent, or one repeated after a crash — never escalate an item twice the same
day. The notification of each new level is written to the outbox in the same transaction, so
it exists exactly when the escalation does.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.events import defer, street_transaction
from jiedao.core.notify.direct import write_notification
from jiedao.core.notify.notification import Notification
from jiedao.core.organisations.models import Organisation, OrganisationKind
from jiedao.core.work import events
from jiedao.core.work.calendar import is_working_day
from jiedao.core.work.models import WorkItem, WorkStep
from jiedao.core.work.people import grid_workers_of_building, members_of, residents_committee_members
from jiedao.core.work.service import SYSTEM, event_of
from jiedao.core.work.settings import LADDER, WorkSettings
from jiedao.core.work.states import WAITING_ON_HANDLER
from jiedao.schema.ids import encode_global_id

log = logging.getLogger("jiedao.work")
SWEEP_INTERVAL = 600.0
"""Seconds between two sweeps of the background job."""


@dataclass(frozen=True)
class Escalation:
    """One item raised one level, and whom to tell."""

    work_item: str
    title: str
    level: str
    recipients: tuple[str, ...]
    overdue_since: datetime


async def recipients(session: AsyncSession, item: WorkItem, level: int, settings: WorkSettings) -> tuple[str, ...]:
    """Who hears of ``item`` at ``level``: the level's role (``escalation_roles``) and, where
    the tables name them, people as ``@username`` — the building's grid workers, its community's
    residents' committee, the members of the department it is assigned to."""
    people = []
    if item.building_id is not None and level == 0:
        people = await grid_workers_of_building(session, item.building_id)
    elif item.building_id is not None and level == 1:
        people = await residents_committee_members(session, item.building_id)
    elif level == 3 and item.assignee_org_id is not None:
        organisation = await session.get(Organisation, item.assignee_org_id)
        if organisation is not None and organisation.kind == OrganisationKind.DEPARTMENT:
            people = await members_of(session, organisation.id)
    return (settings.escalation_roles[level], *dict.fromkeys(f"@{u.username}" for u in people))


async def escalate_overdue(session: AsyncSession, settings: WorkSettings, at: datetime | None = None) -> list[Escalation]:
    """Raise every overdue item waiting on its handler one level (see the module's docstring);
    nothing on a day that is not a working day in China."""
    at = (at or clock.now()).astimezone(UTC)  # stored and compared in UTC (SQLite compares text)
    today = at.astimezone(clock.CHINA).date()
    if not is_working_day(today)[0]:
        return []
    due = select(WorkItem).where(
        WorkItem.state.in_([s.value for s in WAITING_ON_HANDLER]),
        WorkItem.due_at < at,
        WorkItem.escalation_level < len(LADDER) - 1,
        or_(WorkItem.escalated_on.is_(None), WorkItem.escalated_on < today),
    ).order_by(WorkItem.id)
    done = []
    for item in (await session.scalars(due)).all():
        level = item.escalation_level + 1
        claimed = await session.execute(
            update(WorkItem)
            .where(WorkItem.id == item.id, WorkItem.escalation_level == item.escalation_level, or_(WorkItem.escalated_on.is_(None), WorkItem.escalated_on < today))
            .values(escalation_level=level, escalated_on=today, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue  # another sweep took it
        await session.refresh(item)
        note = f"overdue since {item.due_at.astimezone(clock.CHINA):%Y-%m-%d %H:%M}: escalated to {LADDER[level]}"
        session.add(WorkStep(work_item_id=item.id, at=at, actor=SYSTEM.name, action="escalate", from_state=item.state, to_state=item.state, note=note))
        defer(session, event_of(events.WorkItemEscalated, item, level=LADDER[level]))
        done.append(Escalation(encode_global_id("WorkItem", item.id), item.title, LADDER[level], await recipients(session, item, level, settings), item.due_at))
    return done


async def sweep_street(kernel, street: str, at: datetime | None = None) -> list[Escalation]:
    """Escalate the street's overdue items and write the notification of each new level to
    the outbox, in one transaction."""
    async with street_transaction(kernel, street) as session:
        escalations = await escalate_overdue(session, kernel.settings(street, "work"), at)
        for escalation in escalations:
            await write_notification(
                session,
                kernel,
                Notification(
                    street=street,
                    recipients=escalation.recipients,
                    subject=f"Overdue work item escalated to {escalation.level}: {escalation.title} ({escalation.work_item})",
                    body=f"due {escalation.overdue_since.astimezone(clock.CHINA):%Y-%m-%d %H:%M}; now with: {', '.join(escalation.recipients)}",
                    severity="warning",
                    reference=escalation.work_item,
                    data={"work_item": escalation.work_item, "level": escalation.level, "recipients": list(escalation.recipients)},
                ),
            )
    return escalations


async def run_escalations(kernel, interval: float = SWEEP_INTERVAL) -> None:
    """Background work of ``jiedao serve``: a sweep of every street every ``interval`` seconds."""
    while True:
        for street in kernel.config.streets:
            try:
                await sweep_street(kernel, street)
            except Exception:  # noqa: BLE001 - try again next round
                log.exception("work-item escalation failed in %s", street)
        await asyncio.sleep(interval)
