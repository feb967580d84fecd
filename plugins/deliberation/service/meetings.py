"""Meetings: three-party joint meetings (半月谈), 红茶议事会 sessions, their agenda, the
decision taken on each agenda item, minutes, action items and publication to residents.

The accountability chain: placing a topic on an agenda moves it to ``DISCUSSING``; the
decision on its agenda item moves it to ``DECIDED`` and links it to the meeting; the action
items decided there are linked to the item and the topic, owned by an organisation with a
deadline; the topic is ``IMPLEMENTED`` only once they are all closed (``topics``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import Base, DomainError, now
from jiedao.api.graphql import encode_global_id
from jiedao.api import registry
from jiedao.api.domain import get_or_not_found
from jiedao.plugins.deliberation.models import ActionItem, AgendaItem, Meeting, MeetingKind, Topic, TopicStatus
from jiedao.plugins.deliberation.service.ballots import aware
from jiedao.plugins.deliberation.service.follow_up import Matter, hand_over
from jiedao.plugins.deliberation.service.publicity import publish_meeting_decisions
from jiedao.plugins.deliberation.service.topics import move_topic

JOINT_PARTIES = ["居委会", "业委会", "物业"]


@dataclass(frozen=True)
class NewActionItem:
    """An action item to add: what, the responsible organisation and/or a note on the
    person responsible, the deadline, and the agenda item it follows from."""

    description: str
    due_on: date
    owner: str = ""
    organisation_id: int | None = None
    agenda_item_id: int | None = None


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
    return await get_or_not_found(session, Meeting, meeting_id, field="meetingId", message="No such meeting in this street.")


async def schedule(
    session: AsyncSession,
    *,
    kind: MeetingKind,
    title: str,
    scheduled_at: datetime,
    compound_id: int | None,
    parties: Sequence[str],
    agenda: Sequence[tuple[str, int | None]],
    actor: str = "system",
    user_id: int | None = None,
) -> tuple[Meeting, list[int]]:
    """Schedule a meeting; a joint meeting defaults to the three parties. Every ``RAISED``
    topic on the agenda moves to ``DISCUSSING``; returns the meeting and those topics' ids."""
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
    moved = []
    if topic_ids:
        for topic in await session.scalars(select(Topic).where(Topic.id.in_(topic_ids), Topic.status == TopicStatus.RAISED.value).order_by(Topic.id)):
            await move_topic(session, topic, TopicStatus.DISCUSSING, f"列入会议议程：{meeting.title}", actor=actor, user_id=user_id)
            moved.append(topic.id)
    await session.flush()
    return meeting, moved


def _refuse_before_meeting(meeting: Meeting, minutes: bool) -> None:
    """``TOO_EARLY`` while the meeting's scheduled time has not come (to record its minutes, else its decisions)."""
    if now() < meeting.scheduled_at:
        at = meeting.scheduled_at.isoformat()
        if minutes:
            raise DomainError(
                "The meeting is scheduled for {at}; its minutes cannot be recorded before it.", code="TOO_EARLY", field="meetingId", at=at
            )
        raise DomainError(
            "The meeting is scheduled for {at}; its decisions cannot be recorded before it.", code="TOO_EARLY", field="meetingId", at=at
        )


async def record_minutes(
    session: AsyncSession, meeting_id: int, minutes: str, attendance: Sequence[str], items: Sequence[NewActionItem]
) -> Meeting:
    """Store the minutes and attendance and add the action items decided; not before the
    meeting's scheduled time (``TOO_EARLY``)."""
    meeting = await get_meeting(session, meeting_id)
    _refuse_before_meeting(meeting, minutes=True)
    if not minutes.strip():
        raise DomainError("The minutes are empty.", code="REQUIRED", field="minutes")
    meeting.minutes = minutes.strip()
    meeting.attendance = list(attendance)
    await add_action_items(session, meeting, items, "actionItems")
    return meeting


