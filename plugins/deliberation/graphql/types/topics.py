"""The deliberation plugin's topic types: residents' appeals and matters for deliberation,
their steps and consultation comments."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import and_, select

from jiedao.api import by_id, children, Node, node_type, registry, types
from jiedao.api.graphql import enum_field, linked, list_bound
from jiedao.plugins.deliberation.graphql.types.access import (
    BALLOT_READ,
    load_visible_meeting,
    PUBLISHED_READ,
    TOPIC_MANAGE,
    TOPIC_RAISE,
    TOPIC_READ,
    visible_topics,
)
from jiedao.plugins.deliberation.graphql.types.ballots import Ballot
from jiedao.plugins.deliberation.graphql.types.meetings import ActionItem, AgendaItem, Meeting
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.deliberation.models import Ballot as BallotModel
from jiedao.plugins.deliberation.models import ActionItem as ActionItemModel
from jiedao.plugins.deliberation.models import AgendaItem as AgendaItemModel
from jiedao.plugins.deliberation.models import Comment as CommentModel
from jiedao.plugins.deliberation.models import Topic as TopicModel
from jiedao.plugins.deliberation.models import TopicStatus
from jiedao.plugins.deliberation.models import TopicStep as TopicStepModel

TopicStatusEnum = described(
    strawberry.enum(TopicStatus, name="TopicStatus", description="Where a topic (议题) is: RAISED → DISCUSSING → DECIDED → IMPLEMENTED, or REJECTED with a reason."),
    RAISED="已提出 (raised), not yet on a meeting's agenda.",
    DISCUSSING="讨论中 (discussing): on a meeting's agenda.",
    DECIDED="已决定 (decided) at a meeting.",
    IMPLEMENTED="已落实 (implemented): the decision was carried out.",
    REJECTED="不予采纳 (rejected), with a reason.",
)


RESIDENT_ACTOR = "居民"
"""How a step taken by the topic's raiser is shown to other residents."""


@strawberry.type(description="One step of a topic's life.")
class TopicStep:
    from_status: TopicStatusEnum | None = strawberry.field(description="The status before; null for the first step.")
    to_status: TopicStatusEnum = strawberry.field(description="The status after.")
    note: str = strawberry.field(description="Why, or what was done.")
    actor: str = strawberry.field(description="Who moved the topic.")
    at: datetime = strawberry.field(description="When (ISO 8601 UTC).")


def visible_comments(ctx):
    """The comments the caller may fetch by ID: on a topic they may see, and hidden ones
    only for moderators (``node(id:)``)."""
    on_visible_topic = CommentModel.topic_id.in_(select(TopicModel.id).where(visible_topics(ctx)))
    return on_visible_topic if ctx.has_permission(TOPIC_MANAGE) else and_(on_visible_topic, CommentModel.hidden.is_(False))


@node_type(CommentModel, read=(TOPIC_READ, TOPIC_RAISE, PUBLISHED_READ), visible=visible_comments)
@strawberry.type(name="TopicComment", description="A consultation comment.")
class Comment(Node):
    body: str = strawberry.field(description="The comment's text.")
    author: str = strawberry.field(description="Who wrote it.")
    at: datetime = strawberry.field(description="When it was written (ISO 8601 UTC).")
    hidden: bool = strawberry.field(description="Hidden from residents by a moderator.")
    hidden_reason: str | None = strawberry.field(description="Why it was hidden; null when it is not.")


def _sees_raiser(ctx, topic) -> bool:
    """Staff and the raiser see who raised a topic and where exactly; other residents do not."""
    return ctx.has_permission(TOPIC_READ) or (ctx.user is not None and topic.raised_by_user_id == ctx.user.id)


