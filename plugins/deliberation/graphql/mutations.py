"""The deliberation plugin's mutations, their inputs and payloads: ballots and votes, topics
and consultations, meetings. Each one runs through the kernel's mutation runner."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from jiedao.api import DomainError, many, mutation, node_id, payload, Write
from jiedao.api.graphql import LOGGED_IN
from jiedao.api.files import LocalFileStore
from jiedao.api.organisations import acts_for, may_convene_ballot, organisations_acted_for, OrganisationKind
from jiedao.api.graphql import decode_id_of, encode_global_id
from jiedao.api.inputs import id_input, LONG, MaxLength
from jiedao.plugins.deliberation import service
from jiedao.plugins.deliberation.service import scope as scope_service
from jiedao.plugins.deliberation.service.convenors import Convenor, resolve_convenor
from jiedao.plugins.deliberation.service.documents import check_proxy, decode_document
from jiedao.plugins.deliberation.graphql.types import (
    BALLOT_MANAGE,
    BALLOT_VOTE,
    MEETING_MANAGE,
    TOPIC_MANAGE,
    TOPIC_RAISE,
    TOPIC_READ,
    Ballot,
    BallotRuleEnum,
    ChannelEnum,
    ChoiceEnum,
    Comment,
    ElectorateEnum,
    Meeting,
    MeetingKindEnum,
    Topic,
    TopicStatusEnum,
    VoteRecord,
    vote_record,
)
from jiedao.plugins.deliberation.models import Channel, Choice, Electorate, MeetingKind, Rule, TopicStatus


CONVENE = "org.ballots.convene"
"""The organisation permission of those who convene owners' ballots for their 业委会."""


def _actor(w: Write) -> tuple[str, int | None]:
    """The caller's username and user id, as recorded on topic steps and comments."""
    return (w.user.username, w.user.id) if w.user else ("anonymous", None)


def _local_id(value: strawberry.ID, type_name: str, field: str) -> int:
    """The key inside the global ID of a ``type_name`` (a comment, an agenda or action item)
    given in the input field ``field``; another ID is INVALID_ID naming the field."""
    return decode_id_of(value, type_name, field)


# -- ballots ----------------------------------------------------------------------------


@strawberry.input(description="A stairwell (单元) of a building, e.g. building 2, stairwell \"1\".")
class StairwellInput:
    building_id: strawberry.ID = node_id("Building", description="The Building (global ID).")
    stairwell: str = strawberry.field(description="As the units record it (`Unit.stairwell`); \"\" when the building has one.")


@strawberry.input(description="Exactly one of: a compound (all its buildings), buildings, or stairwells (单元).")
class BallotScopeInput:
    compound_id: strawberry.ID | None = node_id("Compound", default=None, description="A Compound (global ID): all its buildings vote.")
    building_ids: list[strawberry.ID] | None = node_id("Building", default=None, description="These Buildings (global IDs) vote.")
    stairwells: list[StairwellInput] | None = strawberry.field(
        default=None, description="Only the units of these stairwells vote (the usual scope of adding an elevator)."
    )


async def stairwell_scope(w: Write, scope: BallotScopeInput) -> tuple[list[int], list[tuple[int, str]]]:
    """The buildings and ``(building, stairwell)`` pairs of a scope given as stairwells (checked:
    unknown ones are ``NOT_FOUND`` naming ``scope.stairwells[i]...``); the buildings as given otherwise."""
    if not scope.stairwells:
        return list(scope.building_ids or []), []
    if scope.compound_id is not None or scope.building_ids:
        raise DomainError("Give the scope as a compound, buildings or stairwells, not several.", code="INVALID_SCOPE", field="scope")
    pairs = [(s.building_id, s.stairwell) for s in scope.stairwells]
    return await scope_service.buildings_of_stairwells(w.session, pairs), pairs


