"""Mediation agreements (Art. 29-30): drafting, signatures, the committee's seal, taking effect,
and the parties' joint request for judicial confirmation (Art. 33)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, today
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.models import Agreement, Case, ReturnVisit, Signature, Studio
from jiedao.plugins.mediation.service.cases import get_case, move, party_ids
from jiedao.plugins.mediation.service.common import required
from jiedao.plugins.mediation.service.committees import seal_keeper_of
from jiedao.plugins.mediation.service.visit_work import open_visit_work_item
from jiedao.plugins.mediation.states import CaseState

RESET_ON_REDRAFT = (
    "sealed_at", "sealed_by_user_id", "seal_committee_id", "effective_on", "confirmation_requested_on", "confirmation_court",
    "confirmation_ruling", "confirmation_case_number", "confirmation_ruled_on", "performed_on", "performance_how",
    "performance_evidence_id", "performance_recorded_by", "performance_note", "breached_on", "breach_note", "breach_recorded_by",
    "court_action", "court_action_on", "court_action_court",
)
"""What a rewritten agreement starts without (after a refused ruling the case's history keeps the ruling)."""

CONFIRMATION_DAYS = 30
"""Art. 33: parties may jointly apply for judicial confirmation within 30 days of effect."""


def confirmation_deadline(agreement: Agreement) -> date | None:
    """The last day parties may jointly request judicial confirmation (written agreements)."""
    if agreement.effective_on is None or agreement.oral:
        return None
    return agreement.effective_on + timedelta(days=CONFIRMATION_DAYS)


def confirmation_overdue(agreement: Agreement, on: date | None = None) -> bool:
    """The deadline passed without a request."""
    deadline = confirmation_deadline(agreement)
    return deadline is not None and agreement.confirmation_requested_on is None and (on or today()) > deadline


@dataclass(frozen=True)
class AgreementData:
    """The content Art. 29 requires of a mediation agreement."""

    facts: str
    disputed_points: str
    terms: str
    performance: str
    perform_by: date | None
    oral: bool = False
    obliged_resident_id: int | None = None
    """The party who must perform; the first respondent when not named."""


async def draft_agreement(session: AsyncSession, actor: Actor, case_id: int, data: AgreementData) -> Agreement:
    """Write (or rewrite, voiding signatures) the agreement of a case in mediation.

    An oral agreement (Art. 30) is recorded by the case's mediator and takes effect at once.
    """
    case = await get_case(session, actor, case_id)
    if case.state != CaseState.IN_MEDIATION.value:
        raise DomainError("Agreements are drafted while the case is in mediation.", code="INVALID_STATE", field="caseId")
    content = {
        "facts": required(data.facts, "facts", "The facts of the dispute is required."),
        "disputed_points": required(data.disputed_points, "disputedPoints", "The disputed points is required."),
        "terms": required(data.terms, "terms", "The agreed terms is required."),
        "performance": required(data.performance, "performance", "How the agreement is carried out is required."),
    }
    if data.perform_by is None:
        raise DomainError("When the agreement is carried out is required.", code="MISSING_CONTENT", field="performBy")
    if data.perform_by < today():
        raise DomainError("The date by which the agreement is carried out is in the past.", code="DEADLINE_IN_PAST", field="performBy")
    if data.oral and actor.user_id != case.mediator_user_id:
        raise DomainError("An oral agreement is recorded by the case's mediator.", code="NOT_THE_MEDIATOR", field="oral")
    if data.obliged_resident_id is not None and data.obliged_resident_id not in await party_ids(session, case_id):
        raise DomainError("The party obliged to perform must be a party to the case.", code="NOT_A_PARTY", field="obligedPartyId")
    agreement = await session.scalar(select(Agreement).where(Agreement.case_id == case_id))
    if agreement is None:
        agreement = Agreement(case_id=case_id, drafted_at=now(), **content, perform_by=data.perform_by, oral=data.oral)
        session.add(agreement)
    else:
        for column in RESET_ON_REDRAFT:
            setattr(agreement, column, None)
        agreement.drafted_at = now()
        agreement.perform_by, agreement.oral = data.perform_by, data.oral
        for key, value in content.items():
            setattr(agreement, key, value)
        await session.execute(delete(Signature).where(Signature.agreement_id == agreement.id))
    agreement.obliged_resident_id = data.obliged_resident_id
    await session.flush()
    if data.oral:
        await _take_effect(session, case, agreement, actor, "oral agreement recorded by the mediator")
    return agreement


async def _agreement_of(session: AsyncSession, case: Case) -> Agreement:
    agreement = await session.scalar(select(Agreement).where(Agreement.case_id == case.id))
    if agreement is None:
        raise DomainError("The case has no agreement yet.", code="NO_AGREEMENT", field="caseId")
    return agreement


async def sign_agreement(session: AsyncSession, actor: Actor, case_id: int, resident_id: int | None) -> Agreement:
    """Record a party's signature (``resident_id``) or, without it, the mediator's own.

    A resident signs only for themselves; staff record signatures given on paper.
    """
    case = await get_case(session, actor, case_id, manage=False)
    agreement = await _agreement_of(session, case)
    if agreement.effective_on is not None:
        raise DomainError("The agreement is already in effect.", code="ALREADY_EFFECTIVE", field="caseId")
    if resident_id is None:
        if actor.user_id is None or actor.user_id != case.mediator_user_id:
            raise DomainError("Only the case's mediator signs as mediator.", code="NOT_THE_MEDIATOR", field="residentId")
        existing = select(Signature.id).where(Signature.agreement_id == agreement.id, Signature.user_id == actor.user_id)
        signature = Signature(agreement_id=agreement.id, user_id=actor.user_id, recorded_by=actor.name, signed_at=now())
    else:
        if resident_id not in await party_ids(session, case_id):
            raise DomainError("Only parties to the case sign its agreement.", code="NOT_A_PARTY", field="residentId")
        if not actor.manages and actor.resident_id != resident_id:
            raise DomainError("You may only sign for yourself.", code="FORBIDDEN", field="residentId")
        existing = select(Signature.id).where(Signature.agreement_id == agreement.id, Signature.resident_id == resident_id)
        signature = Signature(agreement_id=agreement.id, resident_id=resident_id, recorded_by=actor.name, signed_at=now())
    if await session.scalar(existing):
        raise DomainError("Already signed.", code="ALREADY_SIGNED", field="residentId")
    session.add(signature)
    await session.flush()
    await _maybe_take_effect(session, case, agreement, actor)
    return agreement


async def seal_agreement(session: AsyncSession, actor: Actor, case_id: int) -> Agreement:
    """Seal the agreement with the seal of the people's mediation committee of the case's
    studio (Art. 29). Only the committee member keeping the seal may: not the studio's lead,
    not street staff."""
    case = await get_case(session, actor, case_id, manage=False)
    agreement = await _agreement_of(session, case)
    committee_id = await session.scalar(select(Studio.committee_id).where(Studio.id == case.studio_id))
    if committee_id is None:
        raise DomainError(
            "The case's studio belongs to no people's mediation committee: attach it to one (setStudioCommittee) before sealing.",
            code="NO_COMMITTEE", field="caseId",
        )
    keeper = await seal_keeper_of(session, committee_id)
    if actor.user_id is None or actor.user_id != keeper:
        raise DomainError(
            "Only the member of the people's mediation committee who keeps its seal seals agreements (Art. 29).",
            code="NOT_SEAL_KEEPER", field="caseId",
        )
    if agreement.sealed_at is not None:
        raise DomainError("The agreement is already sealed.", code="ALREADY_SEALED", field="caseId")
    if agreement.oral:
        raise DomainError("An oral agreement is not sealed.", code="ORAL_AGREEMENT", field="caseId")
    agreement.sealed_at = now()
    agreement.sealed_by_user_id = actor.user_id
    agreement.seal_committee_id = committee_id
    await session.flush()
    await _maybe_take_effect(session, case, agreement, actor)
    return agreement


async def missing_signatures(session: AsyncSession, case: Case, agreement: Agreement) -> tuple[list[int], bool]:
    """(parties who have not signed, whether the mediator still has to sign)."""
    rows = (await session.execute(select(Signature.resident_id, Signature.user_id).where(Signature.agreement_id == agreement.id))).all()
    signed_residents = {r for r, _ in rows if r is not None}
    signed_users = {u for _, u in rows if u is not None}
    parties = await party_ids(session, case.id)
    return [p for p in parties if p not in signed_residents], case.mediator_user_id not in signed_users


async def _maybe_take_effect(session: AsyncSession, case: Case, agreement: Agreement, actor: Actor) -> None:
    missing, mediator_missing = await missing_signatures(session, case, agreement)
    if agreement.sealed_at is not None and not missing and not mediator_missing:
        await _take_effect(session, case, agreement, actor, "agreement signed by every party and the mediator, and sealed")


async def _take_effect(session: AsyncSession, case: Case, agreement: Agreement, actor: Actor, reason: str) -> None:
    agreement.effective_on = today()
    await move(session, case, CaseState.AGREED, actor, reason)
    visit_on = max(agreement.perform_by, today()) + timedelta(days=1)
    visit = ReturnVisit(case_id=case.id, due_on=visit_on)
    session.add(visit)
    await session.flush()
    await open_visit_work_item(session, visit)


async def request_judicial_confirmation(session: AsyncSession, actor: Actor, case_id: int, requesting: list[int], court: str) -> Agreement:
    """Record the parties' joint request for judicial confirmation (Art. 33), within 30 days."""
    case = await get_case(session, actor, case_id)
    agreement = await _agreement_of(session, case)
    if agreement.effective_on is None:
        raise DomainError("The agreement is not in effect yet.", code="AGREEMENT_NOT_EFFECTIVE", field="caseId")
    if agreement.oral:
        raise DomainError("Judicial confirmation needs a written agreement.", code="ORAL_AGREEMENT", field="caseId")
    if agreement.confirmation_requested_on is not None:
        raise DomainError("Judicial confirmation was already requested.", code="ALREADY_REQUESTED", field="caseId")
    court = required(court, "court", "The court is required.")
    if set(requesting) != set(await party_ids(session, case_id)):
        raise DomainError("Every party must join the request (a joint application).", code="NOT_JOINT", field="partyIds")
    deadline = confirmation_deadline(agreement)
    if today() > deadline:
        raise DomainError(
            "The 30 days for judicial confirmation ended on {day}.", code="DEADLINE_PASSED", field="caseId", day=deadline.isoformat()
        )
    agreement.confirmation_requested_on = today()
    agreement.confirmation_court = court
    await session.flush()
    return agreement
