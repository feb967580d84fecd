"""GraphQL of topics (appeals), consultation comments and meetings, and ``Building.topics``,
``Resident.topics``."""

from __future__ import annotations

from datetime import date, datetime

from typing import Annotated

import strawberry
from sqlalchemy import false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from core import models as core_models
from core.errors import DomainError
from core.graphql import Building, Compound, Unit
from core.identity.audit import record_for
from plugins.deliberation import meetings, service
from plugins.deliberation.graphql_common import (
    MEETING_MANAGE,
    TOPIC_MANAGE,
    TOPIC_RAISE,
    TOPIC_READ,
    MeetingKindEnum,
    TopicStatusEnum,
    actor_of,
    as_enum,
    optional_id,
    write,
)
from plugins.deliberation.models import ActionItem as ActionItemModel
from plugins.deliberation.models import AgendaItem as AgendaItemModel
from plugins.deliberation.models import Comment as CommentModel
from plugins.deliberation.models import Meeting as MeetingModel
from plugins.deliberation.models import MeetingKind, TopicStatus
from plugins.deliberation.models import Topic as TopicModel
from plugins.deliberation.models import TopicStep as TopicStepModel
from schema.connection import Connection, paginate
from schema.cost import list_bound
from schema.errors import UserError, user_errors
from schema.ids import decode_id_of
from schema.loaders import by_id, children
from schema.node import Node, node_type
from schema.permissions import allow, allow_any
from schema.validation import LONG


def raised_by_caller(ctx) -> ColumnElement[bool]:
    """The topics the caller raised (``myTopics``)."""
    return false() if ctx.user is None else TopicModel.raised_by_user_id == ctx.user.id


def consulted() -> ColumnElement[bool]:
    """The topics opened for public consultation (``consultations``)."""
    return TopicModel.consultation_closes_at.is_not(None)


def visible_topics(ctx) -> ColumnElement[bool]:
    """The topics the caller may see: every topic with ``deliberation.topic.read``; else,
    to those who may raise topics and comment, their own and those under consultation."""
    if ctx.has_permission(TOPIC_READ):
        return true()
    if not ctx.has_permission(TOPIC_RAISE):
        return false()
    return or_(raised_by_caller(ctx), consulted())



@strawberry.type(description="One step of a topic's life.")
class TopicStep:
    from_status: TopicStatusEnum | None
    to_status: TopicStatusEnum
    note: str
    actor: str
    at: datetime


@strawberry.type(name="TopicComment", description="A consultation comment.")
class Comment:
    id: strawberry.ID
    body: str
    author: str
    at: datetime
    hidden: bool
    hidden_reason: str | None


@node_type(TopicModel, read=(TOPIC_READ, TOPIC_RAISE), visible=visible_topics)
@strawberry.type(name="Topic", description="A residents' appeal or matter for deliberation (民生诉求/议题).")
class Topic(Node):
    title: str
    description: str
    decision: str | None
    rejection_reason: str | None

    @strawberry.field
    def status(self) -> TopicStatusEnum:
        return TopicStatus(self.status)

    created_at: datetime
    updated_at: datetime
    consultation_closes_at: datetime | None

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> Compound | None:
        return await by_id(info.context, core_models.Compound).load(self.compound_id) if self.compound_id else None

    @strawberry.field
    async def building(self, info: strawberry.Info) -> Building | None:
        return await by_id(info.context, core_models.Building).load(self.building_id) if self.building_id else None

    @strawberry.field
    async def unit(self, info: strawberry.Info) -> Unit | None:
        return await by_id(info.context, core_models.Unit).load(self.unit_id) if self.unit_id else None

    @strawberry.field(description="Every step, oldest first: who moved the topic, when, and why.", metadata=list_bound(30))
    async def history(self, info: strawberry.Info) -> list[TopicStep]:
        steps = await children(info.context, TopicStepModel.topic_id).load(self.id)
        return [
            TopicStep(
                from_status=TopicStatus(s.from_status) if s.from_status else None,
                to_status=TopicStatus(s.to_status),
                note=s.note,
                actor=s.actor,
                at=s.at,
            )
            for s in steps
        ]

    @strawberry.field(description="Consultation comments; hidden ones only for moderators.", metadata=list_bound(100))
    async def comments(self, info: strawberry.Info) -> list[Comment]:
        ctx = info.context
        rows = await children(ctx, CommentModel.topic_id).load(self.id)
        moderator = ctx.has_permission(TOPIC_MANAGE)
        return [
            Comment(
                id=strawberry.ID(str(c.id)),
                body=c.body if not c.hidden or moderator else "",
                author=c.author,
                at=c.at,
                hidden=c.hidden,
                hidden_reason=c.hidden_reason,
            )
            for c in rows
            if moderator or not c.hidden
        ]


