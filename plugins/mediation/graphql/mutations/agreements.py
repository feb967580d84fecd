"""Mutations of agreements: draft, sign, seal, request judicial confirmation.
Rules live in ``service.agreements``."""

from __future__ import annotations

from typing import Annotated

from datetime import date

import strawberry

from jiedao.api import mutation, node_id, Write
from jiedao.api.inputs import LONG
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.graphql.mutations.cases import CaseIdInput, MANAGE, CasePayload


@strawberry.input(description="The text of a case's mediation agreement (调解协议书, Art. 28-29).")
class DraftAgreementInput(CaseIdInput):
    facts: Annotated[str, LONG] = strawberry.field(description="The main facts of the dispute (纠纷的主要事实).")
    disputed_points: Annotated[str, LONG] = strawberry.field(description="The points in dispute (争议事项).")
    terms: Annotated[str, LONG] = strawberry.field(description="What the parties agreed (达成协议的内容).")
    performance: Annotated[str, LONG] = strawberry.field(description="How the agreement is carried out.")
    perform_by: date | None = strawberry.field(default=None, description="The last day for performance (履行期限), if any.")
    oral: bool = strawberry.field(default=False, description="An oral agreement recorded by the mediator; in effect at once.")
    obliged_party_id: strawberry.ID | None = node_id("Resident", default=None, description="The party who must perform (default: the first respondent).")


@strawberry.input(description="A signature on a case's agreement.")
class SignAgreementInput(CaseIdInput):
    resident_id: strawberry.ID | None = node_id("Resident", description="The party signing; omit to sign as the case's mediator.", default=None)


@strawberry.input(description="The committee's seal (盖章) on a case's agreement.")
class SealAgreementInput(CaseIdInput):
    """The case whose agreement is sealed."""


@strawberry.input(description="The parties' joint request for judicial confirmation (司法确认).")
class RequestJudicialConfirmationInput(CaseIdInput):
    party_ids: list[strawberry.ID] = node_id("Resident", description="Every party: the application is joint.")
    court: str = strawberry.field(description="The court applied to.")


@strawberry.type
class AgreementMutation:
    @mutation(CasePayload, permission=MANAGE)
    async def draft_agreement(w: Write, input: DraftAgreementInput):
        """Write the agreement: facts, disputed points, terms, how and when it is carried out."""
        actor = Actor.of(w.ctx)
        data = service.AgreementData(
            input.facts, input.disputed_points, input.terms, input.performance, input.perform_by, input.oral, input.obliged_party_id
        )
        await service.draft_agreement(w.session, actor, input.case_id, data)
        return await service.get_case(w.session, actor, input.case_id)

    @mutation(CasePayload, permission="mediation.agreement.sign", audit="mediation.agreement.sign")
    async def sign_agreement(w: Write, input: SignAgreementInput):
        """Sign the agreement as a party, or as the case's mediator."""
        actor = Actor.of(w.ctx)
        await service.sign_agreement(w.session, actor, input.case_id, input.resident_id)
        w.audit(resident_id=input.resident_id)
        return await service.get_case(w.session, actor, input.case_id, manage=False)

    @mutation(CasePayload, permission="mediation.agreement.seal", audit="mediation.agreement.seal")
    async def seal_agreement(w: Write, input: SealAgreementInput):
        """Seal the agreement with the people's mediation committee's seal (Art. 29): only the committee member keeping the seal."""
        actor = Actor.of(w.ctx)
        agreement = await service.seal_agreement(w.session, actor, input.case_id)
        w.audit(committee=agreement.seal_committee_id)
        return await service.get_case(w.session, actor, input.case_id, manage=False)

    @mutation(CasePayload, permission=MANAGE, audit="mediation.agreement.confirmation")
    async def request_judicial_confirmation(w: Write, input: RequestJudicialConfirmationInput):
        """Record the parties' joint request for judicial confirmation (within 30 days)."""
        actor = Actor.of(w.ctx)
        await service.request_judicial_confirmation(w.session, actor, input.case_id, input.party_ids, input.court)
        w.audit(court=input.court)
        return await service.get_case(w.session, actor, input.case_id)
