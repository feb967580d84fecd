"""GraphQL of the deliberation plugin: ballots and votes, topics and comments, meetings,
and the fields it adds to ``Building``, ``Unit`` and ``Resident``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import models as core_models
from core.errors import DomainError
from core.graphql import Building, Compound, Unit
from core.identity.audit import record_for
from plugins.deliberation import meetings, service
from plugins.deliberation.models import (
    ActionItem as ActionItemModel,
)
from plugins.deliberation.models import (
    AgendaItem as AgendaItemModel,
)
from plugins.deliberation.models import (
    Ballot as BallotModel,
)
from plugins.deliberation.models import (
    BallotBuilding,
    BallotStatus,
    Channel,
    Choice,
    MeetingKind,
    Rule,
    TopicStatus,
    Vote,
)
from plugins.deliberation.models import (
    Comment as CommentModel,
)
from plugins.deliberation.models import (
    Meeting as MeetingModel,
)
from plugins.deliberation.models import (
    Topic as TopicModel,
)
from plugins.deliberation.models import (
    TopicStep as TopicStepModel,
)
from schema.connection import Connection, paginate
from schema.errors import UserError, user_errors
from schema.ids import decode_id_of
from schema.loaders import by_id, children, through
from schema.node import Node, node_type
from schema.permissions import allow

BALLOT_READ = "deliberation.ballot.read"
BALLOT_MANAGE = "deliberation.ballot.manage"
BALLOT_VOTE = "deliberation.ballot.vote"
TOPIC_READ = "deliberation.topic.read"
TOPIC_RAISE = "deliberation.topic.raise"
TOPIC_MANAGE = "deliberation.topic.manage"
MEETING_MANAGE = "deliberation.meeting.manage"

BallotRuleEnum = strawberry.enum(Rule, name="BallotRule", description="ART278_MAJOR: Civil Code Art. 278 matters 6-8; ART278_ORDINARY: other matters; SIMPLE_MAJORITY: non-binding consultation.")
BallotStatusEnum = strawberry.enum(BallotStatus, name="BallotStatus")
ChoiceEnum = strawberry.enum(Choice, name="VoteChoice")
ChannelEnum = strawberry.enum(Channel, name="VoteChannel")
TopicStatusEnum = strawberry.enum(TopicStatus, name="TopicStatus")
MeetingKindEnum = strawberry.enum(MeetingKind, name="MeetingKind", description="JOINT: 三方联席会议 (半月谈); RED_TEA: 红茶议事会.")


class _Reader:
    """Lets the service's read functions run on a request's serialised session."""

    def __init__(self, ctx):
        self._ctx = ctx

    async def execute(self, statement, params=None):
        return await self._ctx.execute(statement, params)

    async def scalar(self, statement):
        return await self._ctx.scalar(statement)


def _m2(dm2: int) -> float:
    return dm2 / 100


# -- ballots ----------------------------------------------------------------------------


@strawberry.type(description="How many owners and how much exclusive area may vote, and how many took part so far.")
class Turnout:
    eligible_owners: int
    participating_owners: int
    _eligible_dm2: strawberry.Private[int]
    _participating_dm2: strawberry.Private[int]

    @strawberry.field(description="Exclusive area in m² of the owners who may vote.")
    def eligible_area(self) -> float:
        return _m2(self._eligible_dm2)

    @strawberry.field(description="Exclusive area in m² of the owners who voted.")
    def participating_area(self) -> float:
        return _m2(self._participating_dm2)


@strawberry.type(description="Counts of one building of a closed ballot (areas in m²).")
class BuildingTally:
    _row: strawberry.Private[dict[str, Any]]

    @strawberry.field
    async def building(self, info: strawberry.Info) -> Building | None:
        return await by_id(info.context, core_models.Building).load(self._row["building_id"])

    @strawberry.field
    def eligible_area(self) -> float:
        return _m2(self._row["eligible_area"])

    @strawberry.field
    def eligible_owners(self) -> int:
        return self._row["eligible_owners"]

    @strawberry.field
    def participating_area(self) -> float:
        return _m2(self._row["participating_area"])

    @strawberry.field
    def participating_owners(self) -> int:
        return self._row["participating_owners"]

    @strawberry.field
    def agree_area(self) -> float:
        return _m2(self._row["agree_area"])

    @strawberry.field
    def agree_owners(self) -> int:
        return self._row["agree_owners"]


@strawberry.type(description="The tally frozen when the ballot closed (areas in m²; decided on exact integers).")
class BallotResult:
    _row: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def eligible_area(self) -> float:
        return _m2(self._row["eligible_area"])

    @strawberry.field
    def eligible_owners(self) -> int:
        return self._row["eligible_owners"]

    @strawberry.field
    def participating_area(self) -> float:
        return _m2(self._row["participating_area"])

    @strawberry.field
    def participating_owners(self) -> int:
        return self._row["participating_owners"]

    @strawberry.field
    def agree_area(self) -> float:
        return _m2(self._row["agree_area"])

    @strawberry.field
    def agree_owners(self) -> int:
        return self._row["agree_owners"]

    @strawberry.field
    def oppose_area(self) -> float:
        return _m2(self._row["oppose_area"])

    @strawberry.field
    def oppose_owners(self) -> int:
        return self._row["oppose_owners"]

    @strawberry.field
    def abstain_area(self) -> float:
        return _m2(self._row["abstain_area"])

    @strawberry.field
    def abstain_owners(self) -> int:
        return self._row["abstain_owners"]

    @strawberry.field(description="Participation reached the legal minimum (Art. 278: 2/3 of area and of owners).")
    def quorum_met(self) -> bool:
        return self._row["quorum_met"]

    @strawberry.field
    def passed(self) -> bool:
        return self._row["passed"]

    @strawberry.field(description="Each threshold with the numbers it was judged on.")
    def reasons(self) -> list[str]:
        return self._row["reasons"]

    @strawberry.field
    def by_building(self) -> list[BuildingTally]:
        return [BuildingTally(_row=row) for row in self._row["by_building"]]


@strawberry.type(description="One owner group's vote. The choice stays sealed from staff until the ballot closes.")
class VoteRecord:
    channel: ChannelEnum
    cast_at: datetime
    choice: ChoiceEnum | None
    _unit_id: strawberry.Private[int]

    @strawberry.field(description="The unit the vote was cast for (all the owner group's units vote together).")
    async def unit(self, info: strawberry.Info) -> Unit | None:
        return await by_id(info.context, core_models.Unit).load(self._unit_id)


def _vote_record(vote: Vote, show_choice: bool) -> VoteRecord:
    return VoteRecord(
        channel=Channel(vote.channel),
        cast_at=service.aware(vote.cast_at),
        choice=Choice(vote.choice) if show_choice else None,
        _unit_id=vote.unit_id,
    )


def _turnout_loader(ctx):
    async def load(ids):
        rows = {b.id: b for b in await ctx.scalars(select(BallotModel).where(BallotModel.id.in_(ids)))}
        counts = await service.turnout(_Reader(ctx), ctx.street_id, list(rows.values()))
        return [counts.get(i) for i in ids]

    return ctx.loader(("deliberation", "turnout"), load)


def _my_votes_loader(ctx):
    """The caller's own owner groups' votes, by ballot id (two statements for any ballots)."""

    async def load(ids):
        resident_id = ctx.user.resident_id if ctx.user else None
        if resident_id is None:
            return [None] * len(ids)
        units = await ctx.scalars(select(core_models.Ownership.unit_id).where(core_models.Ownership.resident_id == resident_id))
        keys = set((await service.owner_keys_of_units(_Reader(ctx), units)).values()) if units else set()
        if not keys:
            return [None] * len(ids)
        votes = await ctx.scalars(select(Vote).where(Vote.ballot_id.in_(ids), Vote.owner_key.in_(keys)).order_by(Vote.id))
        found: dict[int, Vote] = {}
        for vote in votes:
            found.setdefault(vote.ballot_id, vote)
        return [found.get(i) for i in ids]

    return ctx.loader(("deliberation", "my_votes"), load)


@node_type(BallotModel)
@strawberry.type(name="Ballot", description="An owners' vote (Civil Code Art. 278) over a compound or some buildings.")
class Ballot(Node):
    title: str
    matter: str

    @strawberry.field
    def rule(self) -> BallotRuleEnum:
        return Rule(self.rule)

    @strawberry.field
    def status(self) -> BallotStatusEnum:
        return BallotStatus(self.status)

    @strawberry.field
    def opens_at(self) -> datetime:
        return service.aware(self.opens_at)

    @strawberry.field
    def closes_at(self) -> datetime:
        return service.aware(self.closes_at)

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> Compound | None:
        if self.compound_id is None:
            return None
        return await by_id(info.context, core_models.Compound).load(self.compound_id)

    @strawberry.field(description="The buildings in scope.")
    async def buildings(self, info: strawberry.Info) -> list[Building]:
        return await through(info.context, BallotBuilding.ballot_id, BallotBuilding.building_id, core_models.Building).load(self.id)

    @strawberry.field(description="Live turnout while open; choices stay sealed until the ballot closes.")
    async def turnout(self, info: strawberry.Info) -> Turnout:
        c = await _turnout_loader(info.context).load(self.id)
        return Turnout(
            eligible_owners=c.eligible_owners,
            participating_owners=c.participating_owners,
            _eligible_dm2=c.eligible_area,
            _participating_dm2=c.participating_area,
        )

    @strawberry.field(description="The frozen tally; null until the ballot is closed.")
    def result(self) -> BallotResult | None:
        if self.status != BallotStatus.CLOSED.value or self.result is None:
            return None
        return BallotResult(_row=self.result)

    @strawberry.field(description="The vote of the caller's owner group, if the caller is an owner who voted.")
    async def my_vote(self, info: strawberry.Info) -> VoteRecord | None:
        vote = await _my_votes_loader(info.context).load(self.id)
        return _vote_record(vote, True) if vote else None


@strawberry.type(description="A ballot as seen from one unit: whether and how its owner group voted.")
class UnitBallot:
    ballot: Ballot
    vote: VoteRecord | None = strawberry.field(description="Null if the unit's owners have not voted (or you may not see it).")


@strawberry.input
class BallotScopeInput:
    compound_id: strawberry.ID | None = None
    building_ids: list[strawberry.ID] | None = None


@strawberry.input
class CreateBallotInput:
    title: str
    matter: str
    rule: BallotRuleEnum
    scope: BallotScopeInput
    opens_at: datetime
    closes_at: datetime


@strawberry.input
class BallotIdInput:
    ballot_id: strawberry.ID


@strawberry.input
class CastVoteInput:
    ballot_id: strawberry.ID
    choice: ChoiceEnum


@strawberry.input
class RecordVoteInput:
    ballot_id: strawberry.ID
    unit_id: strawberry.ID
    choice: ChoiceEnum
    channel: ChannelEnum


@strawberry.type
class BallotPayload:
    ballot: Ballot | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VotePayload:
    votes: list[VoteRecord] = strawberry.field(default_factory=list, description="One per owner group the vote counts for.")
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _write(ctx, work):
    """Run ``work(session)`` in a committed transaction; a lost race on a unique constraint
    is reported as a domain error rather than a masked failure."""
    try:
        return await ctx.write(work)
    except IntegrityError:
        raise DomainError("This was changed by someone else at the same moment; reload and try again.", code="CONFLICT") from None


# -- topics -----------------------------------------------------------------------------


@strawberry.type(description="One step of a topic's life.")
class TopicStep:
    from_status: TopicStatusEnum | None
    to_status: TopicStatusEnum
    note: str
    actor: str
    at: datetime


@strawberry.type(description="A consultation comment.")
class Comment:
    id: strawberry.ID
    body: str
    author: str
    at: datetime
    hidden: bool
    hidden_reason: str | None


@node_type(TopicModel)
@strawberry.type(name="Topic", description="A residents' appeal or matter for deliberation (民生诉求/议题).")
class Topic(Node):
    title: str
    description: str
    decision: str | None
    rejection_reason: str | None

    @strawberry.field
    def status(self) -> TopicStatusEnum:
        return TopicStatus(self.status)

    @strawberry.field
    def created_at(self) -> datetime:
        return service.aware(self.created_at)

    @strawberry.field
    def updated_at(self) -> datetime:
        return service.aware(self.updated_at)

    @strawberry.field
    def consultation_closes_at(self) -> datetime | None:
        return service.aware(self.consultation_closes_at) if self.consultation_closes_at else None

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> Compound | None:
        return await by_id(info.context, core_models.Compound).load(self.compound_id) if self.compound_id else None

    @strawberry.field
    async def building(self, info: strawberry.Info) -> Building | None:
        return await by_id(info.context, core_models.Building).load(self.building_id) if self.building_id else None

    @strawberry.field
    async def unit(self, info: strawberry.Info) -> Unit | None:
        return await by_id(info.context, core_models.Unit).load(self.unit_id) if self.unit_id else None

    @strawberry.field(description="Every step, oldest first: who moved the topic, when, and why.")
    async def history(self, info: strawberry.Info) -> list[TopicStep]:
        steps = await children(info.context, TopicStepModel.topic_id).load(self.id)
        return [
            TopicStep(
                from_status=TopicStatus(s.from_status) if s.from_status else None,
                to_status=TopicStatus(s.to_status),
                note=s.note,
                actor=s.actor,
                at=service.aware(s.at),
            )
            for s in steps
        ]

    @strawberry.field(description="Consultation comments; hidden ones only for moderators.")
    async def comments(self, info: strawberry.Info) -> list[Comment]:
        ctx = info.context
        rows = await children(ctx, CommentModel.topic_id).load(self.id)
        moderator = ctx.has_permission(TOPIC_MANAGE)
        return [
            Comment(
                id=strawberry.ID(str(c.id)),
                body=c.body if not c.hidden or moderator else "",
                author=c.author,
                at=service.aware(c.at),
                hidden=c.hidden,
                hidden_reason=c.hidden_reason,
            )
            for c in rows
            if moderator or not c.hidden
        ]


@strawberry.input
class RaiseTopicInput:
    title: str
    description: str = ""
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
    body: str


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
    return Comment(id=strawberry.ID(str(c.id)), body=c.body, author=c.author, at=service.aware(c.at), hidden=c.hidden, hidden_reason=c.hidden_reason)


def _actor(ctx) -> tuple[str, int | None]:
    return (ctx.user.username, ctx.user.id) if ctx.user else ("anonymous", None)


def _optional_id(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return decode_id_of(value, type_name, field) if value is not None else None


# -- meetings ---------------------------------------------------------------------------


@strawberry.type(description="Something a meeting decided someone must do by a date.")
class ActionItem:
    id: strawberry.ID
    description: str
    owner: str
    due_on: date
    done: bool
    overdue: bool


@strawberry.type(description="An item on a meeting's agenda.")
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


@node_type(MeetingModel)
@strawberry.type(name="Meeting", description="A three-party joint meeting (半月谈) or a 红茶议事会 session.")
class Meeting(Node):
    title: str
    parties: list[str]
    attendance: list[str]
    minutes: str

    @strawberry.field
    def kind(self) -> MeetingKindEnum:
        return MeetingKind(self.kind)

    @strawberry.field
    def scheduled_at(self) -> datetime:
        return service.aware(self.scheduled_at)

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> Compound | None:
        return await by_id(info.context, core_models.Compound).load(self.compound_id) if self.compound_id else None

    @strawberry.field
    async def agenda(self, info: strawberry.Info) -> list[AgendaItem]:
        rows = await children(info.context, AgendaItemModel.meeting_id).load(self.id)
        return [AgendaItem(title=r.title, decision=r.decision, _topic_id=r.topic_id) for r in rows]

    @strawberry.field
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
    minutes: str
    attendance: list[str] = strawberry.field(default_factory=list)
    action_items: list[ActionItemInput] = strawberry.field(default_factory=list)


@strawberry.input
class CompleteActionItemInput:
    action_item_id: strawberry.ID


@strawberry.type
class MeetingPayload:
    meeting: Meeting | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# -- roots ------------------------------------------------------------------------------


@strawberry.type
class DeliberationQuery:
    @strawberry.field(permission_classes=allow(BALLOT_READ), description="Ballots, oldest first.")
    async def ballots(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None, status: BallotStatusEnum | None = None
    ) -> Connection[Ballot]:
        statement = select(BallotModel)
        if status is not None:
            statement = statement.where(BallotModel.status == status.value)
        return await paginate(info.context, statement, first, after)

    @strawberry.field(permission_classes=allow(BALLOT_READ))
    async def ballot(self, info: strawberry.Info, id: strawberry.ID) -> Ballot | None:
        return await by_id(info.context, BallotModel).load(decode_id_of(id, "Ballot"))

    @strawberry.field(permission_classes=allow(TOPIC_READ), description="All topics of the street, oldest first.")
    async def topics(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        status: TopicStatusEnum | None = None,
        compound_id: strawberry.ID | None = None,
    ) -> Connection[Topic]:
        statement = select(TopicModel)
        if status is not None:
            statement = statement.where(TopicModel.status == status.value)
        if compound_id is not None:
            statement = statement.where(TopicModel.compound_id == decode_id_of(compound_id, "Compound", "compoundId"))
        return await paginate(info.context, statement, first, after)

    @strawberry.field(permission_classes=allow(TOPIC_READ))
    async def topic(self, info: strawberry.Info, id: strawberry.ID) -> Topic | None:
        return await by_id(info.context, TopicModel).load(decode_id_of(id, "Topic"))

    @strawberry.field(permission_classes=allow(TOPIC_RAISE), description="The topics the caller raised, to follow them.")
    async def my_topics(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Topic]:
        ctx = info.context
        return await paginate(ctx, select(TopicModel).where(TopicModel.raised_by_user_id == ctx.user.id), first, after)

    @strawberry.field(permission_classes=allow(MEETING_MANAGE), description="Meetings, oldest first.")
    async def meetings(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None, kind: MeetingKindEnum | None = None
    ) -> Connection[Meeting]:
        statement = select(MeetingModel)
        if kind is not None:
            statement = statement.where(MeetingModel.kind == kind.value)
        return await paginate(info.context, statement, first, after)

    @strawberry.field(permission_classes=allow(MEETING_MANAGE), description="Open action items past their due date.")
    async def overdue_action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return [_action_item(a) for a in await info.context.scalars(meetings.overdue_statement())]


@strawberry.type
class DeliberationMutation:
    @strawberry.mutation(permission_classes=allow(BALLOT_MANAGE), description="Prepare a ballot (a draft until opened).")
    async def create_ballot(self, info: strawberry.Info, input: CreateBallotInput) -> BallotPayload:
        ctx = info.context
        try:
            compound_id = _optional_id(input.scope.compound_id, "Compound", "scope.compoundId")
            building_ids = [decode_id_of(b, "Building", "scope.buildingIds") for b in input.scope.building_ids or []]

            async def work(session):
                ballot = await service.create_ballot(
                    session,
                    title=input.title,
                    matter=input.matter,
                    rule=Rule(input.rule.value),
                    compound_id=compound_id,
                    building_ids=building_ids,
                    opens_at=input.opens_at,
                    closes_at=input.closes_at,
                )
                await record_for(ctx, session, "deliberation.ballot.create", f"Ballot:{ballot.id}", {"title": ballot.title, "rule": ballot.rule})
                return ballot

            return BallotPayload(ballot=await _write(ctx, work))
        except DomainError as error:
            return BallotPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(BALLOT_MANAGE), description="Publish a draft ballot.")
    async def open_ballot(self, info: strawberry.Info, input: BallotIdInput) -> BallotPayload:
        ctx = info.context
        try:
            ballot_id = decode_id_of(input.ballot_id, "Ballot", "ballotId")

            async def work(session):
                ballot = await service.open_ballot(session, ballot_id)
                await record_for(ctx, session, "deliberation.ballot.open", f"Ballot:{ballot.id}")
                return ballot

            return BallotPayload(ballot=await _write(ctx, work))
        except DomainError as error:
            return BallotPayload(errors=user_errors(error))

    @strawberry.mutation(
        permission_classes=allow(BALLOT_MANAGE), description="Close a ballot after its closing time: freezes the electorate and the tally."
    )
    async def close_ballot(self, info: strawberry.Info, input: BallotIdInput) -> BallotPayload:
        ctx = info.context
        try:
            ballot_id = decode_id_of(input.ballot_id, "Ballot", "ballotId")

            async def work(session):
                ballot = await service.close_ballot(session, ctx.street_id, ballot_id)
                details = {k: ballot.result[k] for k in ("eligible_owners", "participating_owners", "agree_owners", "quorum_met", "passed")}
                await record_for(ctx, session, "deliberation.ballot.close", f"Ballot:{ballot.id}", details)
                return ballot

            return BallotPayload(ballot=await _write(ctx, work))
        except DomainError as error:
            return BallotPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(BALLOT_VOTE), description="Vote online as an owner; all your units in scope vote together.")
    async def cast_vote(self, info: strawberry.Info, input: CastVoteInput) -> VotePayload:
        ctx = info.context
        try:
            ballot_id = decode_id_of(input.ballot_id, "Ballot", "ballotId")
            votes = await _write(
                ctx,
                lambda session: service.cast_vote(
                    session, ctx.street_id, ballot_id, ctx.user.resident_id, Choice(input.choice.value), ctx.user.id
                ),
            )
            return VotePayload(votes=[_vote_record(v, True) for v in votes])
        except DomainError as error:
            return VotePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(BALLOT_MANAGE), description="Record a paper or proxy vote for a unit's owners.")
    async def record_vote(self, info: strawberry.Info, input: RecordVoteInput) -> VotePayload:
        ctx = info.context
        try:
            ballot_id = decode_id_of(input.ballot_id, "Ballot", "ballotId")
            unit_id = decode_id_of(input.unit_id, "Unit", "unitId")

            async def work(session):
                vote = await service.record_vote(
                    session, ctx.street_id, ballot_id, unit_id, Choice(input.choice.value), Channel(input.channel.value), ctx.user.id
                )
                await record_for(ctx, session, "deliberation.vote.record", f"Ballot:{ballot_id}", {"unit_id": unit_id, "channel": vote.channel})
                return vote

            vote = await _write(ctx, work)
            return VotePayload(votes=[_vote_record(vote, False)])
        except DomainError as error:
            return VotePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(TOPIC_RAISE), description="Raise a topic about a compound, a building or a unit.")
    async def raise_topic(self, info: strawberry.Info, input: RaiseTopicInput) -> TopicPayload:
        ctx = info.context
        actor, user_id = _actor(ctx)
        try:
            places = dict(
                compound_id=_optional_id(input.compound_id, "Compound", "compoundId"),
                building_id=_optional_id(input.building_id, "Building", "buildingId"),
                unit_id=_optional_id(input.unit_id, "Unit", "unitId"),
            )
            topic = await _write(
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
        actor, user_id = _actor(ctx)
        try:
            topic_id = decode_id_of(input.topic_id, "Topic", "topicId")

            async def work(session):
                topic = await service.advance_topic(session, topic_id, TopicStatus(input.status.value), input.note, actor=actor, user_id=user_id)
                await record_for(ctx, session, "deliberation.topic.advance", f"Topic:{topic.id}", {"status": topic.status})
                return topic

            return TopicPayload(topic=await _write(ctx, work))
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

            return TopicPayload(topic=await _write(ctx, work))
        except DomainError as error:
            return TopicPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(TOPIC_RAISE), description="Comment on a topic open for consultation.")
    async def add_comment(self, info: strawberry.Info, input: AddCommentInput) -> CommentPayload:
        ctx = info.context
        actor, user_id = _actor(ctx)
        try:
            topic_id = decode_id_of(input.topic_id, "Topic", "topicId")
            comment = await _write(ctx, lambda session: service.add_comment(session, topic_id, input.body, actor=actor, user_id=user_id))
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

            return CommentPayload(comment=_comment(await _write(ctx, work)))
        except DomainError as error:
            return CommentPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(MEETING_MANAGE), description="Schedule a meeting with its parties and agenda.")
    async def schedule_meeting(self, info: strawberry.Info, input: ScheduleMeetingInput) -> MeetingPayload:
        ctx = info.context
        try:
            compound_id = _optional_id(input.compound_id, "Compound", "compoundId")
            agenda = [(a.title, _optional_id(a.topic_id, "Topic", "agenda.topicId")) for a in input.agenda]

            async def work(session):
                meeting = await meetings.schedule(
                    session,
                    kind=MeetingKind(input.kind.value),
                    title=input.title,
                    scheduled_at=input.scheduled_at,
                    compound_id=compound_id,
                    parties=input.parties,
                    agenda=agenda,
                )
                await record_for(ctx, session, "deliberation.meeting.schedule", f"Meeting:{meeting.id}")
                return meeting

            return MeetingPayload(meeting=await _write(ctx, work))
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

            return MeetingPayload(meeting=await _write(ctx, work))
        except DomainError as error:
            return MeetingPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(MEETING_MANAGE), description="Mark an action item done.")
    async def complete_action_item(self, info: strawberry.Info, input: CompleteActionItemInput) -> MeetingPayload:
        ctx = info.context
        try:
            item_id = int(input.action_item_id) if str(input.action_item_id).isdigit() else -1
            meeting = await _write(ctx, lambda session: meetings.complete_action_item(session, item_id))
            return MeetingPayload(meeting=meeting)
        except DomainError as error:
            return MeetingPayload(errors=user_errors(error))


# -- fields added to core types ---------------------------------------------------------


@strawberry.type
class BuildingDeliberation:
    @strawberry.field(permission_classes=allow(TOPIC_READ), description="Topics raised about this building or its units.")
    async def topics(self, info: strawberry.Info) -> list[Topic]:
        return await children(info.context, TopicModel.building_id).load(self.id)


@strawberry.type
class ResidentDeliberation:
    @strawberry.field(permission_classes=allow(TOPIC_READ), description="Topics this resident raised.")
    async def topics(self, info: strawberry.Info) -> list[Topic]:
        return await children(info.context, TopicModel.raised_by_resident_id).load(self.id)


def _unit_ballots_loader(ctx):
    """Ballots covering each unit's building, with the unit's owner group's vote: three
    statements for any number of units."""

    async def load(keys):
        building_ids = {building_id for _, building_id in keys}
        rows = (
            await ctx.execute(
                select(BallotBuilding.building_id, BallotModel)
                .join(BallotModel, BallotModel.id == BallotBuilding.ballot_id)
                .where(BallotBuilding.building_id.in_(building_ids))
                .order_by(BallotModel.id)
            )
        ).all()
        by_building: dict[int, list[Any]] = {}
        for building_id, ballot in rows:
            by_building.setdefault(building_id, []).append(ballot)
        unit_keys = await service.owner_keys_of_units(_Reader(ctx), [unit_id for unit_id, _ in keys])
        votes: dict[tuple[int, str], Vote] = {}
        ballot_ids = {b.id for _, b in rows}
        if ballot_ids and unit_keys:
            for vote in await ctx.scalars(
                select(Vote).where(Vote.ballot_id.in_(ballot_ids), Vote.owner_key.in_(set(unit_keys.values())))
            ):
                votes[(vote.ballot_id, vote.owner_key)] = vote
        resident = str(ctx.user.resident_id) if ctx.user and ctx.user.resident_id else None
        staff = ctx.has_permission(BALLOT_MANAGE)
        result = []
        for unit_id, building_id in keys:
            key = unit_keys.get(unit_id)
            is_owner = resident is not None and key is not None and resident in key.split(",")
            entries = []
            for ballot in by_building.get(building_id, []):
                vote = votes.get((ballot.id, key)) if key else None
                visible = vote is not None and (is_owner or staff)
                show_choice = is_owner or ballot.status == BallotStatus.CLOSED.value
                entries.append(UnitBallot(ballot=ballot, vote=_vote_record(vote, show_choice) if visible else None))
            result.append(entries)
        return result

    return ctx.loader(("deliberation", "unit_ballots"), load)


@strawberry.type
class UnitDeliberation:
    @strawberry.field(
        permission_classes=allow(BALLOT_READ),
        description="Ballots covering this unit; the vote is shown to the unit's owners and to staff (the choice to staff only once closed).",
    )
    async def ballots(self, info: strawberry.Info) -> list[UnitBallot]:
        return await _unit_ballots_loader(info.context).load((self.id, self.building_id))


__all__ = [
    "Ballot",
    "BuildingDeliberation",
    "DeliberationMutation",
    "DeliberationQuery",
    "Meeting",
    "ResidentDeliberation",
    "Topic",
    "UnitDeliberation",
]