@strawberry.input(description="A new ballot (表决), created as a DRAFT.")
class CreateBallotInput:
    title: str = strawberry.field(description="The ballot's title.")
    matter: Annotated[str, LONG] = strawberry.field(description="The matter put to the vote (表决事项), in full.")
    rule: BallotRuleEnum = strawberry.field(description="How the ballot decides (Civil Code Art. 278).")
    scope: BallotScopeInput = strawberry.field(description="Whose units vote: a compound, buildings or stairwells.")
    opens_at: datetime = strawberry.field(description="When voting opens; a binding ballot: at least notice_days after its announcement (openBallot).")
    closes_at: datetime = strawberry.field(description="When voting ends: min_voting_days to max_voting_days after opensAt.")
    convenor_id: strawberry.ID | None = node_id(
        "Organisation", default=None,
        description="The convening 业委会 (of the compound) or 居委会 (of its community); none: the street office. "
        "An owners' committee member convenes for their committee.",
    )
    topic_id: strawberry.ID | None = node_id("Topic", default=None, description="The topic this ballot decides.")
    electorate: ElectorateEnum = strawberry.field(
        default=ElectorateEnum.OWNERS, description="RESIDENTS: a residents' consultation (SIMPLE_MAJORITY only)."
    )


BallotIdInput = id_input("Ballot")


@strawberry.input(description="An owner's own online vote on an open ballot.")
class CastVoteInput(BallotIdInput):
    choice: ChoiceEnum = strawberry.field(description="Agree, oppose or abstain.")


@strawberry.input(description="A file, base64-encoded (at most the street's max_attachment_bytes once decoded).")
class VoteDocumentInput:
    name: str = strawberry.field(description="The file's name, e.g. `授权委托书.pdf`.")
    content_type: str = strawberry.field(description="Its media type, e.g. `application/pdf` or `image/jpeg`.")
    content_base64: Annotated[str, MaxLength(None)] = strawberry.field(description="Its content, base64-encoded.")


@strawberry.input(description="Who voted for the owner: name, resident ID-card number (kept masked) and the written authorisation.")
class ProxyInput:
    name: str = strawberry.field(description="The proxy's name.")
    id_card: str = strawberry.field(description="The proxy's resident ID-card number (居民身份证号); stored masked.")
    authorisation: VoteDocumentInput | None = strawberry.field(default=None, description="The owner's signed authorisation (授权委托书); required.")


@strawberry.input(description="A paper or proxy vote recorded by staff.")
class RecordVoteInput(BallotIdInput):
    unit_id: strawberry.ID | None = node_id("Unit", default=None, description="The unit whose owners voted (owners' ballots).")
    resident_id: strawberry.ID | None = node_id("Resident", default=None, description="The resident who voted (residents' consultations).")
    choice: ChoiceEnum = strawberry.field(description="Agree, oppose or abstain.")
    channel: ChannelEnum = strawberry.field(description="PAPER or PROXY; ONLINE votes are cast by the owner's own session.")
    proxy: ProxyInput | None = strawberry.field(default=None, description="Required for PROXY.")
    scan: VoteDocumentInput | None = strawberry.field(default=None, description="The paper ballot's scan (PAPER, optional).")


@strawberry.input(description="The cancellation of a ballot by its convenor.")
class CancelBallotInput(BallotIdInput):
    reason: str = strawberry.field(description="Why the ballot is cancelled; shown with it.")


BallotPayload = payload("BallotPayload", ballot=(Ballot | None, None, "The ballot after the change; null when refused."))


VotePayload = payload("VotePayload", votes=many(VoteRecord, "One per owner group the vote counts for."))


async def choose_convenor(w: Write, compound_ids: set[int], convenor_id: int | None) -> Convenor:
    """The convenor of a new ballot: the one named (staff may name the compound's 业委会 or its
    community's 居委会; none: the street office). An owners' committee member convenes for
    their committee (``FORBIDDEN`` naming ``convenorId`` for another organisation)."""
    if w.ctx.has_permission(BALLOT_MANAGE):
        return await resolve_convenor(w.session, compound_ids, convenor_id)
    committees = [
        a.org_id for a in await organisations_acted_for(w.session, w.user) if a.kind is OrganisationKind.OWNERS_COMMITTEE
    ]
    for org_id in committees:
        if convenor_id in (None, org_id):
            try:
                return await resolve_convenor(w.session, compound_ids, org_id)
            except DomainError:
                continue
    raise DomainError("You convene ballots for your own owners' committee only.", code="FORBIDDEN", field="convenorId")


