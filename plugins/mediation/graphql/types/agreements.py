"""GraphQL types of mediation agreements: signatures and judicial confirmation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from jiedao.api import registry, types
from jiedao.api.graphql import children_field, linked, list_bound
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.graphql.loaders import usernames

Resident = types.Resident


@strawberry.type(description="A signature (or fingerprint) on an agreement.")
class Signature:
    recorded_by: str

    resident = linked(registry.Resident, "resident_id", Resident, description="The party who signed; null for the mediator's signature.")

    @strawberry.field(description="The mediator who signed; null for a party's signature.")
    async def mediator_username(self, info: strawberry.Info) -> str | None:
        return None if self.user_id is None else await usernames(info.context).load(self.user_id)

    signed_at: datetime


@strawberry.type(description="Judicial confirmation (Art. 33): parties may jointly apply within 30 days of the agreement's effect.")
class JudicialConfirmation:
    deadline: date
    requested_on: date | None
    court: str | None
    overdue: bool = strawberry.field(description="The deadline passed without a request.")


@strawberry.type(name="Agreement", description="A mediation agreement; in effect once every party and the mediator signed and the people's mediation committee sealed it (Art. 29; oral: once recorded, Art. 30).")
class Agreement:
    oral: bool
    facts: str
    disputed_points: str
    terms: str
    performance: str = strawberry.field(description="How the agreement is carried out.")
    perform_by: date
    effective_on: date | None
    sealed_at: datetime | None = strawberry.field(description="When the people's mediation committee's seal was put on it.")

    seal_committee = linked(m.Committee, "seal_committee_id", Annotated["MediationCommittee", strawberry.lazy("jiedao.plugins.mediation.graphql.types.committees")], description="The committee whose seal is on the agreement (Art. 29).")

    @strawberry.field(description="The committee member (keeper of the seal) who sealed it.")
    async def sealed_by(self, info: strawberry.Info) -> str | None:
        return None if self.sealed_by_user_id is None else await usernames(info.context).load(self.sealed_by_user_id)

    @strawberry.field
    def in_effect(self) -> bool:
        return self.effective_on is not None

    signatures = children_field(Signature, m.Signature.agreement_id, metadata=list_bound(10))

    @strawberry.field
    def judicial_confirmation(self) -> JudicialConfirmation | None:
        deadline = service.confirmation_deadline(self)
        if deadline is None:
            return None
        return JudicialConfirmation(
            deadline=deadline, requested_on=self.confirmation_requested_on, court=self.confirmation_court, overdue=service.confirmation_overdue(self)
        )
