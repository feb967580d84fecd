"""The court after an agreement (People's Mediation Law Art. 32-33; Civil Procedure Law, as
amended 2023, Art. 205-206): the court's ruling on a request for judicial confirmation, what a
party may do next, and what they did (a lawsuit, or enforcement of a confirmed agreement).

- confirmed: the agreement is enforceable; if a party does not perform, the other applies to
  the court for enforcement (Art. 33 ¶2; CPL Art. 206).
- refused: the parties may change the agreement or make a new one by mediation, or sue
  (Art. 33 ¶3; CPL Art. 206).
- no ruling: after a breach, a lawsuit (Art. 32), or judicial confirmation while the 30 days run.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, today
from jiedao.api.messages import Name, names_list
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.models import Agreement, Case
from jiedao.plugins.mediation.service.agreements import confirmation_deadline
from jiedao.plugins.mediation.service.cases import get_case
from jiedao.plugins.mediation.service.common import required
from jiedao.plugins.mediation.states import CaseState, CourtAction, Ruling

CASE_NUMBER = re.compile(r"^[（(]\d{4}[）)].+\d+号$")
"""The shape of a court's case number (案号), e.g. （2026）浙0105民特123号."""


def next_steps(agreement: Agreement, case_state: str, on: date | None = None) -> list[CourtAction]:
    """What the parties may still take to court, given the ruling, a breach and the 30 days."""
    if agreement.effective_on is None or agreement.court_action is not None:
        return []
    if agreement.confirmation_ruling == Ruling.CONFIRMED.value:
        return [CourtAction.ENFORCEMENT] if case_state == CaseState.BREACHED.value else []
    if agreement.confirmation_ruling == Ruling.REFUSED.value:
        return [CourtAction.CHANGE_AGREEMENT, CourtAction.LITIGATION]
    if case_state != CaseState.BREACHED.value:
        return []
    steps = []
    deadline = confirmation_deadline(agreement)
    if deadline is not None and agreement.confirmation_requested_on is None and (on or today()) <= deadline:
        steps.append(CourtAction.JUDICIAL_CONFIRMATION)
    return [*steps, CourtAction.LITIGATION]


async def _agreement(session: AsyncSession, case: Case) -> Agreement:
    agreement = await session.scalar(select(Agreement).where(Agreement.case_id == case.id))
    if agreement is None or agreement.effective_on is None:
        raise DomainError("The agreement is not in effect.", code="AGREEMENT_NOT_EFFECTIVE", field="caseId")
    return agreement


async def record_ruling(session: AsyncSession, actor: Actor, case_id: int, ruling: Ruling, case_number: str, ruled_on: date) -> Case:
    """Record the court's ruling on the parties' request (confirmed or refused), its case number and date."""
    case = await get_case(session, actor, case_id)
    agreement = await _agreement(session, case)
    if agreement.confirmation_requested_on is None:
        raise DomainError("No judicial confirmation was requested.", code="NOT_REQUESTED", field="caseId")
    if agreement.confirmation_ruling is not None:
        raise DomainError("The court's ruling is already recorded.", code="ALREADY_RULED", field="caseId")
    case_number = required(case_number, "caseNumber", "The court's case number (案号) is required.")
    if not CASE_NUMBER.match(case_number):
        raise DomainError("A case number reads like （2026）浙0105民特123号.", code="INVALID", field="caseNumber")
    if ruled_on > today():
        raise DomainError("The date is in the future.", code="DATE_IN_FUTURE", field="ruledOn")
    if ruled_on < agreement.confirmation_requested_on:
        raise DomainError("The ruling is dated before the request.", code="INVALID", field="ruledOn")
    agreement.confirmation_ruling, agreement.confirmation_case_number, agreement.confirmation_ruled_on = ruling.value, case_number, ruled_on
    await session.flush()
    return case


async def record_court_action(session: AsyncSession, actor: Actor, case_id: int, action: CourtAction, court: str, filed_on: date) -> Case:
    """Record that a party took the matter to court with the case's record: a lawsuit or enforcement."""
    case = await get_case(session, actor, case_id)
    agreement = await _agreement(session, case)
    if action not in (CourtAction.LITIGATION, CourtAction.ENFORCEMENT):
        raise DomainError("Record a lawsuit or an application for enforcement here.", code="INVALID", field="action")
    if action not in next_steps(agreement, case.state):
        steps = list(next_steps(agreement, case.state))
        allowed = names_list(steps) if steps else Name("none")
        raise DomainError("'{action}' is not open to the parties now (open: {allowed}).", code="NOT_OPEN", field="action", action=Name.of(action), allowed=allowed)
    court = required(court, "court", "The court is required.")
    if filed_on > today():
        raise DomainError("The date is in the future.", code="DATE_IN_FUTURE", field="filedOn")
    agreement.court_action, agreement.court_action_court, agreement.court_action_on = action.value, court, filed_on
    await session.flush()
    return case