@strawberry.input
class RaiseTopicInput:
    title: str
    description: Annotated[str, LONG] = ""
    compound_id: strawberry.ID | None = None
    building_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = None


@strawberry.input
class AdvanceTopicInput:
    topic_id: strawberry.ID
    status: TopicStatusEnum
    note: str = strawberry.field(default="", description="The decision (DECIDED) or the reason (REJECTED); required for those.")


@strawberry.input
class OpenConsultationInput:
    topic_id: strawberry.ID
    closes_at: datetime


@strawberry.input
class AddCommentInput:
    topic_id: strawberry.ID
    body: Annotated[str, LONG]


@strawberry.input
class HideCommentInput:
    comment_id: strawberry.ID
    reason: str


@strawberry.type
class TopicPayload:
    topic: Topic | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CommentPayload:
    comment: Comment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _comment(c: CommentModel) -> Comment:
    return Comment(id=strawberry.ID(str(c.id)), body=c.body, author=c.author, at=c.at, hidden=c.hidden, hidden_reason=c.hidden_reason)


# -- meetings --------------------------------------------------------------------------


@strawberry.type(name="MeetingActionItem", description="Something a meeting decided someone must do by a date.")
class ActionItem:
    id: strawberry.ID
    description: str
    owner: str
    due_on: date
    done: bool
    overdue: bool


@strawberry.type(name="MeetingAgendaItem", description="An item on a meeting's agenda.")
class AgendaItem:
    title: str
    decision: str | None
    _topic_id: strawberry.Private[int | None]

    @strawberry.field
    async def topic(self, info: strawberry.Info) -> Topic | None:
        return await by_id(info.context, TopicModel).load(self._topic_id) if self._topic_id else None


def _action_item(a: ActionItemModel) -> ActionItem:
    return ActionItem(
        id=strawberry.ID(str(a.id)),
        description=a.description,
        owner=a.owner,
        due_on=a.due_on,
        done=a.done_at is not None,
        overdue=meetings.is_overdue(a),
    )


@node_type(MeetingModel, read=MEETING_MANAGE)
@strawberry.type(name="Meeting", description="A three-party joint meeting (半月谈) or a 红茶议事会 session.")
class Meeting(Node):
    title: str
    parties: list[str]
    attendance: list[str]
    minutes: str

    @strawberry.field
    def kind(self) -> MeetingKindEnum:
        return MeetingKind(self.kind)

    scheduled_at: datetime

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> Compound | None:
        return await by_id(info.context, core_models.Compound).load(self.compound_id) if self.compound_id else None

    @strawberry.field(metadata=list_bound(30))
    async def agenda(self, info: strawberry.Info) -> list[AgendaItem]:
        rows = await children(info.context, AgendaItemModel.meeting_id).load(self.id)
        return [AgendaItem(title=r.title, decision=r.decision, _topic_id=r.topic_id) for r in rows]

    @strawberry.field(metadata=list_bound(30))
    async def action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return [_action_item(a) for a in await children(info.context, ActionItemModel.meeting_id).load(self.id)]


@strawberry.input
class AgendaItemInput:
    title: str
    topic_id: strawberry.ID | None = None


@strawberry.input
class ScheduleMeetingInput:
    kind: MeetingKindEnum
    title: str
    scheduled_at: datetime
    compound_id: strawberry.ID | None = None
    parties: list[str] = strawberry.field(default_factory=list)
    agenda: list[AgendaItemInput] = strawberry.field(default_factory=list)


@strawberry.input
class ActionItemInput:
    description: str
    owner: str
    due_on: date


@strawberry.input
class RecordMinutesInput:
    meeting_id: strawberry.ID
    minutes: Annotated[str, LONG]
    attendance: list[str] = strawberry.field(default_factory=list)
    action_items: list[ActionItemInput] = strawberry.field(default_factory=list)


@strawberry.input
class CompleteActionItemInput:
    action_item_id: strawberry.ID


