"""Performance of an agreement and its breach (People's Mediation Law Art. 31-32).

The performance is confirmed once, with its date, on or after the agreement's performance date
and not in the future: by the obliged party's evidence (an attachment they give from their own
account, or staff record it for them), or by the case's mediator's own check. A breach is
recorded with the date it was noticed and what was not done; the case becomes ``breached`` and
the record goes with the party to court (``court.record_court_action``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, today
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.models import Agreement, Attachment, Case, CaseParty
from jiedao.plugins.mediation.service.cases import get_case, move
from jiedao.plugins.mediation.service.common import required
from jiedao.plugins.mediation.states import CaseState, PartyRole, PerformanceCheck

PERFORMING_STATES = (CaseState.AGREED.value, CaseState.PERFORMING.value)


async def obliged_party(session: AsyncSession, agreement: Agreement) -> int | None:
    """The resident who must perform: the one the agreement names, else the first respondent."""
    if agreement.obliged_resident_id is not None:
        return agreement.obliged_resident_id
    return await session.scalar(
        select(CaseParty.resident_id).where(CaseParty.case_id == agreement.case_id, CaseParty.role == PartyRole.RESPONDENT.value).order_by(CaseParty.id).limit(1)
    )


async def _in_force(session: AsyncSession, case: Case) -> Agreement:
    agreement = await session.scalar(select(Agreement).where(Agreement.case_id == case.id))
    if agreement is None or agreement.effective_on is None or case.state not in PERFORMING_STATES:
        raise DomainError("Only an agreement in force and being performed is followed up.", code="AGREEMENT_NOT_EFFECTIVE", field="caseId")
    return agreement


def _check_date(agreement: Agreement, on: date, field: str) -> None:
    if on > today():
        raise DomainError("The date is in the future.", code="DATE_IN_FUTURE", field=field)
    if on < agreement.perform_by:
        raise DomainError(
            "Performance is confirmed on or after the performance date ({day}).", code="BEFORE_PERFORMANCE_DATE", field=field,
            day=agreement.perform_by.isoformat()
        )


async def _confirm(session: AsyncSession, case: Case, agreement: Agreement, actor: Actor, how: PerformanceCheck, on: date, note: str) -> None:
    if agreement.performed_on is not None:
        raise DomainError("The performance is already confirmed.", code="ALREADY_CONFIRMED", field="caseId")
    agreement.performed_on, agreement.performance_how = on, how.value
    agreement.performance_recorded_by, agreement.performance_note = actor.name, note
    if case.state == CaseState.AGREED.value:
        await move(session, case, CaseState.PERFORMING, actor, "履行情况已确认")
    await session.flush()


async def confirm_by_mediator(session: AsyncSession, actor: Actor, case_id: int, checked_on: date, note: str) -> Case:
    """The case's mediator checked that the agreement was performed (on ``checked_on``)."""
    case = await get_case(session, actor, case_id)
    agreement = await _in_force(session, case)
    if actor.user_id is None or actor.user_id != case.mediator_user_id:
        raise DomainError("Only the case's mediator checks the performance.", code="NOT_THE_MEDIATOR", field="caseId")
    _check_date(agreement, checked_on, "checkedOn")
    await _confirm(session, case, agreement, actor, PerformanceCheck.MEDIATOR_CHECK, checked_on, required(note, "note", "What the check found is required."))
    return case


async def check_evidence_allowed(session: AsyncSession, actor: Actor, case_id: int, performed_on: date) -> tuple[Case, Agreement]:
    """The case and agreement if ``actor`` may give evidence of performance on ``performed_on``.

    The obliged party gives it from their own account; staff may record it for them.
    """
    case = await get_case(session, actor, case_id, manage=False)
    agreement = await _in_force(session, case)
    obliged = await obliged_party(session, agreement)
    if not actor.manages and (actor.resident_id is None or actor.resident_id != obliged):
        raise DomainError("Only the party obliged to perform gives evidence of it.", code="NOT_THE_OBLIGED_PARTY", field="caseId")
    _check_date(agreement, performed_on, "performedOn")
    if agreement.performed_on is not None:
        raise DomainError("The performance is already confirmed.", code="ALREADY_CONFIRMED", field="caseId")
    return case, agreement


async def confirm_by_evidence(
    session: AsyncSession, actor: Actor, case_id: int, performed_on: date, note: str, file: dict
) -> Case:
    """The obliged party's evidence (a file: a receipt, a photo) confirms the performance.

    ``file`` holds the stored attachment's ``name``, ``content_type``, ``size``, ``reference``.
    """
    case, agreement = await check_evidence_allowed(session, actor, case_id, performed_on)
    evidence = Attachment(case_id=case.id, added_by=actor.name, added_at=now(), **file)
    session.add(evidence)
    await session.flush()
    agreement.performance_evidence_id = evidence.id
    await _confirm(session, case, agreement, actor, PerformanceCheck.PARTY_EVIDENCE, performed_on, (note or "").strip())
    return case


async def record_breach(session: AsyncSession, actor: Actor, case_id: int, noticed_on: date, note: str) -> Case:
    """Record that the agreement was not performed: the case becomes ``breached`` with the record."""
    case = await get_case(session, actor, case_id)
    agreement = await _in_force(session, case)
    note = required(note, "note", "What was not performed is required.")
    if noticed_on > today():
        raise DomainError("The date is in the future.", code="DATE_IN_FUTURE", field="noticedOn")
    if noticed_on < agreement.effective_on:
        raise DomainError("The date is before the agreement took effect.", code="INVALID", field="noticedOn")
    if agreement.performed_on is not None:
        raise DomainError("The performance was confirmed; there is no breach to record.", code="ALREADY_CONFIRMED", field="caseId")
    if case.state == CaseState.AGREED.value:
        await move(session, case, CaseState.PERFORMING, actor, "履行中")
    agreement.breached_on, agreement.breach_note, agreement.breach_recorded_by = noticed_on, note, actor.name
    await move(session, case, CaseState.BREACHED, actor, f"未履行（{noticed_on.isoformat()}）：{note}")
    return case