async def require_convener(w: Write, compound_ids: set[int]) -> None:
    """Street staff holding ``deliberation.ballot.manage`` convene any ballot; an account acting
    for a compound's owners' committee (业委会, with ``org.ballots.convene`` and within its term)
    convenes the ballots of that compound only. ``FORBIDDEN`` otherwise."""
    if w.ctx.has_permission(BALLOT_MANAGE):
        return
    if compound_ids and w.user is not None:
        allowed = [await may_convene_ballot(w.session, w.user, compound_id) for compound_id in sorted(compound_ids)]
        if all(allowed):
            return
    raise DomainError(
        "Only street staff, or the owners' committee of the compound in its term, may convene this ballot.",
        code="FORBIDDEN", field="scope",
    )


async def require_ballot_convenor(w: Write, ballot_id: int) -> None:
    """The caller may announce, close or cancel this ballot: street staff, or an account acting
    for the organisation that convened it (an owners' committee may not act on a ballot the
    street or another organisation convened)."""
    await require_convener(w, await service.compounds_of_ballot(w.session, ballot_id))
    if not w.ctx.has_permission(BALLOT_MANAGE):
        convening = (await service.get_ballot(w.session, ballot_id)).convenor_organisation_id
        if convening is None or not await acts_for(w.session, w.user, convening, CONVENE):
            raise DomainError("Only the ballot's convenor may do this.", code="FORBIDDEN", field="ballotId")


@strawberry.type
class BallotMutation:
    """Ballot lifecycle and voting mutations."""

    @mutation(BallotPayload, permission=LOGGED_IN, audit="deliberation.ballot.create")
    async def create_ballot(w: Write, input: CreateBallotInput):
        """Prepare a ballot (a draft until announced): street staff anywhere, an owners' committee
        for its own compound. Its convenor and the account acting are recorded."""
        building_ids, stairwells = await stairwell_scope(w, input.scope)
        compounds = await service.compounds_of_scope(w.session, input.scope.compound_id, building_ids)
        await require_convener(w, compounds)
        convenor = await choose_convenor(w, compounds, input.convenor_id)
        settings = w.kernel.settings(w.street, "deliberation")
        ballot = await service.create_ballot(
            w.session,
            title=input.title,
            matter=input.matter,
            rule=Rule(input.rule),
            compound_id=input.scope.compound_id,
            building_ids=building_ids,
            opens_at=input.opens_at,
            closes_at=input.closes_at,
            max_days=settings.max_voting_days,
            min_days=settings.min_voting_days,
            notice_days=settings.notice_days,
            electorate=Electorate(input.electorate),
            convenor=convenor,
            convened_by=w.user.id,
            topic_id=input.topic_id,
        )
        if stairwells:
            await scope_service.limit_ballot_to_stairwells(w.session, ballot.id, stairwells)
        w.audit(title=ballot.title, rule=ballot.rule, convenor=convenor.name, convenor_kind=convenor.kind.value)
        return ballot

    @mutation(BallotPayload, permission=LOGGED_IN, audit="deliberation.ballot.open")
    async def open_ballot(w: Write, input: BallotIdInput):
        """Announce a draft ballot (its convenor): the electorate is fixed and a public notice
        gives the matter, the voting period and the ways to vote. A binding ballot is announced
        at least notice_days before voting opens."""
        await require_ballot_convenor(w, input.ballot_id)
        notice_days = w.kernel.settings(w.street, "deliberation").notice_days
        return await service.open_ballot(w.session, w.street_id, input.ballot_id, notice_days=notice_days, user=w.user)

    @mutation(BallotPayload, permission=LOGGED_IN, audit="deliberation.ballot.close")
    async def close_ballot(w: Write, input: BallotIdInput):
        """Close a ballot after its closing time: stores the tally and announces the result with
        its per-building breakdown (its convenor)."""
        await require_ballot_convenor(w, input.ballot_id)
        ballot = await service.close_ballot(w.session, w.street_id, input.ballot_id, user=w.user)
        w.audit(**{k: ballot.result[k] for k in ("eligible_owners", "participating_owners", "agree_owners", "quorum_met", "passed")})
        return ballot

    @mutation(BallotPayload, permission=LOGGED_IN, audit="deliberation.ballot.cancel")
    async def cancel_ballot(w: Write, input: CancelBallotInput):
        """Cancel a draft or open ballot with a reason (its convenor: street staff, or an account
        acting for the convening organisation); an announced one's cancellation is announced.
        It takes no more votes and has no result."""
        await require_ballot_convenor(w, input.ballot_id)
        ballot = await service.cancel_ballot(w.session, input.ballot_id, input.reason, user=w.user)
        w.audit(reason=ballot.cancellation_reason)
        return ballot

    @mutation(VotePayload, permission=BALLOT_VOTE)
    async def cast_vote(w: Write, input: CastVoteInput):
        """Vote online as an owner; all your units in scope vote together."""
        votes = await service.cast_vote(w.session, w.street_id, input.ballot_id, w.user.resident_id, Choice(input.choice), w.user.id)
        return [vote_record(v, True) for v in votes]

    @mutation(VotePayload, permission=BALLOT_MANAGE, audit="deliberation.vote.record")
    async def record_vote(w: Write, input: RecordVoteInput):
        """Record a paper or proxy vote for a unit's owners (a resident, in a residents'
        consultation): a proxy vote with the proxy's identity and written authorisation, a
        paper vote with its scan if there is one."""
        settings = w.kernel.settings(w.street, "deliberation")
        limit = settings.max_attachment_bytes

        def document(given, field):
            return None if given is None else decode_document(given.name, given.content_type, given.content_base64, limit, field)

        proxy = None
        if input.proxy is not None:
            proxy = check_proxy(input.proxy.name, input.proxy.id_card, document(input.proxy.authorisation, "proxy.authorisation"))
        vote = await service.record_vote(
            w.session, w.street_id, input.ballot_id, input.unit_id, Choice(input.choice), Channel(input.channel), w.user.id,
            resident_id=input.resident_id, proxy=proxy, scan=document(input.scan, "scan"), store=LocalFileStore(settings.file_store),
        )
        w.audit(target=encode_global_id("Ballot", input.ballot_id), unit_id=vote.unit_id, channel=vote.channel, proxy=vote.proxy_name)
        return [vote_record(vote, False)]


