"""The deliberation plugin's GraphQL types: enums, ballots and their tallies, topics and
their comments, meetings; the permission names and the loaders the types share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.api import by_id, children, Node, node_type, registry, types
from jiedao.api.graphql import encode_global_id, list_bound, OrganisationType, through, WorkItemType
from jiedao.plugins.deliberation import service
from jiedao.plugins.deliberation.graphql.loaders import (
    my_votes_loader,
    organisations_loader,
    turnout_loader,
    visible_by_id,
    visible_nodes_loader,
    work_items_by_subject,
)
from jiedao.plugins.deliberation.models import ActionItem as ActionItemModel
from jiedao.plugins.deliberation.models import AgendaItem as AgendaItemModel
from jiedao.plugins.deliberation.models import Ballot as BallotModel
from jiedao.plugins.deliberation.models import (
    BallotBuilding,
    BallotStatus,
    Channel,
    Choice,
    MeetingKind,
    Rule,
    TopicStatus,
    Vote,
)
from jiedao.plugins.deliberation.models import Comment as CommentModel
from jiedao.plugins.deliberation.models import Meeting as MeetingModel
from jiedao.plugins.deliberation.models import Topic as TopicModel
from jiedao.plugins.deliberation.models import TopicStep as TopicStepModel
from jiedao.plugins.deliberation.service.scope import in_home_or_street_wide

BALLOT_READ = "deliberation.ballot.read"
BALLOT_MANAGE = "deliberation.ballot.manage"
BALLOT_VOTE = "deliberation.ballot.vote"
TOPIC_READ = "deliberation.topic.read"
TOPIC_RAISE = "deliberation.topic.raise"
TOPIC_MANAGE = "deliberation.topic.manage"
MEETING_MANAGE = "deliberation.meeting.manage"
PUBLISHED_READ = "deliberation.published.read"

BallotRuleEnum = strawberry.enum(
    Rule,
    name="BallotRule",
    description="ART278_MAJOR: Civil Code Art. 278 matters 6-8; ART278_ORDINARY: other matters; "
    "SIMPLE_MAJORITY: non-binding consultation.",
)
BallotStatusEnum = strawberry.enum(BallotStatus, name="BallotStatus")
ChoiceEnum = strawberry.enum(Choice, name="VoteChoice")
ChannelEnum = strawberry.enum(Channel, name="VoteChannel")
TopicStatusEnum = strawberry.enum(TopicStatus, name="TopicStatus")
MeetingKindEnum = strawberry.enum(MeetingKind, name="MeetingKind", description="JOINT: 三方联席会议 (半月谈); RED_TEA: 红茶议事会.")


def m2(dm2: int) -> float:
    """Square decimetres as square metres, for display."""
    return dm2 / 100


# -- ballots ----------------------------------------------------------------------------


@strawberry.type(name="BallotTurnout", description="How many owners and how much exclusive area may vote, and how many took part so far.")
class Turnout:
    eligible_owners: int
    participating_owners: int
    _eligible_dm2: strawberry.Private[int]
    _participating_dm2: strawberry.Private[int]

    @strawberry.field(description="Exclusive area in m² of the owners who may vote.")
    def eligible_area(self) -> float:
        return m2(self._eligible_dm2)

    @strawberry.field(description="Exclusive area in m² of the owners who voted.")
    def participating_area(self) -> float:
        return m2(self._participating_dm2)


@strawberry.type(name="BallotBuildingTally", description="Counts of one building of a closed ballot (areas in m²).")
class BuildingTally:
    eligible_area: float
    eligible_owners: int
    participating_area: float
    participating_owners: int
    agree_area: float
    agree_owners: int
    _building_id: strawberry.Private[int]

    @strawberry.field
    async def building(self, info: strawberry.Info) -> types.Building | None:
        return await by_id(info.context, registry.Building).load(self._building_id)

    @classmethod
    def of(cls, row: dict[str, Any]) -> BuildingTally:
        """The tally of one building as stored at closing (areas in dm²)."""
        return cls(
            eligible_area=m2(row["eligible_area"]), eligible_owners=row["eligible_owners"],
            participating_area=m2(row["participating_area"]), participating_owners=row["participating_owners"],
            agree_area=m2(row["agree_area"]), agree_owners=row["agree_owners"], _building_id=row["building_id"],
        )


@strawberry.type(description="The tally frozen when the ballot closed (areas in m²; decided on exact integers).")
class BallotResult:
    eligible_area: float
    eligible_owners: int
    participating_area: float
    participating_owners: int
    agree_area: float
    agree_owners: int
    oppose_area: float
    oppose_owners: int
    abstain_area: float
    abstain_owners: int
    quorum_met: bool = strawberry.field(description="Participation reached the legal minimum (Art. 278: 2/3 of area and of owners).")
    passed: bool
    reasons: list[str] = strawberry.field(description="Each threshold with the numbers it was judged on.")
    by_building: list[BuildingTally]

    @classmethod
    def of(cls, row: dict[str, Any]) -> BallotResult:
        """The result as stored at closing (areas in dm²)."""
        areas = {key: m2(row[key]) for key in row if key.endswith("_area")}
        counts = {key: row[key] for key in row if key.endswith("_owners")}
        return cls(
            **areas, **counts, quorum_met=row["quorum_met"], passed=row["passed"], reasons=row["reasons"],
            by_building=[BuildingTally.of(b) for b in row["by_building"]],
        )


@strawberry.type(description="One owner group's vote. The choice stays sealed from staff until the ballot closes.")
class VoteRecord:
    channel: ChannelEnum
    cast_at: datetime
    choice: ChoiceEnum | None
    _unit_id: strawberry.Private[int]

    @strawberry.field(description="The unit the vote was cast for (all the owner group's units vote together).")
    async def unit(self, info: strawberry.Info) -> types.Unit | None:
        return await by_id(info.context, registry.Unit).load(self._unit_id)


def vote_record(vote: Vote, show_choice: bool) -> VoteRecord:
    """A stored vote as GraphQL shows it, its choice hidden unless ``show_choice``."""
    return VoteRecord(
        channel=Channel(vote.channel),
        cast_at=vote.cast_at,
        choice=Choice(vote.choice) if show_choice else None,
        _unit_id=vote.unit_id,
    )


@node_type(BallotModel, read=BALLOT_READ)
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

    opens_at: datetime
    closes_at: datetime

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> types.Compound | None:
        if self.compound_id is None:
            return None
        return await by_id(info.context, registry.Compound).load(self.compound_id)

    @strawberry.field(description="The buildings in scope.", metadata=list_bound(100))
    async def buildings(self, info: strawberry.Info) -> list[types.Building]:
        return await through(info.context, BallotBuilding.ballot_id, BallotBuilding.building_id, registry.Building).load(self.id)

    @strawberry.field(description="Live turnout while open; choices stay sealed until the ballot closes.")
    async def turnout(self, info: strawberry.Info) -> Turnout:
        c = await turnout_loader(info.context).load(self.id)
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
        return BallotResult.of(self.result)

    @strawberry.field(description="The vote of the caller's owner group, if the caller is an owner who voted.")
    async def my_vote(self, info: strawberry.Info) -> VoteRecord | None:
        vote = await my_votes_loader(info.context).load(self.id)
        return vote_record(vote, True) if vote else None


@strawberry.type(description="A ballot as seen from one unit: whether and how its owner group voted.")
class UnitBallot:
    ballot: Ballot
    vote: VoteRecord | None = strawberry.field(description="Null if the unit's owners have not voted (or you may not see it).")


# -- topics -----------------------------------------------------------------------------


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


def _visible_topic(ctx, topic_id: int | None):
    """The topic if the caller may see it (a loader call, or ``None``)."""
    return visible_by_id(ctx, TopicModel, visible_topics(ctx), "topic").load(topic_id) if topic_id else None


def _visible_meeting(ctx, meeting_id: int):
    """The meeting if the caller may see it (a loader call)."""
    return visible_by_id(ctx, MeetingModel, visible_meetings(ctx), "meeting").load(meeting_id)


RESIDENT_ACTOR = "居民"
"""How a step taken by the topic's raiser is shown to other residents."""


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

    @classmethod
    def of(cls, c: CommentModel) -> Comment:
        """A stored comment, shown in full (to its author or a moderator)."""
        return cls(id=strawberry.ID(str(c.id)), body=c.body, author=c.author, at=c.at, hidden=c.hidden, hidden_reason=c.hidden_reason)


