"""Who convenes an owners' ballot: the compound's owners' committee (业委会, Civil Code Art. 277
and 物业管理条例 Art. 14-15), the residents' committee (居委会) of its community or the street
office where they organise it instead (民法典 Art. 277 第二款: guidance and help in setting up
the owners' assembly). The convenor is recorded on the ballot with the account that acted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, registry
from jiedao.api.graphql import model_for
from jiedao.api.organisations import OrganisationKind
from jiedao.plugins.deliberation.models import ConvenorKind

STREET_OFFICE = "街道办事处"


@dataclass(frozen=True)
class Convenor:
    """The convening body: its kind, its organisation (None for the street office) and name."""

    kind: ConvenorKind
    organisation_id: int | None
    name: str


async def resolve_convenor(session: AsyncSession, compound_ids: set[int], organisation_id: int | None) -> Convenor:
    """The convenor named by ``organisation_id`` for a ballot over ``compound_ids``: the 业委会
    of that (single) compound, or the 居委会 of their community; the street office without one.
    ``INVALID_CONVENOR`` naming ``convenorId`` otherwise."""
    if organisation_id is None:
        return Convenor(ConvenorKind.STREET, None, STREET_OFFICE)
    organisation = model_for("Organisation")
    org = await session.scalar(select(organisation).where(organisation.id == organisation_id))
    if org is None:
        raise DomainError("No such organisation in this street.", code="NOT_FOUND", field="convenorId")
    if org.kind is OrganisationKind.OWNERS_COMMITTEE:
        if compound_ids != {org.compound_id}:
            raise DomainError(
                "An owners' committee convenes ballots of its own compound only.", code="INVALID_CONVENOR", field="convenorId"
            )
        return Convenor(ConvenorKind.OWNERS_COMMITTEE, org.id, org.name)
    if org.kind is OrganisationKind.RESIDENTS_COMMITTEE:
        communities = set(await session.scalars(select(registry.Compound.community_id).where(registry.Compound.id.in_(compound_ids))))
        if communities != {org.community_id}:
            raise DomainError(
                "A residents' committee convenes ballots of compounds in its own community only.", code="INVALID_CONVENOR", field="convenorId"
            )
        return Convenor(ConvenorKind.RESIDENTS_COMMITTEE, org.id, org.name)
    raise DomainError(
        "A ballot is convened by the compound's owners' committee (业委会), its community's residents' committee (居委会), "
        "or the street office (no convenorId).",
        code="INVALID_CONVENOR", field="convenorId",
    )
