"""Whether a case has the consent mediation needs (People's Mediation Law Art. 17): every
applicant and respondent accepted (a third party's consent is not needed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, registry
from jiedao.plugins.mediation.models import CaseParty
from jiedao.plugins.mediation.states import Answer, PartyRole

DISPUTANTS = (PartyRole.APPLICANT.value, PartyRole.RESPONDENT.value)
"""The roles whose consent mediation needs."""


async def awaiting_consent(session: AsyncSession, case_id: int) -> list[str]:
    """The names of the applicants and respondents who have not accepted mediation."""
    rows = await session.execute(
        select(registry.Resident.name)
        .join(CaseParty, CaseParty.resident_id == registry.Resident.id)
        .where(CaseParty.case_id == case_id, CaseParty.role.in_(DISPUTANTS), CaseParty.answer.is_distinct_from(Answer.ACCEPTED.value))
        .order_by(CaseParty.id)
    )
    return list(rows.scalars())


async def require_consent(session: AsyncSession, case_id: int, field: str) -> None:
    """``CONSENT_REQUIRED`` on ``field`` unless every applicant and respondent accepted mediation."""
    if missing := await awaiting_consent(session, case_id):
        raise DomainError(
            "Mediation needs the parties' consent (Art. 17): {parties} has not accepted mediation yet.",
            code="CONSENT_REQUIRED", field=field, parties=", ".join(missing),
        )