# -- topics -----------------------------------------------------------------------------


@strawberry.input(description="A new topic (议题) about a place, or about the whole street; the most precise place given wins.")
class RaiseTopicInput:
    title: str = strawberry.field(description="The topic's title.")
    description: Annotated[str, LONG] = strawberry.field(default="", description="What the topic is about, in full.")
    compound_id: strawberry.ID | None = node_id("Compound", default=None, description="The Compound it is about (global ID).")
    building_id: strawberry.ID | None = node_id("Building", default=None, description="The Building it is about (global ID).")
    unit_id: strawberry.ID | None = node_id("Unit", default=None, description="The Unit it is about (global ID).")
    street_wide: bool = strawberry.field(default=False, description="A topic about the whole street: name no place.")


TopicIdInput = id_input("Topic")


@strawberry.input(description="A topic's move to its next status.")
class AdvanceTopicInput(TopicIdInput):
    status: TopicStatusEnum = strawberry.field(description="The status to move to.")
    note: str = strawberry.field(
        default="", description="The reason (REJECTED) or what was done (IMPLEMENTED); required for those. Decisions are taken on agenda items."
    )


@strawberry.input(description="A public consultation (征求意见) on a topic.")
class OpenConsultationInput(TopicIdInput):
    closes_at: datetime = strawberry.field(description="When commenting ends (ISO 8601 UTC).")


@strawberry.input(description="A comment on a topic open for consultation.")
class AddCommentInput(TopicIdInput):
    body: Annotated[str, LONG] = strawberry.field(description="The comment's text.")


@strawberry.input(description="Hiding a comment from residents (moderation); it stays on record.")
class HideCommentInput:
    comment_id: strawberry.ID = strawberry.field(description="The TopicComment to hide (global ID).")
    reason: str = strawberry.field(description="Why it is hidden; kept with it.")


TopicPayload = payload("TopicPayload", topic=(Topic | None, None, "The topic after the change; null when refused."))
CommentPayload = payload("CommentPayload", comment=(Comment | None, None, "The comment added or hidden; null when refused."))


