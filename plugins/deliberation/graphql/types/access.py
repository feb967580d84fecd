"""Who may see what in the deliberation plugin: the permission names its types share, and
the SQL filters and loaders that keep topics and meetings to the callers who may see them."""

from __future__ import annotations

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.plugins.deliberation.graphql.loaders import visible_by_id
from jiedao.plugins.deliberation.models import Meeting as MeetingModel
from jiedao.plugins.deliberation.models import Topic as TopicModel
from jiedao.plugins.deliberation.service.scope import in_home_or_street_wide

BALLOT_READ = "deliberation.ballot.read"
BALLOT_MANAGE = "deliberation.ballot.manage"
BALLOT_VOTE = "deliberation.ballot.vote"
TOPIC_READ = "deliberation.topic.read"
TOPIC_RAISE = "deliberation.topic.raise"
TOPIC_MANAGE = "deliberation.topic.manage"
MEETING_MANAGE = "deliberation.meeting.manage"
PUBLISHED_READ = "deliberation.published.read"


def raised_by_caller(ctx) -> ColumnElement[bool]:
    """The topics the caller raised (``myTopics``)."""
    return false() if ctx.user is None else TopicModel.raised_by_user_id == ctx.user.id


def consulted() -> ColumnElement[bool]:
    """The topics opened for public consultation (``consultations``)."""
    return TopicModel.consultation_closes_at.is_not(None)


def published_to_caller(ctx, model) -> ColumnElement[bool]:
    """Rows of ``model`` (topics, meetings) published to the caller: those of the
    communities where the caller owns or lives, and street-wide ones."""
    resident_id = ctx.user.resident_id if ctx.user else None
    return and_(model.published_at.is_not(None), in_home_or_street_wide(model.compound_id, resident_id))


def visible_topics(ctx) -> ColumnElement[bool]:
    """The topics the caller may see: every topic with ``deliberation.topic.read``; else,
    to those who may raise topics and comment, their own and those under consultation, and
    to readers of published material, the topics published to them."""
    if ctx.has_permission(TOPIC_READ):
        return true()
    seen = []
    if ctx.has_permission(TOPIC_RAISE):
        seen += [raised_by_caller(ctx), consulted()]
    if ctx.has_permission(PUBLISHED_READ):
        seen.append(published_to_caller(ctx, TopicModel))
    return or_(*seen) if seen else false()


def visible_meetings(ctx) -> ColumnElement[bool]:
    """Every meeting for those who manage meetings; every published one for staff who read
    every topic (grid workers); else the meetings published to the caller."""
    if ctx.has_permission(MEETING_MANAGE):
        return true()
    if not ctx.has_permission(PUBLISHED_READ):
        return false()
    if ctx.has_permission(TOPIC_READ):
        return MeetingModel.published_at.is_not(None)
    return published_to_caller(ctx, MeetingModel)


def load_visible_topic(ctx, topic_id: int | None):
    """The topic if the caller may see it (a loader call, or ``None``)."""
    return visible_by_id(ctx, TopicModel, visible_topics(ctx), "topic").load(topic_id) if topic_id else None


def load_visible_meeting(ctx, meeting_id: int):
    """The meeting if the caller may see it (a loader call)."""
    return visible_by_id(ctx, MeetingModel, visible_meetings(ctx), "meeting").load(meeting_id)
