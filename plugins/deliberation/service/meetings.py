"""Meetings: three-party joint meetings (半月谈), 红茶议事会 sessions, minutes and action items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now
from jiedao.api import registry
from jiedao.plugins.deliberation.models import ActionItem, AgendaItem, Meeting, MeetingKind, Topic
from jiedao.plugins.deliberation.service.ballots import aware

JOINT_PARTIES = ["居委会", "业委会", "物业"]


def is_overdue(item: ActionItem, today: date | None = None) -> bool:
    """An action item not done by its due date."""
    return item.done_at is None and item.due_on < (today or now().date())


def overdue_statement(today: date | None = None) -> Select:
    """Open action items past their due date, earliest first."""
    return (
        select(ActionItem)
        .where(ActionItem.done_at.is_(None), ActionItem.due_on < (today or now().date()))
        .order_by(ActionItem.due_on, ActionItem.id)
    )


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    """The meeting, or ``NOT_FOUND``."""
    meeting = await session.scalar(select(Meeting).where(Meeting.id == meeting_id))
    if meeting is None:
        raise DomainError("No such meeting in this street.", code="NOT_FOUND", field="meetingId")
    return meeting


async def schedule(
    session: AsyncSession,
    *,
    kind: MeetingKind,
    title: str,
    scheduled_at: datetime,
    compound_id: int | None,
    parties: Sequence[str],
    agenda: Sequence[tuple[str, int | None]],
) -> Meeting:
    """Schedule a meeting; a joint meeting defaults to the three parties."""
    if not title.strip():
        raise DomainError("A meeting needs a title.", code="REQUIRED", field="title")
    if compound_id is not None and await session.scalar(select(registry.Compound.id).where(registry.Compound.id == compound_id)) is None:
        raise DomainError("No such compound in this street.", code="NOT_FOUND", field="compoundId")
    topic_ids = {t for _, t in agenda if t is not None}
    if topic_ids:
        found = set(await session.scalars(select(Topic.id).where(Topic.id.in_(topic_ids))))
        if found != topic_ids:
            raise DomainError("An agenda item names a topic this street does not have.", code="NOT_FOUND", field="agenda.topicId")
    meeting = Meeting(
        kind=kind.value,
        title=title.strip(),
        compound_id=compound_id,
        scheduled_at=aware(scheduled_at),
        parties=list(parties) or (JOINT_PARTIES if kind is MeetingKind.JOINT else []),
        attendance=[],
        minutes="",
    )
    session.add(meeting)
    await session.flush()
    session.add_all(AgendaItem(meeting_id=meeting.id, title=t, topic_id=topic_id) for t, topic_id in agenda)
    await session.flush()
    return meeting


async def record_minutes(
    session: AsyncSession, meeting_id: int, minutes: str, attendance: Sequence[str], items: Sequence[tuple[str, str, date]]
) -> Meeting:
    """Store the minutes and attendance and add the action items decided."""
    meeting = await get_meeting(session, meeting_id)
    if not minutes.strip():
        raise DomainError("The minutes are empty.", code="REQUIRED", field="minutes")
    meeting.minutes = minutes.strip()
    meeting.attendance = list(attendance)
    for description, owner, due_on in items:
        if not description.strip() or not owner.strip():
            raise DomainError("Every action item needs a description and an owner.", code="REQUIRED", field="actionItems")
        session.add(ActionItem(meeting_id=meeting.id, description=description.strip(), owner=owner.strip(), due_on=due_on))
    await session.flush()
    return meeting


async def complete_action_item(session: AsyncSession, item_id: int) -> Meeting:
    """Mark an action item done; returns its meeting."""
    item = await session.scalar(select(ActionItem).where(ActionItem.id == item_id))
    if item is None:
        raise DomainError("No such action item in this street.", code="NOT_FOUND", field="actionItemId")
    if item.done_at is None:
        item.done_at = now()
    await session.flush()
    return await get_meeting(session, item.meeting_id)