async def decide(
    session: AsyncSession, agenda_item_id: int, decision: str, items: Sequence[NewActionItem], *, actor: str, user_id: int | None
) -> tuple[Meeting, AgendaItem]:
    """Record the decision taken on one agenda item, with its action items; its topic, if
    still being discussed, becomes ``DECIDED`` with this item as the decision's record.

    Not before the meeting's time (``TOO_EARLY``); an item is decided once (``INVALID_STATE``)."""
    item = await get_or_not_found(session, AgendaItem, agenda_item_id, field="agendaItemId", message="No such agenda item in this street.")
    meeting = await get_meeting(session, item.meeting_id)
    _refuse_before_meeting(meeting, minutes=False)
    if not decision.strip():
        raise DomainError("Give the decision taken on this agenda item.", code="REQUIRED", field="decision")
    if item.decided_at is not None:
        raise DomainError("This agenda item has already been decided.", code="INVALID_STATE", field="agendaItemId")
    item.decision, item.decided_at = decision.strip(), now()
    topic = await session.scalar(select(Topic).where(Topic.id == item.topic_id)) if item.topic_id else None
    if topic is not None and topic.status in (TopicStatus.RAISED.value, TopicStatus.DISCUSSING.value):
        if topic.status == TopicStatus.RAISED.value:
            await move_topic(session, topic, TopicStatus.DISCUSSING, f"列入会议议程：{meeting.title}", actor=actor, user_id=user_id)
        topic.decision = item.decision
        item.decides_topic = True
        await move_topic(session, topic, TopicStatus.DECIDED, f"{meeting.title}：{item.decision}", actor=actor, user_id=user_id)
    await add_action_items(session, meeting, [_on_item(i, item.id) for i in items], "actionItems")
    return meeting, item


def _on_item(item: NewActionItem, agenda_item_id: int) -> NewActionItem:
    return NewActionItem(item.description, item.due_on, item.owner, item.organisation_id, agenda_item_id)


async def add_action_items(session: AsyncSession, meeting: Meeting, items: Sequence[NewActionItem], field: str) -> list[ActionItem]:
    """Add action items to a meeting, each linked to its agenda item and that item's topic,
    and hand each over for follow-up. Needs a description and an organisation or a note on
    the person responsible; the organisation must exist in this street."""
    agenda = {a.id: a for a in await session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))}
    organisations = Base.metadata.tables["organisations"]
    made = []
    for index, new in enumerate(items):
        where = f"{field}[{index}]"
        if not new.description.strip():
            raise DomainError("Every action item needs a description.", code="REQUIRED", field=f"{where}.description")
        if new.organisation_id is None and not new.owner.strip():
            raise DomainError("Say who is responsible: an organisation or a person.", code="REQUIRED", field=f"{where}.organisationId")
        if new.organisation_id is not None and await session.scalar(
            select(organisations.c.id).where(organisations.c.id == new.organisation_id)
        ) is None:
            raise DomainError("No such organisation in this street.", code="NOT_FOUND", field=f"{where}.organisationId")
        agenda_item = agenda.get(new.agenda_item_id) if new.agenda_item_id is not None else None
        if new.agenda_item_id is not None and agenda_item is None:
            raise DomainError("No such agenda item on this meeting.", code="NOT_FOUND", field=f"{where}.agendaItemId")
        row = ActionItem(
            meeting_id=meeting.id,
            agenda_item_id=new.agenda_item_id,
            topic_id=agenda_item.topic_id if agenda_item else None,
            organisation_id=new.organisation_id,
            description=new.description.strip(),
            owner=new.owner.strip(),
            due_on=new.due_on,
        )
        session.add(row)
        made.append(row)
    await session.flush()
    for row in made:
        await hand_over(session, _matter("action_item_created", row))
    return made


def _matter(change, item: ActionItem) -> Matter:
    return Matter(
        change=change, subject=encode_global_id("MeetingActionItem", item.id), title=item.description,
        topic_id=item.topic_id, organisation_id=item.organisation_id, due_on=item.due_on,
    )


async def complete_action_item(session: AsyncSession, item_id: int) -> Meeting:
    """Close an action item; returns its meeting."""
    item = await get_or_not_found(session, ActionItem, item_id, field="actionItemId", message="No such action item in this street.")
    if item.done_at is None:
        item.done_at = now()
        await session.flush()
        await hand_over(session, _matter("action_item_closed", item))
    return await get_meeting(session, item.meeting_id)


async def publish(session: AsyncSession, meeting_id: int) -> Meeting:
    """Publish a meeting's minutes and decisions, and the topics on its agenda, to the
    residents of its compound's community (or the street); only once minutes are recorded."""
    meeting = await get_meeting(session, meeting_id)
    if not meeting.minutes:
        raise DomainError("Record the minutes before publishing the meeting.", code="INVALID_STATE", field="meetingId")
    moment = now()
    meeting.published_at = meeting.published_at or moment
    topic_ids = select(AgendaItem.topic_id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.topic_id.is_not(None))
    for topic in await session.scalars(select(Topic).where(Topic.id.in_(topic_ids), Topic.published_at.is_(None))):
        topic.published_at = moment
    await session.flush()
    await publish_meeting_decisions(session, meeting)
    return meeting
