"""The parties' answer to mediation (People's Mediation Law Art. 17: mediation needs the
parties' consent; a party who clearly refuses may not be mediated).

A party answers for themselves from their own account; mediators and street staff record an
answer given on paper (a signed form, a call noted on the file) with the date it was given.
The applicant of an application consented by applying. A refusal ends the case as ``refused``
with its reason; no case goes into mediation before its applicants and respondents accepted.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, today
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.models import Case, CaseParty
from jiedao.plugins.mediation.service.cases import get_case, move
from jiedao.plugins.mediation.service.common import required
from jiedao.plugins.mediation.service.consent import DISPUTANTS
from jiedao.plugins.mediation.states import OPEN_STATES, Answer, AnswerChannel, CaseState, PartyRole

ROLE_NAMES = {PartyRole.APPLICANT.value: "申请人", PartyRole.RESPONDENT.value: "被申请人", PartyRole.THIRD_PARTY.value: "第三人"}


async def answer_mediation(
    session: AsyncSession, actor: Actor, case_id: int, resident_id: int, accept: bool, reason: str = "", paper_date: date | None = None
) -> Case:
    """Record a party's acceptance or refusal of mediation; an applicant's or a respondent's
    refusal ends the case as ``refused``.

    Without ``paper_date`` the party answers from their own account (only for themselves);
    with it, a mediator or street staff records the answer the party gave on paper that day.
    A party who accepted may still refuse while the case is being mediated.
    """
    case = await get_case(session, actor, case_id, manage=False)
    if case.state not in {s.value for s in OPEN_STATES}:
        raise DomainError("The case is no longer open to an answer (it is '{state}').", code="CASE_CLOSED", field="caseId", state=case.state)
    party = await session.scalar(select(CaseParty).where(CaseParty.case_id == case_id, CaseParty.resident_id == resident_id))
    if party is None:
        raise DomainError("Only a party to the case answers.", code="NOT_A_PARTY", field="residentId")
    if paper_date is None:
        if actor.resident_id != resident_id:
            raise DomainError(
                "A party answers from their own account; staff record an answer given on paper (paperDate).", code="FORBIDDEN", field="residentId"
            )
        channel, on = AnswerChannel.OWN_ACCOUNT, today()
    else:
        if not actor.manages:
            raise DomainError("Only mediators and street staff record an answer given on paper.", code="FORBIDDEN", field="paperDate")
        if paper_date > today():
            raise DomainError("The answer is recorded after it was given; the date is in the future.", code="DATE_IN_FUTURE", field="paperDate")
        if paper_date < case.opened_at.date():
            raise DomainError("The date is before the case was opened.", code="INVALID", field="paperDate")
        channel, on = AnswerChannel.PAPER, paper_date
    if party.answer == Answer.ACCEPTED.value and accept:
        raise DomainError("This party already accepted mediation.", code="ALREADY_ANSWERED", field="residentId")
    if not accept:
        reason = required(reason, "reason", "The reason of the refusal (as the party gave it) is required.")
    party.answer = (Answer.ACCEPTED if accept else Answer.REFUSED).value
    party.answered_on, party.answer_channel, party.answer_recorded_by = on, channel.value, actor.name
    party.refusal_reason = None if accept else reason
    await session.flush()
    if not accept and party.role in DISPUTANTS:  # a third party's refusal is recorded; it does not end the dispute
        who = ROLE_NAMES.get(party.role, "当事人")
        await move(session, case, CaseState.REFUSED, actor, f"{who}拒绝调解（{on.isoformat()}，{'书面' if channel is AnswerChannel.PAPER else '本人账号'}）：{reason}")
    return case