@node_type(TopicModel, read=(TOPIC_READ, TOPIC_RAISE, PUBLISHED_READ), visible=visible_topics)
@strawberry.type(name="Topic", description="A residents' appeal or matter for deliberation (民生诉求/议题).")
class Topic(Node):
    title: str = strawberry.field(description="The topic's title.")
    description: str = strawberry.field(description="What the topic is about, in full.")
    decision: str | None = strawberry.field(description="What was decided; null until decided.")
    rejection_reason: str | None = strawberry.field(description="Why it was rejected; null unless REJECTED.")

    status = enum_field(TopicStatusEnum, description="Where the topic is.")

    created_at: datetime = strawberry.field(description="When it was raised (ISO 8601 UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (ISO 8601 UTC).")
    consultation_closes_at: datetime | None = strawberry.field(description="When its public consultation (征求意见) ends; null if none was opened.")

    @strawberry.field(description="The ballots that decide this topic (callers who may read ballots).", metadata=list_bound(10))
    async def ballots(self, info: strawberry.Info) -> list[Ballot]:
        if not info.context.has_permission(BALLOT_READ):
            return []
        return await children(info.context, BallotModel.topic_id).load(self.id)

    compound = linked(registry.Compound, "compound_id", types.Compound, description="The compound it is about, if any.")
    building = linked(registry.Building, "building_id", types.Building, description="The building it is about, if any.")

    unit = linked(registry.Unit, "unit_id", types.Unit, shown=_sees_raiser, description="The unit; shown only to staff and to the resident who raised the topic.")

    @strawberry.field(description="True for a topic about the whole street rather than one place.")
    def street_wide(self) -> bool:
        return self.compound_id is None

    @strawberry.field(description="When the topic was published to the residents of its community (or the street).")
    def published_at(self) -> datetime | None:
        return self.published_at

    @strawberry.field(description="Every step, oldest first: who moved the topic, when, and why (the raiser's name only to staff and the raiser).", metadata=list_bound(30))
    async def history(self, info: strawberry.Info) -> list[TopicStep]:
        steps = await children(info.context, TopicStepModel.topic_id).load(self.id)
        masked = not _sees_raiser(info.context, self)
        return [
            TopicStep(
                from_status=TopicStatus(s.from_status) if s.from_status else None,
                to_status=TopicStatus(s.to_status),
                note=s.note,
                actor=RESIDENT_ACTOR if masked and s.actor_id is not None and s.actor_id == self.raised_by_user_id else s.actor,
                at=s.at,
            )
            for s in steps
        ]

    @strawberry.field(description="The agenda item whose decision decided this topic, with its meeting; null until decided at a meeting.")
    async def decision_item(self, info: strawberry.Info) -> AgendaItem | None:
        rows = await children(info.context, AgendaItemModel.topic_id).load(self.id)
        return next((r for r in rows if r.decides_topic), None)

    @strawberry.field(description="The meeting that decided this topic (null until decided, or if you may not see that meeting).")
    async def decision_meeting(self, info: strawberry.Info) -> Meeting | None:
        rows = await children(info.context, AgendaItemModel.topic_id).load(self.id)
        item = next((r for r in rows if r.decides_topic), None)
        return await load_visible_meeting(info.context, item.meeting_id) if item else None

    @strawberry.field(description="Every agenda item this topic was on, oldest first.", metadata=list_bound(30))
    async def agenda_items(self, info: strawberry.Info) -> list[AgendaItem]:
        return await children(info.context, AgendaItemModel.topic_id).load(self.id)

    @strawberry.field(description="The action items decided for this topic; it is implemented once they are all done.", metadata=list_bound(30))
    async def action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return await children(info.context, ActionItemModel.topic_id).load(self.id)

    @strawberry.field(description="Consultation comments; hidden ones only for moderators.", metadata=list_bound(100))
    async def comments(self, info: strawberry.Info) -> list[Comment]:
        ctx = info.context
        rows = await children(ctx, CommentModel.topic_id).load(self.id)
        moderator = ctx.has_permission(TOPIC_MANAGE)
        return [c for c in rows if moderator or not c.hidden]


# -- meetings ---------------------------------------------------------------------------
