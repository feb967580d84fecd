"""When a case may become ``fulfilled`` or go back to mediation.

``fulfilled`` (People's Mediation Law Art. 31: the committee
supervises the performance of the agreement): the performance was confirmed — by the obliged
party's evidence or the mediator's check, on or after the performance date — a return visit
was done after it, and never on the day the agreement was made."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, today
from jiedao.plugins.mediation.models import Agreement, Case, ReturnVisit


async def check_fulfilled(session: AsyncSession, case: Case) -> None:
    """Raise the first reason ``case`` may not become ``fulfilled`` yet (field ``to``)."""
    agreement = await session.scalar(select(Agreement).where(Agreement.case_id == case.id))
    if agreement is None or agreement.performed_on is None:
        raise DomainError(
            "Confirm the performance first: the obliged party's evidence or the mediator's check (Art. 31).",
            code="PERFORMANCE_NOT_CONFIRMED", field="to",
        )
    visited = await session.scalar(
        select(ReturnVisit.id).where(ReturnVisit.case_id == case.id, ReturnVisit.done_on.is_not(None), ReturnVisit.done_on >= agreement.performed_on).limit(1)
    )
    if visited is None:
        raise DomainError(
            "A return visit on or after the performance ({day}) must be done first.",
            code="RETURN_VISIT_PENDING", field="to", day=agreement.performed_on.isoformat(),
        )
    if agreement.effective_on is not None and today() <= agreement.effective_on:
        raise DomainError("A case is not fulfilled on the day its agreement is made.", code="TOO_EARLY", field="to")


async def check_remediation(session: AsyncSession, case: Case, reason: str) -> str:
    """An agreement in force goes back to mediation only when the court refused to confirm it
    (the parties change it by mediation, Civil Procedure Law Art. 206); the reason, with the
    ruling's case number, for the case's history."""
    agreement = await session.scalar(select(Agreement).where(Agreement.case_id == case.id))
    if agreement is None or agreement.confirmation_ruling != "refused":
        raise DomainError(
            "An agreement in force is changed by mediation only after the court refused to confirm it.", code="NOT_OPEN", field="to"
        )
    ruling = f"法院裁定驳回司法确认申请（{agreement.confirmation_case_number}），当事人通过调解变更原调解协议"
    return f"{ruling}：{reason}" if reason else ruling
