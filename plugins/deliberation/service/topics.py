"""The rules of topics (residents' appeals) and their consultations: raising, moving a topic
through its lifecycle, comments and moderation.

Every function takes an open session scoped to one street and raises ``DomainError`` for
anything the caller can fix. Auditing is the caller's job (it knows who is acting).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now
from jiedao.api.graphql import encode_global_id
from jiedao.api import registry
from jiedao.api.domain import get_or_not_found
from jiedao.api.messages import Name, names_list
from jiedao.plugins.deliberation.models import ActionItem, Comment, Topic, TopicStatus, TopicStep
from jiedao.plugins.deliberation.service.ballots import aware
from jiedao.plugins.deliberation.service.follow_up import Matter, hand_over
from jiedao.plugins.deliberation.service.scope import is_home_compound

TRANSITIONS: dict[TopicStatus, set[TopicStatus]] = {
    TopicStatus.RAISED: {TopicStatus.DISCUSSING, TopicStatus.REJECTED},
    TopicStatus.DISCUSSING: {TopicStatus.DECIDED, TopicStatus.REJECTED},
    TopicStatus.DECIDED: {TopicStatus.IMPLEMENTED},
    TopicStatus.IMPLEMENTED: set(),
    TopicStatus.REJECTED: set(),
}


async def get_topic(session: AsyncSession, topic_id: int) -> Topic:
    """The topic, or ``NOT_FOUND``."""
    return await get_or_not_found(session, Topic, topic_id, field="topicId", message="No such topic in this street.")


async def raise_topic(
    session: AsyncSession,
    *,
    title: str,
    description: str,
    compound_id: int | None,
    building_id: int | None,
    unit_id: int | None,
    resident_id: int | None,
    user_id: int | None,
    actor: str,
    street_wide: bool = False,
    home_of: int | None = None,
) -> Topic:
    """Record a new topic tied to a compound, a building or a unit (the most precise wins;
    the wider places are filled in from the registry), or a street-wide one.

    ``home_of`` (a resident id) limits the place to the communities where that resident owns
    or lives: ``OUT_OF_SCOPE`` naming the place's field otherwise."""
    if not title.strip():
        raise DomainError("A topic needs a title.", code="REQUIRED", field="title")
    named = next((f for f, v in (("unitId", unit_id), ("buildingId", building_id), ("compoundId", compound_id)) if v is not None), None)
    if street_wide and named:
        raise DomainError("A street-wide topic names no place.", code="INVALID_SCOPE", field=named)
    if street_wide:
        return await _record_topic(session, title, description, None, None, None, resident_id, user_id, actor)
    if unit_id is not None:
        building_id = await session.scalar(select(registry.Unit.building_id).where(registry.Unit.id == unit_id))
        if building_id is None:
            raise DomainError("No such unit in this street.", code="NOT_FOUND", field="unitId")
    if building_id is not None:
        compound_id = await session.scalar(select(registry.Building.compound_id).where(registry.Building.id == building_id))
        if compound_id is None:
            raise DomainError("No such building in this street.", code="NOT_FOUND", field="buildingId")
    if compound_id is None:
        raise DomainError("Say where the topic is: a compound, a building or a unit.", code="REQUIRED", field="compoundId")
    if await session.scalar(select(registry.Compound.id).where(registry.Compound.id == compound_id)) is None:
        raise DomainError("No such compound in this street.", code="NOT_FOUND", field="compoundId")
    if home_of is not None and not await is_home_compound(session, home_of, compound_id):
        raise DomainError(
            "You may raise topics only about places in your own community, or street-wide ones.", code="OUT_OF_SCOPE", field=named
        )
    return await _record_topic(session, title, description, compound_id, building_id, unit_id, resident_id, user_id, actor)


async def _record_topic(session, title, description, compound_id, building_id, unit_id, resident_id, user_id, actor) -> Topic:
    """Store a raised topic with its first step and hand it over for follow-up."""
    moment = now()
    topic = Topic(
        title=title.strip(),
        description=description,
        status=TopicStatus.RAISED.value,
        compound_id=compound_id,
        building_id=building_id,
        unit_id=unit_id,
        raised_by_resident_id=resident_id,
        raised_by_user_id=user_id,
        created_at=moment,
        updated_at=moment,
    )
    session.add(topic)
    await session.flush()
    session.add(TopicStep(topic_id=topic.id, from_status=None, to_status=topic.status, note="", actor=actor, actor_id=user_id, at=moment))
    await session.flush()
    await hand_over(
        session,
        Matter(
            change="topic_raised", subject=encode_global_id("Topic", topic.id), title=topic.title, compound_id=compound_id,
            building_id=building_id, unit_id=unit_id, topic_id=topic.id, raised_by_user_id=user_id, raised_by_resident_id=resident_id,
        ),
    )
    return topic