@node_type(TopicModel, read=(TOPIC_READ, TOPIC_RAISE, PUBLISHED_READ), visible=visible_topics)
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
    async def compound(self, info: strawberry.Info) -> types.Compound | None:
        return await by_id(info.context, registry.Compound).load(self.compound_id) if self.compound_id else None

    @strawberry.field
    async def building(self, info: strawberry.Info) -> types.Building | None:
        return await by_id(info.context, registry.Building).load(self.building_id) if self.building_id else None

    @strawberry.field(description="The unit; shown only to staff and to the resident who raised the topic.")
    async def unit(self, info: strawberry.Info) -> types.Unit | None:
        if not self.unit_id or not _sees_raiser(info.context, self):
            return None
        return await by_id(info.context, registry.Unit).load(self.unit_id)

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
        return next((AgendaItem.of(r) for r in rows if r.decides_topic), None)

    @strawberry.field(description="The meeting that decided this topic (null until decided, or if you may not see that meeting).")
    async def decision_meeting(self, info: strawberry.Info) -> Meeting | None:
        rows = await children(info.context, AgendaItemModel.topic_id).load(self.id)
        item = next((r for r in rows if r.decides_topic), None)
        return await _visible_meeting(info.context, item.meeting_id) if item else None

    @strawberry.field(description="Every agenda item this topic was on, oldest first.", metadata=list_bound(30))
    async def agenda_items(self, info: strawberry.Info) -> list[AgendaItem]:
        return [AgendaItem.of(r) for r in await children(info.context, AgendaItemModel.topic_id).load(self.id)]

    @strawberry.field(description="The action items decided for this topic; it is implemented once they are all done.", metadata=list_bound(30))
    async def action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return [ActionItem.of(a) for a in await children(info.context, ActionItemModel.topic_id).load(self.id)]

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