@strawberry.type
class MeetingPayload:
    meeting: Meeting | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TopicQuery:
    """Topic queries."""

    @strawberry.field(permission_classes=allow(TOPIC_READ), description="All topics of the street, oldest first.")
    async def topics(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        status: TopicStatusEnum | None = None,
        compound_id: strawberry.ID | None = None,
    ) -> Connection[Topic]:
        statement = select(TopicModel).where(visible_topics(info.context))
        if status is not None:
            statement = statement.where(TopicModel.status == as_enum(TopicStatus, status).value)
        if compound_id is not None:
            statement = statement.where(TopicModel.compound_id == decode_id_of(compound_id, "Compound", "compoundId"))
        return await paginate(info.context, statement, first, after)

    @strawberry.field(permission_classes=allow_any(TOPIC_READ, TOPIC_RAISE), description="A topic, if you may see it (as with `node`).")
    async def topic(self, info: strawberry.Info, id: strawberry.ID) -> Topic | None:
        ctx = info.context
        return await ctx.scalar(select(TopicModel).where(TopicModel.id == decode_id_of(id, "Topic"), visible_topics(ctx)))

    @strawberry.field(permission_classes=allow(TOPIC_RAISE), description="The topics the caller raised, to follow them.")
    async def my_topics(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Topic]:
        ctx = info.context
        return await paginate(ctx, select(TopicModel).where(raised_by_caller(ctx)), first, after)

    @strawberry.field(
        permission_classes=allow_any(TOPIC_READ, TOPIC_RAISE), description="Topics opened for public consultation (open or closed), oldest first."
    )
    async def consultations(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Topic]:
        return await paginate(info.context, select(TopicModel).where(consulted()), first, after)


@strawberry.type
class TopicMutation:
    """Topic lifecycle, consultation and moderation mutations."""

    @strawberry.mutation(permission_classes=allow(TOPIC_RAISE), description="Raise a topic about a compound, a building or a unit.")
    async def raise_topic(self, info: strawberry.Info, input: RaiseTopicInput) -> TopicPayload:
        ctx = info.context
        actor, user_id = actor_of(ctx)
        try:
            places = dict(
                compound_id=optional_id(input.compound_id, "Compound", "compoundId"),
                building_id=optional_id(input.building_id, "Building", "buildingId"),
                unit_id=optional_id(input.unit_id, "Unit", "unitId"),
            )
            topic = await write(
                ctx,
                lambda session: service.raise_topic(
                    session,
                    title=input.title,
                    description=input.description,
                    resident_id=ctx.user.resident_id,
                    user_id=user_id,
                    actor=actor,
                    **places,
                ),
            )
            return TopicPayload(topic=topic)
        except DomainError as error:
            return TopicPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(TOPIC_MANAGE), description="Move a topic to its next status.")
    async def advance_topic(self, info: strawberry.Info, input: AdvanceTopicInput) -> TopicPayload:
        ctx = info.context
        actor, user_id = actor_of(ctx)
        try:
            topic_id = decode_id_of(input.topic_id, "Topic", "topicId")

            async def work(session):
                topic = await service.advance_topic(session, topic_id, as_enum(TopicStatus, input.status), input.note, actor=actor, user_id=user_id)
                await record_for(ctx, session, "deliberation.topic.advance", f"Topic:{topic.id}", {"status": topic.status})
                return topic

            return TopicPayload(topic=await write(ctx, work))
        except DomainError as error:
            return TopicPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(TOPIC_MANAGE), description="Open a topic for public comments until a date.")
    async def open_consultation(self, info: strawberry.Info, input: OpenConsultationInput) -> TopicPayload:
        ctx = info.context
        try:
            topic_id = decode_id_of(input.topic_id, "Topic", "topicId")

            async def work(session):
                topic = await service.open_consultation(session, topic_id, input.closes_at)
                await record_for(ctx, session, "deliberation.topic.consult", f"Topic:{topic.id}")
                return topic

            return TopicPayload(topic=await write(ctx, work))
        except DomainError as error:
            return TopicPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(TOPIC_RAISE), description="Comment on a topic open for consultation.")
    async def add_comment(self, info: strawberry.Info, input: AddCommentInput) -> CommentPayload:
        ctx = info.context
        actor, user_id = actor_of(ctx)
        try:
            topic_id = decode_id_of(input.topic_id, "Topic", "topicId")
            comment = await write(ctx, lambda session: service.add_comment(session, topic_id, input.body, actor=actor, user_id=user_id))
            return CommentPayload(comment=_comment(comment))
        except DomainError as error:
            return CommentPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(TOPIC_MANAGE), description="Moderation: hide a comment, keeping it on record.")
    async def hide_comment(self, info: strawberry.Info, input: HideCommentInput) -> CommentPayload:
        ctx = info.context
        try:
            comment_id = int(input.comment_id) if str(input.comment_id).isdigit() else -1

            async def work(session):
                comment = await service.hide_comment(session, comment_id, input.reason)
                await record_for(ctx, session, "deliberation.comment.hide", f"Comment:{comment.id}", {"reason": comment.hidden_reason})
                return comment

            return CommentPayload(comment=_comment(await write(ctx, work)))
        except DomainError as error:
            return CommentPayload(errors=user_errors(error))


