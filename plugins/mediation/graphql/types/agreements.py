"""GraphQL types of mediation agreements: signatures and judicial confirmation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from jiedao.api import by_id, registry, types
from jiedao.api.graphql import children_field, linked, list_bound
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.graphql.loaders import username_field
from jiedao.plugins.mediation.graphql.types.attachments import Attachment
from jiedao.plugins.mediation.graphql.types.enums import CourtActionEnum, PerformanceCheckEnum, RulingEnum
from jiedao.plugins.mediation.service import court
from jiedao.plugins.mediation.states import CourtAction, PerformanceCheck, Ruling

Resident = types.Resident


@strawberry.type(description="A signature (or fingerprint) on an agreement.")
class Signature:
    recorded_by: str = strawberry.field(description="Who recorded the signature (username).")

    resident = linked(registry.Resident, "resident_id", Resident, description="The party who signed; null for the mediator's signature.")

    mediator_username = username_field("user_id", "The mediator who signed; null for a party's signature.")

    signed_at: datetime = strawberry.field(description="When it was signed (ISO 8601 UTC).")


@strawberry.type(description="Judicial confirmation (Art. 33): parties may jointly apply within 30 days of the agreement's effect; the court rules (Civil Procedure Law Art. 205-206).")
class JudicialConfirmation:
    deadline: date = strawberry.field(description="The last day the parties may apply (30 days after the agreement took effect).")
    requested_on: date | None = strawberry.field(description="The day the parties applied, if they did.")
    court: str | None = strawberry.field(description="The court applied to.")
    overdue: bool = strawberry.field(description="The deadline passed without a request.")
    ruling: RulingEnum | None = strawberry.field(description="The court's ruling, once recorded.")
    case_number: str | None = strawberry.field(description="The ruling's case number (案号).")
    ruled_on: date | None = strawberry.field(description="The day of the court's ruling, once recorded.")


@strawberry.type(description="The confirmed performance of an agreement (Art. 31).")
class Performance:
    performed_on: date = strawberry.field(description="The day it was performed.")
    how: PerformanceCheckEnum = strawberry.field(description="How the performance was confirmed.")
    recorded_by: str = strawberry.field(description="Who recorded it (username).")
    note: str = strawberry.field(description="What was found or said.")
    evidence: Attachment | None = strawberry.field(description="The obliged party's evidence, when that is how it was confirmed.")


@strawberry.type(description="A breach of the agreement: when it was noticed, what was not done (Art. 32).")
class Breach:
    noticed_on: date = strawberry.field(description="The day the breach was noticed.")
    note: str = strawberry.field(description="What was not performed.")
    recorded_by: str = strawberry.field(description="Who recorded it (username).")


@strawberry.type(description="A party took the case, with its record, to court.")
class CourtActionRecord:
    action: CourtActionEnum = strawberry.field(description="A lawsuit or enforcement.")
    court: str = strawberry.field(description="The court.")
    filed_on: date = strawberry.field(description="The day it was filed.")


@strawberry.type(name="Agreement", description="A mediation agreement; in effect once every party and the mediator signed and the people's mediation committee sealed it (Art. 29; oral: once recorded, Art. 30).")
class Agreement:
    oral: bool = strawberry.field(description="An oral agreement (口头协议) recorded by the mediator (Art. 30).")
    facts: str = strawberry.field(description="The main facts of the dispute (纠纷的主要事实).")
    disputed_points: str = strawberry.field(description="The points in dispute (争议事项).")
    terms: str = strawberry.field(description="What the parties agreed (达成协议的内容).")
    performance: str = strawberry.field(description="How the agreement is carried out.")
    perform_by: date = strawberry.field(description="The last day for performance (履行期限).")
    effective_on: date | None = strawberry.field(description="The day it took effect; null until then.")
    sealed_at: datetime | None = strawberry.field(description="When the people's mediation committee's seal was put on it.")

    seal_committee = linked(m.Committee, "seal_committee_id", Annotated["MediationCommittee", strawberry.lazy("jiedao.plugins.mediation.graphql.types.committees")], description="The committee whose seal is on the agreement (Art. 29).")

    sealed_by = username_field("sealed_by_user_id", "The committee member (keeper of the seal) who sealed it.")

    @strawberry.field(description="Whether it has taken effect (`effectiveOn` is set).")
    def in_effect(self) -> bool:
        return self.effective_on is not None

    signatures = children_field(Signature, m.Signature.agreement_id, metadata=list_bound(10), description="The signatures on it.")

    @strawberry.field(description="Judicial confirmation (司法确认) of a written agreement in effect; null otherwise.")
    def judicial_confirmation(self) -> JudicialConfirmation | None:
        deadline = service.confirmation_deadline(self)
        if deadline is None:
            return None
        return JudicialConfirmation(
            deadline=deadline, requested_on=self.confirmation_requested_on, court=self.confirmation_court, overdue=service.confirmation_overdue(self),
            ruling=None if self.confirmation_ruling is None else Ruling(self.confirmation_ruling),
            case_number=self.confirmation_case_number, ruled_on=self.confirmation_ruled_on,
        )

    obliged_party = linked(registry.Resident, "obliged_resident_id", Resident, description="The party who must perform, when the agreement names one (else the first respondent).")

    @strawberry.field(description="The confirmed performance (the mediator's check or the obliged party's evidence); null until confirmed.")
    async def performance_confirmed(self, info: strawberry.Info) -> Performance | None:
        if self.performed_on is None:
            return None
        evidence = None if self.performance_evidence_id is None else await by_id(info.context, m.Attachment).load(self.performance_evidence_id)
        return Performance(
            performed_on=self.performed_on, how=PerformanceCheck(self.performance_how), recorded_by=self.performance_recorded_by or "",
            note=self.performance_note or "", evidence=evidence,
        )

    @strawberry.field(description="The recorded breach, if any.")
    def breach(self) -> Breach | None:
        return None if self.breached_on is None else Breach(noticed_on=self.breached_on, note=self.breach_note or "", recorded_by=self.breach_recorded_by or "")

    @strawberry.field(description="What a party took to court, with the case's record.")
    def court_action(self) -> CourtActionRecord | None:
        if self.court_action is None:
            return None
        return CourtActionRecord(action=CourtAction(self.court_action), court=self.court_action_court or "", filed_on=self.court_action_on)

    @strawberry.field(description="What the parties may still take to court: enforcement of a confirmed agreement, judicial confirmation while the 30 days run, a lawsuit, or changing a refused agreement by mediation.")
    async def next_steps(self, info: strawberry.Info) -> list[CourtActionEnum]:
        case = await by_id(info.context, m.Case).load(self.case_id)
        return court.next_steps(self, case.state)