@strawberry.type
class TopicMutation:
    """Topic lifecycle, consultation and moderation mutations."""

    @mutation(TopicPayload, permission=TOPIC_RAISE)
    async def raise_topic(w: Write, input: RaiseTopicInput):
        """Raise a topic about a compound, a building or a unit (a resident: in their own
        community; staff who read every topic: anywhere), or a street-wide one."""
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
            street_wide=input.street_wide,
            home_of=None if w.ctx.has_permission(TOPIC_READ) else (w.user.resident_id or 0),
        )

    @mutation(TopicPayload, permission=TOPIC_MANAGE, audit="deliberation.topic.advance")
    async def advance_topic(w: Write, input: AdvanceTopicInput):
        """Move a topic to its next status."""
        actor, user_id = _actor(w)
        topic = await service.advance_topic(w.session, input.topic_id, TopicStatus(input.status), input.note, actor=actor, user_id=user_id)
        w.audit(status=topic.status)
        return topic

    @mutation(TopicPayload, permission=TOPIC_MANAGE, audit="deliberation.topic.publish")
    async def publish_topic(w: Write, input: TopicIdInput):
        """Publish a topic to the residents of its community (or the street, if street-wide)."""
        return await service.publish_topic(w.session, input.topic_id)

    @mutation(TopicPayload, permission=TOPIC_MANAGE, audit="deliberation.topic.consult")
    async def open_consultation(w: Write, input: OpenConsultationInput):
        """Open a topic for public comments until a date."""
        return await service.open_consultation(w.session, input.topic_id, input.closes_at)

    @mutation(CommentPayload, permission=TOPIC_RAISE)
    async def add_comment(w: Write, input: AddCommentInput):
        """Comment on a topic open for consultation."""
        actor, user_id = _actor(w)
        return await service.add_comment(w.session, input.topic_id, input.body, actor=actor, user_id=user_id)

    @mutation(CommentPayload, permission=TOPIC_MANAGE, audit="deliberation.comment.hide")
    async def hide_comment(w: Write, input: HideCommentInput):
        """Moderation: hide a comment, keeping it on record."""
        comment = await service.hide_comment(w.session, _local_id(input.comment_id, "TopicComment", "commentId"), input.reason)
        w.audit(target=f"Comment:{comment.id}", reason=comment.hidden_reason)
        return comment


# -- meetings ---------------------------------------------------------------------------


@strawberry.input(description="One item of a meeting's agenda (议程).")
class AgendaItemInput:
    title: str = strawberry.field(description="The item's title.")
    topic_id: strawberry.ID | None = node_id("Topic", default=None, description="The Topic it discusses (global ID); a raised topic moves to DISCUSSING.")


@strawberry.input(description="A new deliberative meeting (议事会议).")
class ScheduleMeetingInput:
    kind: MeetingKindEnum = strawberry.field(description="The kind of meeting.")
    title: str = strawberry.field(description="The meeting's title.")
    scheduled_at: datetime = strawberry.field(description="When it takes place (ISO 8601 UTC).")
    compound_id: strawberry.ID | None = node_id("Compound", default=None, description="The Compound it is about (global ID), if any.")
    parties: list[str] = strawberry.field(default_factory=list, description="The parties taking part, e.g. 居委会, 业委会, 物业; for a JOINT meeting those three by default.")
    agenda: list[AgendaItemInput] = strawberry.field(default_factory=list, description="The agenda, in order.")


@strawberry.input(description="A follow-up task (待办事项) decided at a meeting.")
class ActionItemInput:
    description: str = strawberry.field(description="What must be done.")
    owner: str = strawberry.field(default="", description="A note on the person responsible; required without an organisation.")
    due_on: date = strawberry.field(description="The deadline.")
    organisation_id: strawberry.ID | None = node_id("Organisation", default=None, description="The responsible organisation.")
    agenda_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="The agenda item it follows from (links the action item to that item's topic)."
    )

    def new(self) -> service.meetings.NewActionItem:
        """The service's description of this action item."""
        agenda_item = None if self.agenda_item_id is None else _local_id(self.agenda_item_id, "MeetingAgendaItem", "agendaItemId")
        return service.meetings.NewActionItem(self.description, self.due_on, self.owner, self.organisation_id, agenda_item)