async def advance_topic(session: AsyncSession, topic_id: int, to: TopicStatus, note: str, *, actor: str, user_id: int | None) -> Topic:
    """Move a topic one step (raised -> discussing -> implemented, or rejected); a topic is
    decided only at a meeting (``meetings.decide``).

    Rejecting needs the reason and implementing a note of what was done, both as ``note``;
    a topic is implemented only once all its action items are closed (``INVALID_STATE``
    naming the open ones otherwise).
    """
    topic = await get_topic(session, topic_id)
    current = TopicStatus(topic.status)
    if to not in TRANSITIONS[current]:
        allowed = names_list(sorted(TRANSITIONS[current], key=lambda s: s.value)) if TRANSITIONS[current] else Name("none")
        raise DomainError(
            "A {current} topic cannot become {to} (allowed: {allowed}).", code="INVALID_TRANSITION", field="status",
            current=current.value, to=to.value, allowed=allowed,
        )
    if to is TopicStatus.DECIDED:
        raise DomainError(
            "A topic is decided at a meeting: record the decision on its agenda item (decideAgendaItem).",
            code="INVALID_TRANSITION",
            field="status",
        )
    note = note.strip()
    if to in (TopicStatus.IMPLEMENTED, TopicStatus.REJECTED) and not note:
        if to is TopicStatus.IMPLEMENTED:
            raise DomainError("Give what was done as the note.", code="REQUIRED", field="note")
        raise DomainError("Give the reason for rejecting it as the note.", code="REQUIRED", field="note")
    if to is TopicStatus.IMPLEMENTED:
        await _refuse_open_action_items(session, topic)
    if to is TopicStatus.REJECTED:
        topic.rejection_reason = note
    await move_topic(session, topic, to, note, actor=actor, user_id=user_id)
    if to in (TopicStatus.IMPLEMENTED, TopicStatus.REJECTED):
        settled = "已落实" if to is TopicStatus.IMPLEMENTED else "不予采纳"
        await hand_over(
            session, Matter(change="topic_settled", subject=encode_global_id("Topic", topic.id), title=topic.title, note=f"议题{settled}：{note}")
        )
    return topic


async def _refuse_open_action_items(session: AsyncSession, topic: Topic) -> None:
    """``INVALID_STATE`` naming the topic's action items that are not closed yet."""
    open_items = list(
        await session.scalars(select(ActionItem).where(ActionItem.topic_id == topic.id, ActionItem.done_at.is_(None)).order_by(ActionItem.id))
    )
    if open_items:
        names = "; ".join(f"{i.description} (due {i.due_on.isoformat()})" for i in open_items)
        raise DomainError("The topic still has open action items: {items}.", code="INVALID_STATE", field="status", items=names)


async def move_topic(session: AsyncSession, topic: Topic, to: TopicStatus, note: str, *, actor: str, user_id: int | None) -> Topic:
    """Set the topic's status and record the step (no checks: callers decide the move is legal)."""
    current = topic.status
    moment = now()
    topic.status = to.value
    topic.updated_at = moment
    session.add(TopicStep(topic_id=topic.id, from_status=current, to_status=to.value, note=note, actor=actor, actor_id=user_id, at=moment))
    await session.flush()
    return topic


async def publish_topic(session: AsyncSession, topic_id: int) -> Topic:
    """Publish a topic to the residents of its community (or the street, if street-wide)."""
    topic = await get_topic(session, topic_id)
    if topic.published_at is None:
        topic.published_at = now()
        await session.flush()
    return topic


async def add_comment(session: AsyncSession, topic_id: int, body: str, *, actor: str, user_id: int | None) -> Comment:
    """A consultation comment, accepted only while the topic's consultation is open."""
    topic = await get_topic(session, topic_id)
    if topic.consultation_closes_at is None:
        raise DomainError("This topic is not open for consultation.", code="NOT_OPEN", field="topicId")
    if now() >= topic.consultation_closes_at:
        raise DomainError("The consultation on this topic has closed.", code="CLOSED", field="topicId")
    if not body.strip():
        raise DomainError("The comment is empty.", code="REQUIRED", field="body")
    comment = Comment(topic_id=topic.id, body=body.strip(), author=actor, author_id=user_id, at=now())
    session.add(comment)
    await session.flush()
    return comment


async def hide_comment(session: AsyncSession, comment_id: int, reason: str) -> Comment:
    """Moderation: hide a comment from residents, keeping it and the reason on record."""
    comment = await get_or_not_found(session, Comment, comment_id, field="commentId", message="No such comment in this street.")
    if not reason.strip():
        raise DomainError("Give the reason for hiding the comment.", code="REQUIRED", field="reason")
    comment.hidden = True
    comment.hidden_reason = reason.strip()
    await session.flush()
    return comment


async def open_consultation(session: AsyncSession, topic_id: int, closes_at: datetime) -> Topic:
    """Open (or extend) the period in which residents may comment on a topic."""
    topic = await get_topic(session, topic_id)
    closes_at = aware(closes_at)
    if closes_at <= now():
        raise DomainError("The consultation must close in the future.", code="INVALID_PERIOD", field="closesAt")
    if topic.status in (TopicStatus.IMPLEMENTED.value, TopicStatus.REJECTED.value):
        raise DomainError(
            "The topic is {status}; there is nothing left to consult on.", code="INVALID_STATUS", field="topicId", status=topic.status.lower()
        )
    topic.consultation_closes_at = closes_at
    topic.updated_at = now()
    await session.flush()
    return topic
