"""Follow-up: return visits (回访) of agreed cases, and what needs following up today in one
street: cases open too long, judicial-confirmation deadlines coming or missed, return
visits due, findings past their deadline, agreements whose performance date passed without a
confirmed performance or a recorded breach (the committee supervises performance, Art. 31)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, today
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.models import Agreement, Case, Finding, ReturnVisit, TaskForce
from jiedao.plugins.mediation.service.agreements import CONFIRMATION_DAYS, confirmation_deadline
from jiedao.plugins.mediation.service.cases import LONG_OPEN_DAYS, get_case
from jiedao.plugins.mediation.service.common import required
from jiedao.plugins.mediation.states import OPEN_STATES, CaseState, FindingStatus

CONFIRMATION_WARNING_DAYS = 7
"""Warn about a judicial-confirmation deadline this many days ahead."""


async def schedule_return_visit(session: AsyncSession, actor: Actor, case_id: int, due_on: date) -> ReturnVisit:
    """Schedule a return visit (回访) of an agreed case."""
    case = await get_case(session, actor, case_id)
    if case.state not in (CaseState.AGREED.value, CaseState.PERFORMING.value):
        raise DomainError("Return visits follow an agreement.", code="INVALID_STATE", field="caseId")
    if due_on < today():
        raise DomainError("The visit date is in the past.", code="DEADLINE_IN_PAST", field="dueOn")
    visit = ReturnVisit(case_id=case_id, due_on=due_on)
    session.add(visit)
    await session.flush()
    return visit


async def record_return_visit(session: AsyncSession, actor: Actor, visit_id: int, notes: str) -> ReturnVisit:
    """Record that a return visit took place, with what was found."""
    visit = await session.scalar(select(ReturnVisit).where(ReturnVisit.id == visit_id))
    if visit is None:
        raise DomainError("No such return visit.", code="NOT_FOUND", field="visitId")
    await get_case(session, actor, visit.case_id)
    if visit.done_on is not None:
        raise DomainError("This visit is already recorded.", code="ALREADY_DONE", field="visitId")
    visit.notes = required(notes, "notes", "What the visit found is required.")
    visit.done_on = today()
    await session.flush()
    return visit


@dataclass(frozen=True)
class FollowUp:
    """Lists of (id, title, detail) tuples, one per thing to act on."""

    open_too_long: list[tuple[int, str, str]]
    confirmation_deadlines: list[tuple[int, str, str]]
    visits_due: list[tuple[int, str, str]]
    findings_overdue: list[tuple[int, str, str]]
    performance_unconfirmed: list[tuple[int, str, str]]
    """Agreements past their performance date with neither a confirmed performance nor a breach (Art. 31)."""


async def follow_up(session, on: date | None = None) -> FollowUp:
    """Everything to act on in the session's street (a handful of grouped statements)."""
    on = on or today()
    cutoff = now() - timedelta(days=LONG_OPEN_DAYS)
    long_open = await session.execute(
        select(Case.id, Case.title, Case.opened_at)
        .where(Case.state.in_([s.value for s in OPEN_STATES]), Case.opened_at < cutoff)
        .order_by(Case.opened_at)
    )
    agreements = await session.execute(
        select(Case.id, Case.title, Agreement)
        .join(Agreement, Agreement.case_id == Case.id)
        .where(
            Agreement.effective_on.is_not(None),
            Agreement.oral.is_(False),
            Agreement.confirmation_requested_on.is_(None),
            Agreement.effective_on >= on - timedelta(days=CONFIRMATION_DAYS + CONFIRMATION_WARNING_DAYS),
        )
        .order_by(Agreement.effective_on)
    )
    visits = await session.execute(
        select(Case.id, Case.title, ReturnVisit.due_on)
        .join(ReturnVisit, ReturnVisit.case_id == Case.id)
        .where(ReturnVisit.done_on.is_(None), ReturnVisit.due_on <= on)
        .order_by(ReturnVisit.due_on)
    )
    findings = await session.execute(
        select(TaskForce.id, TaskForce.name, Finding.department, func.count())
        .join(Finding, Finding.task_force_id == TaskForce.id)
        .where(Finding.status.in_([FindingStatus.OPEN.value, FindingStatus.NOTIFIED.value]), Finding.deadline < on)
        .group_by(TaskForce.id, TaskForce.name, Finding.department)
        .order_by(TaskForce.id, Finding.department)
    )
    unconfirmed = await session.execute(
        select(Case.id, Case.title, Agreement.perform_by)
        .join(Agreement, Agreement.case_id == Case.id)
        .where(
            Case.state.in_([CaseState.AGREED.value, CaseState.PERFORMING.value]),
            Agreement.perform_by < on, Agreement.performed_on.is_(None), Agreement.breached_on.is_(None),
        )
        .order_by(Agreement.perform_by)
    )
    deadlines = []
    for case_id, title, agreement in agreements.all():
        deadline = confirmation_deadline(agreement)
        if deadline - on <= timedelta(days=CONFIRMATION_WARNING_DAYS):
            state = "missed" if deadline < on else "due"
            deadlines.append((case_id, title, f"judicial confirmation {state} {deadline.isoformat()}"))
    return FollowUp(
        open_too_long=[(i, t, f"open since {at.date().isoformat()}") for i, t, at in long_open.all()],
        confirmation_deadlines=deadlines,
        visits_due=[(i, t, f"return visit due {due.isoformat()}") for i, t, due in visits.all()],
        findings_overdue=[(i, name, f"{department}: {count} finding(s) past deadline") for i, name, department, count in findings.all()],
        performance_unconfirmed=[(i, t, f"performance due {due.isoformat()}, not confirmed") for i, t, due in unconfirmed.all()],
    )