@strawberry.input(description="The minutes (会议纪要) of a meeting held.")
class RecordMinutesInput:
    meeting_id: strawberry.ID = node_id("Meeting", description="The Meeting (global ID).")
    minutes: Annotated[str, LONG] = strawberry.field(description="The minutes' text.")
    attendance: list[str] = strawberry.field(default_factory=list, description="Who attended, by name.")
    action_items: list[ActionItemInput] = strawberry.field(default_factory=list, description="Follow-up tasks agreed.")


@strawberry.input(description="Marking a meeting's action item done.")
class CompleteActionItemInput:
    action_item_id: strawberry.ID = strawberry.field(description="The MeetingActionItem (global ID).")


@strawberry.input(description="The decision taken on an agenda item; its topic, if still raised or under discussion, becomes DECIDED.")
class DecideAgendaItemInput:
    agenda_item_id: strawberry.ID = strawberry.field(description="The MeetingAgendaItem (global ID).")
    decision: Annotated[str, LONG] = strawberry.field(description="The decision (决议), in full.")
    action_items: list[ActionItemInput] = strawberry.field(default_factory=list, description="What must be done, by whom, by when.")


@strawberry.input(description="Names one Meeting by its global ID.")
class MeetingIdInput:
    meeting_id: strawberry.ID = node_id("Meeting", description="The Meeting (global ID).")


MeetingPayload = payload("MeetingPayload", meeting=(Meeting | None, None, "The meeting after the change; null when refused."))


@strawberry.type
class MeetingMutation:
    """Meeting mutations."""

    @mutation(MeetingPayload, permission=MEETING_MANAGE, audit="deliberation.meeting.schedule")
    async def schedule_meeting(w: Write, input: ScheduleMeetingInput):
        """Schedule a meeting with its parties and agenda; raised topics on the agenda move
        to discussion."""
        actor, user_id = _actor(w)
        meeting, moved = await service.meetings.schedule(
            w.session,
            kind=MeetingKind(input.kind),
            title=input.title,
            scheduled_at=input.scheduled_at,
            compound_id=input.compound_id,
            parties=input.parties,
            agenda=[(a.title, a.topic_id) for a in input.agenda],
            actor=actor,
            user_id=user_id,
        )
        w.audit(topics_to_discussion=[encode_global_id("Topic", t) for t in moved])
        return meeting

    @mutation(MeetingPayload, permission=MEETING_MANAGE, audit="deliberation.meeting.minutes")
    async def record_minutes(w: Write, input: RecordMinutesInput):
        """Record who attended, the minutes and the action items (not before the meeting)."""
        items = [a.new() for a in input.action_items]
        return await service.meetings.record_minutes(w.session, input.meeting_id, input.minutes, input.attendance, items)

    @mutation(MeetingPayload, permission=MEETING_MANAGE, audit="deliberation.agenda.decide")
    async def decide_agenda_item(w: Write, input: DecideAgendaItemInput):
        """Record the decision taken on an agenda item and its action items; its topic
        becomes DECIDED, linked to this meeting."""
        actor, user_id = _actor(w)
        meeting, item = await service.meetings.decide(
            w.session, _local_id(input.agenda_item_id, "MeetingAgendaItem", "agendaItemId"), input.decision, [a.new() for a in input.action_items], actor=actor, user_id=user_id
        )
        w.audit(agenda_item=item.id, topic=encode_global_id("Topic", item.topic_id) if item.decides_topic else None)
        return meeting

    @mutation(MeetingPayload, permission=MEETING_MANAGE, audit="deliberation.meeting.publish")
    async def publish_meeting(w: Write, input: MeetingIdInput):
        """Publish the minutes and decisions, and the topics on the agenda, to the residents
        of the meeting's community (or the street)."""
        return await service.meetings.publish(w.session, input.meeting_id)

    @mutation(MeetingPayload, permission=MEETING_MANAGE, audit="deliberation.action.complete")
    async def complete_action_item(w: Write, input: CompleteActionItemInput):
        """Mark an action item done."""
        item_id = _local_id(input.action_item_id, "MeetingActionItem", "actionItemId")
        w.audit(action_item=item_id)
        return await service.meetings.complete_action_item(w.session, item_id)