def _sees_raiser(ctx, topic) -> bool:
    """Staff and the raiser see who raised a topic and where exactly; other residents do not."""
    return ctx.has_permission(TOPIC_READ) or (ctx.user is not None and topic.raised_by_user_id == ctx.user.id)


# -- meetings ---------------------------------------------------------------------------


@strawberry.type(description="The organisation responsible for an action item (core ``organisations``).")
class ResponsibleOrganisation:
    id: strawberry.ID = strawberry.field(description="The organisation's global ID.")
    name: str


@strawberry.type(name="MeetingActionItem", description="Something a meeting decided an organisation must do by a date.")
class ActionItem:
    id: strawberry.ID
    description: str
    owner: str = strawberry.field(description="A note on the person responsible (free text).")
    due_on: date
    done: bool
    overdue: bool
    done_at: datetime | None
    _topic_id: strawberry.Private[int | None]
    _organisation_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, a: ActionItemModel) -> ActionItem:
        """A stored action item, with whether it is overdue today."""
        return cls(
            id=strawberry.ID(str(a.id)),
            description=a.description,
            owner=a.owner,
            due_on=a.due_on,
            done=a.done_at is not None,
            overdue=service.meetings.is_overdue(a),
            done_at=a.done_at,
            _topic_id=a.topic_id,
            _organisation_id=a.organisation_id,
        )

    @strawberry.field(description="The responsible organisation; null if only a person is named in the note.")
    async def responsible_organisation(self, info: strawberry.Info) -> ResponsibleOrganisation | None:
        if self._organisation_id is None:
            return None
        row = await organisations_loader(info.context).load(self._organisation_id)
        return ResponsibleOrganisation(id=strawberry.ID(encode_global_id("Organisation", row.id)), name=row.name) if row else None

    @strawberry.field(description="The responsible organisation, if you may see it (registry readers, its members).")
    async def organisation(self, info: strawberry.Info) -> OrganisationType | None:
        return await visible_nodes_loader(info.context, "Organisation").load(self._organisation_id) if self._organisation_id else None

    @strawberry.field(description="The work item following this action item up, if you may see it (staff, its organisation, the resident).")
    async def work_item(self, info: strawberry.Info) -> WorkItemType | None:
        return await work_items_by_subject(info.context).load(encode_global_id("MeetingActionItem", int(self.id)))

    @strawberry.field(description="The topic this action item serves, if you may see it.")
    async def topic(self, info: strawberry.Info) -> Topic | None:
        return await _visible_topic(info.context, self._topic_id) if self._topic_id else None


@strawberry.type(name="MeetingAgendaItem", description="An item on a meeting's agenda and the decision taken on it.")
class AgendaItem:
    id: strawberry.ID = strawberry.field(description="The item's key, for decideAgendaItem and action items.")
    title: str
    decision: str | None
    decided_at: datetime | None
    decides_topic: bool = strawberry.field(description="This item's decision is the decision of its topic.")
    _topic_id: strawberry.Private[int | None]
    _meeting_id: strawberry.Private[int]

    @classmethod
    def of(cls, r: AgendaItemModel) -> AgendaItem:
        """A stored agenda item."""
        return cls(
            id=strawberry.ID(str(r.id)), title=r.title, decision=r.decision, decided_at=r.decided_at,
            decides_topic=r.decides_topic, _topic_id=r.topic_id, _meeting_id=r.meeting_id,
        )

    @strawberry.field(description="The topic, if you may see it.")
    async def topic(self, info: strawberry.Info) -> Topic | None:
        return await _visible_topic(info.context, self._topic_id) if self._topic_id else None

    @strawberry.field(description="The meeting, if you may see it.")
    async def meeting(self, info: strawberry.Info) -> Meeting | None:
        return await _visible_meeting(info.context, self._meeting_id)

    @strawberry.field(description="The action items decided on this item.", metadata=list_bound(30))
    async def action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return [ActionItem.of(a) for a in await children(info.context, ActionItemModel.agenda_item_id).load(int(self.id))]


@node_type(MeetingModel, read=(MEETING_MANAGE, PUBLISHED_READ), visible=visible_meetings)
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

    @strawberry.field(description="When the minutes and decisions were published to residents (null: not published).")
    def published_at(self) -> datetime | None:
        return self.published_at

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> types.Compound | None:
        return await by_id(info.context, registry.Compound).load(self.compound_id) if self.compound_id else None

    @strawberry.field(metadata=list_bound(30))
    async def agenda(self, info: strawberry.Info) -> list[AgendaItem]:
        return [AgendaItem.of(r) for r in await children(info.context, AgendaItemModel.meeting_id).load(self.id)]

    @strawberry.field(metadata=list_bound(30))
    async def action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return [ActionItem.of(a) for a in await children(info.context, ActionItemModel.meeting_id).load(self.id)]
