"""The deliberation plugin's mutations, their inputs and payloads: ballots and votes, topics
and consultations, meetings. Each one runs through the kernel's mutation runner."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from jiedao.api import LONG, Write, encode_global_id, many, mutation, node_id, payload
from jiedao.plugins.deliberation import service
from jiedao.plugins.deliberation.graphql.types import (
    BALLOT_MANAGE,
    BALLOT_VOTE,
    MEETING_MANAGE,
    TOPIC_MANAGE,
    TOPIC_RAISE,
    Ballot,
    BallotRuleEnum,
    ChannelEnum,
    ChoiceEnum,
    Comment,
    Meeting,
    MeetingKindEnum,
    Topic,
    TopicStatusEnum,
    VoteRecord,
    vote_record,
)
from jiedao.plugins.deliberation.models import Channel, Choice, MeetingKind, Rule, TopicStatus


def _actor(w: Write) -> tuple[str, int | None]:
    """The caller's username and user id, as recorded on topic steps and comments."""
    return (w.user.username, w.user.id) if w.user else ("anonymous", None)


def _local_id(value: strawberry.ID) -> int:
    """The key of a comment or an action item (not nodes: their IDs are plain numbers)."""
    return int(value) if str(value).isdigit() else -1


# -- ballots ----------------------------------------------------------------------------


@strawberry.input
class BallotScopeInput:
    compound_id: strawberry.ID | None = node_id("Compound", default=None)
    building_ids: list[strawberry.ID] | None = node_id("Building", default=None)


@strawberry.input
class CreateBallotInput:
    title: str
    matter: Annotated[str, LONG]
    rule: BallotRuleEnum
    scope: BallotScopeInput
    opens_at: datetime
    closes_at: datetime


@strawberry.input
class BallotIdInput:
    ballot_id: strawberry.ID = node_id("Ballot")


@strawberry.input
class CastVoteInput:
    ballot_id: strawberry.ID = node_id("Ballot")
    choice: ChoiceEnum


@strawberry.input
class RecordVoteInput:
    ballot_id: strawberry.ID = node_id("Ballot")
    unit_id: strawberry.ID = node_id("Unit")
    choice: ChoiceEnum
    channel: ChannelEnum


BallotPayload = payload("BallotPayload", ballot=Ballot)


VotePayload = payload("VotePayload", votes=many(VoteRecord, "One per owner group the vote counts for."))


@strawberry.type
class BallotMutation:
    """Ballot lifecycle and voting mutations."""

    @mutation(BallotPayload, permission=BALLOT_MANAGE, audit="deliberation.ballot.create")
    async def create_ballot(w: Write, input: CreateBallotInput):
        """Prepare a ballot (a draft until opened)."""
        ballot = await service.create_ballot(
            w.session,
            title=input.title,
            matter=input.matter,
            rule=Rule(input.rule),
            compound_id=input.scope.compound_id,
            building_ids=input.scope.building_ids or [],
            opens_at=input.opens_at,
            closes_at=input.closes_at,
            max_days=w.kernel.settings(w.street, "deliberation").max_voting_days,
        )
        w.audit(title=ballot.title, rule=ballot.rule)
        return ballot

    @mutation(BallotPayload, permission=BALLOT_MANAGE, audit="deliberation.ballot.open")
    async def open_ballot(w: Write, input: BallotIdInput):
        """Publish a draft ballot."""
        return await service.open_ballot(w.session, input.ballot_id)

    @mutation(BallotPayload, permission=BALLOT_MANAGE, audit="deliberation.ballot.close")
    async def close_ballot(w: Write, input: BallotIdInput):
        """Close a ballot after its closing time: freezes the electorate and the tally."""
        ballot = await service.close_ballot(w.session, w.street_id, input.ballot_id)
        w.audit(**{k: ballot.result[k] for k in ("eligible_owners", "participating_owners", "agree_owners", "quorum_met", "passed")})
        return ballot

    @mutation(VotePayload, permission=BALLOT_VOTE)
    async def cast_vote(w: Write, input: CastVoteInput):
        """Vote online as an owner; all your units in scope vote together."""
        votes = await service.cast_vote(w.session, w.street_id, input.ballot_id, w.user.resident_id, Choice(input.choice), w.user.id)
        return [vote_record(v, True) for v in votes]

    @mutation(VotePayload, permission=BALLOT_MANAGE, audit="deliberation.vote.record")
    async def record_vote(w: Write, input: RecordVoteInput):
        """Record a paper or proxy vote for a unit's owners."""
        vote = await service.record_vote(
            w.session, w.street_id, input.ballot_id, input.unit_id, Choice(input.choice), Channel(input.channel), w.user.id
        )
        w.audit(target=encode_global_id("Ballot", input.ballot_id), unit_id=input.unit_id, channel=vote.channel)
        return [vote_record(vote, False)]


# -- topics -----------------------------------------------------------------------------


@strawberry.input
class RaiseTopicInput:
    title: str
    description: Annotated[str, LONG] = ""
    compound_id: strawberry.ID | None = node_id("Compound", default=None)
    building_id: strawberry.ID | None = node_id("Building", default=None)
    unit_id: strawberry.ID | None = node_id("Unit", default=None)


