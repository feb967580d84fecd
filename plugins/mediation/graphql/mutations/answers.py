"""Mutation of a party's answer to mediation (Art. 17). Rules live in ``service.answers``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from jiedao.api import mutation, node_id, Write
from jiedao.api.inputs import LONG
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.graphql.mutations.cases import CaseIdInput, CasePayload
from jiedao.plugins.mediation.service.answers import answer_mediation as record_answer


@strawberry.input(description="A party's answer to mediation (Art. 17): accept or refuse.")
class AnswerMediationInput(CaseIdInput):
    resident_id: strawberry.ID = node_id("Resident", description="The party answering.")
    accept: bool = strawberry.field(description="true: accepts mediation; false: refuses it (the case ends as REFUSED).")
    reason: Annotated[str, LONG] = strawberry.field(default="", description="Why the party refuses (required for a refusal).")
    paper_date: date | None = strawberry.field(
        default=None, description="Staff only: the date of an answer the party gave on paper. Omit when the party answers from their own account."
    )


@strawberry.type
class AnswerMutation:
    @mutation(CasePayload, permission="mediation.case.answer", audit="mediation.case.answer")
    async def answer_mediation(w: Write, input: AnswerMediationInput):
        """A party accepts or refuses mediation (their own account), or staff record an answer given on paper."""
        actor = Actor.of(w.ctx)
        case = await record_answer(w.session, actor, input.case_id, input.resident_id, input.accept, input.reason, input.paper_date)
        w.audit(resident_id=input.resident_id, accept=input.accept, reason=input.reason, paper_date=input.paper_date and input.paper_date.isoformat())
        return case
