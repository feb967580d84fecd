"""GraphQL types of mediation cases (and the parts of a case: parties, places, history,
recusals, outside mediators, sessions, attachments).

Which cases a caller sees is decided by ``access.visible_cases``: ``node(id:)`` goes
through ``cases_of_caller``, declared on ``Case``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from jiedao.api import by_id, Node, node_type, registry, types
from jiedao.api.graphql import caller_resolver, children_connection_field, children_field, enum_field, linked, list_bound
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.graphql.loaders import cases_of_caller, first_child, username_field
from jiedao.plugins.mediation.service.numbering import document_number
from jiedao.plugins.mediation.graphql.types.agreements import Agreement
from jiedao.plugins.mediation.graphql.types.attachments import Attachment
from jiedao.plugins.mediation.graphql.types.enums import AnswerChannelEnum, AnswerEnum, CaseStateEnum, CategoryEnum, OutsideKindEnum, PartyRoleEnum, SourceEnum
from jiedao.plugins.mediation.graphql.types.followup import ReturnVisit
from jiedao.plugins.mediation.graphql.types.studios import Studio
from jiedao.plugins.mediation.states import Answer, AnswerChannel, CaseState

CASE_READ = "mediation.case.read"
Building, Resident, Unit = types.Building, types.Resident, types.Unit
LazyFinding = Annotated["Finding", strawberry.lazy("jiedao.plugins.mediation.graphql.types.taskforces")]


@strawberry.type(description="A party to a case, its role and its answer to mediation (Art. 17).")
class CaseParty:
    role = enum_field(PartyRoleEnum, description="The party's role in the dispute.")

    @strawberry.field(description="Accepted or refused mediation; null while the party has not answered.")
    def answer(self) -> AnswerEnum | None:
        return None if self.answer is None else Answer(self.answer)

    answered_on: date | None = strawberry.field(description="The day the party answered (on paper: the date written on it).")

    @strawberry.field(description="How the answer was given.")
    def answer_channel(self) -> AnswerChannelEnum | None:
        return None if self.answer_channel is None else AnswerChannel(self.answer_channel)

    answer_recorded_by: str | None = strawberry.field(description="Who recorded a paper answer (username); null for the party's own answer.")
    refusal_reason: str | None = strawberry.field(description="Why the party refused mediation, when they did.")

    resident = linked(registry.Resident, "resident_id", Resident, description="The party as a Resident.")


@strawberry.type(description="A building, and possibly a unit of it, that a case is about.")
class CasePlace:
    building = linked(registry.Building, "building_id", Building, description="The building.")
    unit = linked(registry.Unit, "unit_id", Unit, description="The unit, if the case is about one.")


@strawberry.type(description="One move of a case's state: who, when and why.")
class CaseTransition:
    actor: str = strawberry.field(description="Who made the move.")
    reason: str = strawberry.field(description="Why, as given.")

    @strawberry.field(description="The state before; null for the first step.")
    def from_state(self) -> CaseStateEnum | None:
        return None if self.from_state is None else CaseState(self.from_state)

    to_state = enum_field(CaseStateEnum, description="The state after.")

    at: datetime = strawberry.field(description="When (ISO 8601 UTC).")


@strawberry.type(description="A mediator who withdrew from a case because of a relation to a party.")
class Recusal:
    reason: str = strawberry.field(description="Why the mediator withdrew.")

    username = username_field("user_id", "The mediator who withdrew.")

    at: datetime = strawberry.field(description="When (ISO 8601 UTC).")


@strawberry.type(description="A lawyer, relative, neighbour or expert invited into this case with the parties' consent.")
class OutsideMediator:
    name: str = strawberry.field(description="The person's name.")
    organisation: str = strawberry.field(description="Their organisation, if any.")
    consent_note: str = strawberry.field(description="How and when the parties consented.")

    kind = enum_field(OutsideKindEnum, description="Who they are.")


@strawberry.type(name="MediationSession", description="A mediation meeting.")
class MediationSession:
    held_on: date = strawberry.field(description="The day it was held.")
    participants: list[str] = strawberry.field(metadata=list_bound(10), description="Who took part, by name.")
    notes: str = strawberry.field(description="The session's record (调解笔录).")
    recorded_by: str = strawberry.field(description="Who recorded it (username).")




@node_type(m.Case, read=CASE_READ, visible=cases_of_caller)
@strawberry.type(name="Case", description="A dispute brought to a mediation studio (also fetchable with `node(id:)` by those who may see it).")
class Case(Node):
    title: str = strawberry.field(description="A short title of the dispute.")
    description: str = strawberry.field(description="The dispute as told.")
    referred_by: str = strawberry.field(description="The court, police station or task force that referred it; empty otherwise.")
    escalation_reason: str | None = strawberry.field(description="Why it was flagged as at risk of turning violent, if it was.")

    category = enum_field(CategoryEnum, description="What the dispute is about (纠纷类别).")

    source = enum_field(SourceEnum, description="How the case came to the studio.")

    state = enum_field(CaseStateEnum, description="Where the case is now.")

    opened_at: datetime = strawberry.field(description="When it was opened (ISO 8601 UTC).")
    concluded_at: datetime | None = strawberry.field(description="When mediation ended: agreed, failed or refused (ISO 8601 UTC).")
    closed_at: datetime | None = strawberry.field(description="When it reached a final state (ISO 8601 UTC).")

    @strawberry.field(description="Its number in its committee's register (案号) for the year it was opened, as its documents print it: （2026）长庆人调字第0012号.")
    @caller_resolver  # the street's name, from the caller's context
    def document_number(self, info: strawberry.Info) -> str:
        return document_number(info.context.kernel.config.streets[info.context.street].name, self)

    @strawberry.field(description="Still being mediated more than 30 days after it was opened.")
    def open_too_long(self) -> bool:
        return service.open_too_long(self)

    @strawberry.field(description="Flagged as at risk of turning violent.")
    def escalated(self) -> bool:
        return self.escalated_at is not None

    studio = linked(m.Studio, "studio_id", Studio, description="The studio handling it.")

    mediator_username = username_field("mediator_user_id", "The assigned mediator; null until one is assigned.")

    parties = children_field(CaseParty, m.CaseParty.case_id, metadata=list_bound(10), description="The parties (当事人) and their answers.")
    places = children_field(CasePlace, m.CasePlace.case_id, description="The buildings and units the dispute is about.", metadata=list_bound(10))
    history = children_field(CaseTransition, m.CaseTransition.case_id, description="Every change of state, oldest first (page a long one with historyConnection).", metadata=list_bound(20))
    history_connection = children_connection_field(CaseTransition, m.CaseTransition.case_id, description="Every change of state, oldest first, a page at a time (batched over cases).")
    recusals = children_field(Recusal, m.Recusal.case_id, metadata=list_bound(5), description="Mediators who withdrew from the case.")
    outside_mediators = children_field(OutsideMediator, m.OutsideMediator.case_id, metadata=list_bound(5), description="Outside people invited to help mediate.")
    sessions = children_field(MediationSession, m.MediationSession.case_id, order_by=m.MediationSession.held_on, metadata=list_bound(10), description="The mediation sessions, by date.")
    attachments = children_field(Attachment, m.Attachment.case_id, metadata=list_bound(10), description="Files attached to the case.")
    return_visits = children_field(ReturnVisit, m.ReturnVisit.case_id, order_by=m.ReturnVisit.due_on, metadata=list_bound(10), description="Return visits (回访), by due date.")

    @strawberry.field(description="The mediation agreement (调解协议), once drafted.")
    async def agreement(self, info: strawberry.Info) -> Agreement | None:
        return await first_child(info.context, m.Agreement.case_id).load(self.id)

    @strawberry.field(description="The task-force finding this case disputes, if any.")
    async def finding(self, info: strawberry.Info) -> LazyFinding | None:
        return None if self.finding_id is None else await by_id(info.context, m.Finding).load(self.finding_id)