@strawberry.input
class AdvanceTopicInput:
    topic_id: strawberry.ID = node_id("Topic")
    status: TopicStatusEnum
    note: str = strawberry.field(default="", description="The decision (DECIDED) or the reason (REJECTED); required for those.")


@strawberry.input
class OpenConsultationInput:
    topic_id: strawberry.ID = node_id("Topic")
    closes_at: datetime


@strawberry.input
class AddCommentInput:
    topic_id: strawberry.ID = node_id("Topic")
    body: Annotated[str, LONG]


@strawberry.input
class HideCommentInput:
    comment_id: strawberry.ID
    reason: str


TopicPayload = payload("TopicPayload", topic=Topic)
CommentPayload = payload("CommentPayload", comment=Comment)


@strawberry.type
class TopicMutation:
    """Topic lifecycle, consultation and moderation mutations."""

    @mutation(TopicPayload, permission=TOPIC_RAISE)
    async def raise_topic(w: Write, input: RaiseTopicInput):
        """Raise a topic about a compound, a building or a unit."""
        actor, user_id = _actor(w)
        return await service.raise_topic(
            w.session,
            title=input.title,
            description=input.description,
            compound_id=input.compound_id,
            building_id=input.building_id,
            unit_id=input.unit_id,
            resident_id=w.user.resident_id,
            user_id=user_id,
            actor=actor,
        )

    @mutation(TopicPayload, permission=TOPIC_MANAGE, audit="deliberation.topic.advance")
    async def advance_topic(w: Write, input: AdvanceTopicInput):
        """Move a topic to its next status."""
        actor, user_id = _actor(w)
        topic = await service.advance_topic(w.session, input.topic_id, TopicStatus(input.status), input.note, actor=actor, user_id=user_id)
        w.audit(status=topic.status)
        return topic

    @mutation(TopicPayload, permission=TOPIC_MANAGE, audit="deliberation.topic.consult")
    async def open_consultation(w: Write, input: OpenConsultationInput):
        """Open a topic for public comments until a date."""
        return await service.open_consultation(w.session, input.topic_id, input.closes_at)

    @mutation(CommentPayload, permission=TOPIC_RAISE)
    async def add_comment(w: Write, input: AddCommentInput):
        """Comment on a topic open for consultation."""
        actor, user_id = _actor(w)
        return Comment.of(await service.add_comment(w.session, input.topic_id, input.body, actor=actor, user_id=user_id))

    @mutation(CommentPayload, permission=TOPIC_MANAGE, audit="deliberation.comment.hide")
    async def hide_comment(w: Write, input: HideCommentInput):
        """Moderation: hide a comment, keeping it on record."""
        comment = await service.hide_comment(w.session, _local_id(input.comment_id), input.reason)
        w.audit(target=f"Comment:{comment.id}", reason=comment.hidden_reason)
        return Comment.of(comment)


# -- meetings ---------------------------------------------------------------------------


@strawberry.input
class AgendaItemInput:
    title: str
    topic_id: strawberry.ID | None = node_id("Topic", default=None)


@strawberry.input
class ScheduleMeetingInput:
    kind: MeetingKindEnum
    title: str
    scheduled_at: datetime
    compound_id: strawberry.ID | None = node_id("Compound", default=None)
    parties: list[str] = strawberry.field(default_factory=list)
    agenda: list[AgendaItemInput] = strawberry.field(default_factory=list)


@strawberry.input
class ActionItemInput:
    description: str
    owner: str
    due_on: date


@strawberry.input
class RecordMinutesInput:
    meeting_id: strawberry.ID = node_id("Meeting")
    minutes: Annotated[str, LONG]
    attendance: list[str] = strawberry.field(default_factory=list)
    action_items: list[ActionItemInput] = strawberry.field(default_factory=list)


@strawberry.input
class CompleteActionItemInput:
    action_item_id: strawberry.ID


MeetingPayload = payload("MeetingPayload", meeting=Meeting)


@strawberry.type
class MeetingMutation:
    """Meeting mutations."""

    @mutation(MeetingPayload, permission=MEETING_MANAGE, audit="deliberation.meeting.schedule")
    async def schedule_meeting(w: Write, input: ScheduleMeetingInput):
        """Schedule a meeting with its parties and agenda."""
        return await service.meetings.schedule(
            w.session,
            kind=MeetingKind(input.kind),
            title=input.title,
            scheduled_at=input.scheduled_at,
            compound_id=input.compound_id,
            parties=input.parties,
            agenda=[(a.title, a.topic_id) for a in input.agenda],
        )

    @mutation(MeetingPayload, permission=MEETING_MANAGE, audit="deliberation.meeting.minutes")
    async def record_minutes(w: Write, input: RecordMinutesInput):
        """Record who attended, the minutes and the action items."""
        items = [(a.description, a.owner, a.due_on) for a in input.action_items]
        return await service.meetings.record_minutes(w.session, input.meeting_id, input.minutes, input.attendance, items)

    @mutation(MeetingPayload, permission=MEETING_MANAGE)
    async def complete_action_item(w: Write, input: CompleteActionItemInput):
        """Mark an action item done."""
        return await service.meetings.complete_action_item(w.session, _local_id(input.action_item_id))