@strawberry.type
class MeetingQuery:
    """Meeting queries."""

    @strawberry.field(permission_classes=allow(MEETING_MANAGE), description="Meetings, oldest first.")
    async def meetings(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None, kind: MeetingKindEnum | None = None
    ) -> Connection[Meeting]:
        statement = select(MeetingModel)
        if kind is not None:
            statement = statement.where(MeetingModel.kind == as_enum(MeetingKind, kind).value)
        return await paginate(info.context, statement, first, after)

    @strawberry.field(permission_classes=allow(MEETING_MANAGE), description="Open action items past their due date.")
    async def overdue_action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return [_action_item(a) for a in await info.context.scalars(meetings.overdue_statement())]


@strawberry.type
class MeetingMutation:
    """Meeting mutations."""

    @strawberry.mutation(permission_classes=allow(MEETING_MANAGE), description="Schedule a meeting with its parties and agenda.")
    async def schedule_meeting(self, info: strawberry.Info, input: ScheduleMeetingInput) -> MeetingPayload:
        ctx = info.context
        try:
            compound_id = optional_id(input.compound_id, "Compound", "compoundId")
            agenda = [(a.title, optional_id(a.topic_id, "Topic", "agenda.topicId")) for a in input.agenda]

            async def work(session):
                meeting = await meetings.schedule(
                    session,
                    kind=as_enum(MeetingKind, input.kind),
                    title=input.title,
                    scheduled_at=input.scheduled_at,
                    compound_id=compound_id,
                    parties=input.parties,
                    agenda=agenda,
                )
                await record_for(ctx, session, "deliberation.meeting.schedule", f"Meeting:{meeting.id}")
                return meeting

            return MeetingPayload(meeting=await write(ctx, work))
        except DomainError as error:
            return MeetingPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(MEETING_MANAGE), description="Record who attended, the minutes and the action items.")
    async def record_minutes(self, info: strawberry.Info, input: RecordMinutesInput) -> MeetingPayload:
        ctx = info.context
        try:
            meeting_id = decode_id_of(input.meeting_id, "Meeting", "meetingId")
            items = [(a.description, a.owner, a.due_on) for a in input.action_items]

            async def work(session):
                meeting = await meetings.record_minutes(session, meeting_id, input.minutes, input.attendance, items)
                await record_for(ctx, session, "deliberation.meeting.minutes", f"Meeting:{meeting.id}")
                return meeting

            return MeetingPayload(meeting=await write(ctx, work))
        except DomainError as error:
            return MeetingPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(MEETING_MANAGE), description="Mark an action item done.")
    async def complete_action_item(self, info: strawberry.Info, input: CompleteActionItemInput) -> MeetingPayload:
        ctx = info.context
        try:
            item_id = int(input.action_item_id) if str(input.action_item_id).isdigit() else -1
            meeting = await write(ctx, lambda session: meetings.complete_action_item(session, item_id))
            return MeetingPayload(meeting=meeting)
        except DomainError as error:
            return MeetingPayload(errors=user_errors(error))


@strawberry.type
class BuildingDeliberation:
    """Fields the plugin adds to ``Building``."""

    @strawberry.field(permission_classes=allow(TOPIC_READ), description="Topics raised about this building or its units.")
    async def topics(self, info: strawberry.Info) -> list[Topic]:
        return await children(info.context, TopicModel.building_id).load(self.id)


@strawberry.type
class ResidentDeliberation:
    """Fields the plugin adds to ``Resident``."""

    @strawberry.field(permission_classes=allow(TOPIC_READ), description="Topics this resident raised.")
    async def topics(self, info: strawberry.Info) -> list[Topic]:
        return await children(info.context, TopicModel.raised_by_resident_id).load(self.id)
