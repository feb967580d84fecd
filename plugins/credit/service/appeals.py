"""Appeals against a score and credit repair (信用修复), as domain rules without GraphQL.

- An operator may appeal a score of their own enterprise within ``appeal_days`` days of its
  computation; a reviewer who is neither the appellant nor the recorder of the disputed
  evidence decides. An accepted appeal voids the evidence found wrong and records a
  corrected score that points back at the appealed one.
- A penalty or listing stops counting by itself when its publicity period ends. Early
  repair may be requested by the operator once the scorecard's minimum period has passed;
  a reviewer grants it only while the conditions hold (no penalty or listing recorded
  since). Repaired items stay visible in the portrait as repaired.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, today
from jiedao.api.domain import get_or_not_found
from jiedao.api.messages import Name
from jiedao.plugins.credit import service
from jiedao.plugins.credit.models import Appeal, Enterprise, Evidence, RepairRequest, Score
from jiedao.plugins.credit.service.periods import repair_from, rule_for
from jiedao.plugins.credit.service.scoring import COUNTING, evidence_state

APPEAL_DAYS = 21
"""The default appeal window (the plugin setting ``appeal_days``). No national rule fixes a
window for a street's own credit index: 21 days is Changqing's practice, longer than the 15
days market-supervision rules commonly give to object to a risk classification, and
shorter than the 60 days for an administrative reconsideration (行政复议法 Art. 20)."""
SERIOUS_KINDS = ("PENALTY", "ABNORMAL_LIST", "SERIOUS_VIOLATION_LIST")


def _own(enterprise: Enterprise, actor: service.Actor) -> None:
    if actor.resident_id is None or enterprise.operator_resident_id != actor.resident_id:
        raise DomainError("only the operator of this enterprise may do this", code="NOT_OPERATOR", field="enterpriseId")


async def file_appeal(
    session: AsyncSession, score_id: int, actor: service.Actor, reason: str, disputed: list[int], *, at: datetime | None = None,
    appeal_days: int = APPEAL_DAYS,
) -> Appeal:
    """The operator appeals score ``score_id``, naming the evidence it disputes, within
    ``appeal_days`` days of the score."""
    at = at or now()
    score = await get_or_not_found(session, Score, score_id, field="scoreId", message="no such score")
    enterprise = await service.get_enterprise(session, score.enterprise_id)
    _own(enterprise, actor)
    if not reason.strip():
        raise DomainError("say why the score is wrong", code="INVALID", field="reason")
    if at - score.computed_at > timedelta(days=appeal_days):
        raise DomainError("a score can be appealed within {days} days of its computation", code="APPEAL_WINDOW_CLOSED", field="scoreId", days=appeal_days)
    unknown = sorted(set(disputed) - set(score.evidence_ids))
    if unknown:
        raise DomainError("evidence {evidence} was not used by this score", code="INVALID", field="disputedEvidenceIds", evidence=str(unknown))
    pending = await session.scalar(select(Appeal.id).where(Appeal.enterprise_id == enterprise.id, Appeal.status == "PENDING"))
    if pending is not None:
        raise DomainError("an appeal of this enterprise is already pending", code="ALREADY_PENDING", field="scoreId")
    appeal = Appeal(
        enterprise_id=enterprise.id, score_id=score.id, reason=reason, disputed_evidence_ids=sorted(set(disputed)),
        filed_by=actor.username, filed_by_id=actor.id, filed_at=at,
    )
    session.add(appeal)
    await session.flush()
    return appeal


async def decide_appeal(
    session: AsyncSession, appeal_id: int, reviewer: service.Actor, accept: bool, note: str, void: list[int] | None = None
) -> Appeal:
    """A different reviewer accepts (voiding evidence, recording a corrected score) or rejects."""
    appeal = await get_or_not_found(session, Appeal, appeal_id, field="appealId", message="no such appeal")
    if appeal.status != "PENDING":
        raise DomainError("the appeal is already decided", code="ALREADY_DECIDED", field="appealId")
    score = await session.scalar(select(Score).where(Score.id == appeal.score_id))
    questioned = appeal.disputed_evidence_ids or score.evidence_ids
    recorders = set(await session.scalars(select(Evidence.recorded_by_id).where(Evidence.id.in_(questioned))))
    if reviewer.id is not None and (reviewer.id == appeal.filed_by_id or reviewer.id in recorders):
        raise DomainError(
            "a different reviewer must decide: you filed the appeal or recorded the disputed evidence", code="SAME_REVIEWER", field="appealId"
        )
    if not note.strip():
        raise DomainError("give the reasons of the decision", code="INVALID", field="note")
    void = sorted(set(appeal.disputed_evidence_ids if void is None else void))
    if accept and set(void) - set(score.evidence_ids):
        raise DomainError("only evidence used by the appealed score can be voided", code="INVALID", field="voidEvidenceIds")
    appeal.status = "ACCEPTED" if accept else "REJECTED"
    appeal.reviewer, appeal.reviewer_id, appeal.decided_at, appeal.decision_note = reviewer.username, reviewer.id, now(), note
    if accept:
        for evidence in await session.scalars(select(Evidence).where(Evidence.id.in_(void))):
            evidence.voided_on = today()
        await session.flush()
        enterprise = await service.get_enterprise(session, appeal.enterprise_id)
        corrected = await service.compute(session, enterprise, trigger=f"appeal:{appeal.id}", corrects=score.id)
        appeal.corrected_score_id = corrected.id
    await session.flush()
    return appeal


def repair_rule(definition: dict, evidence: Evidence) -> dict:
    """The scorecard's repair rule for the kind of ``evidence``, or ``NOT_REPAIRABLE``."""
    rule = rule_for(definition, evidence.kind, evidence.details)
    if rule is None:
        raise DomainError("{kind} cannot be repaired", code="NOT_REPAIRABLE", field="evidenceId", kind=Name(evidence.kind))
    return rule


def earliest_repair(definition: dict, evidence: Evidence) -> date:
    """The first day early repair of ``evidence`` may be requested (``service.periods``)."""
    return repair_from(repair_rule(definition, evidence), evidence.occurred_on)


async def _check_repairable(session: AsyncSession, evidence: Evidence, on: date) -> None:
    card = await service.active_scorecard(session)
    item = service.snapshot_item(evidence)
    if evidence.voided_on is not None or evidence_state(card.definition, item, on) != COUNTING:
        raise DomainError("this item no longer counts: nothing to repair", code="NOT_REPAIRABLE", field="evidenceId")
    earliest = earliest_repair(card.definition, evidence)
    if on < earliest:
        raise DomainError("early repair can be requested from {day}", code="TOO_EARLY", field="evidenceId", day=earliest.isoformat())
    later = await session.scalar(
        select(Evidence.id).where(
            Evidence.enterprise_id == evidence.enterprise_id, Evidence.kind.in_(SERIOUS_KINDS), Evidence.id != evidence.id,
            Evidence.occurred_on > evidence.occurred_on, Evidence.voided_on.is_(None),
        )
    )
    if later is not None:
        raise DomainError("a penalty or listing was recorded since: repair conditions are not met", code="CONDITIONS_NOT_MET", field="evidenceId")


async def request_repair(session: AsyncSession, evidence_id: int, actor: service.Actor, reason: str, *, on: date | None = None) -> RepairRequest:
    """The operator asks for early repair of a penalty or listing of their enterprise."""
    evidence = await service.get_evidence(session, evidence_id)
    enterprise = await service.get_enterprise(session, evidence.enterprise_id)
    _own(enterprise, actor)
    if not reason.strip():
        raise DomainError("say what was corrected", code="INVALID", field="reason")
    await _check_repairable(session, evidence, on or today())
    pending = await session.scalar(select(RepairRequest.id).where(RepairRequest.evidence_id == evidence.id, RepairRequest.status == "PENDING"))
    if pending is not None:
        raise DomainError("a repair request for this item is already pending", code="ALREADY_PENDING", field="evidenceId")
    request = RepairRequest(enterprise_id=enterprise.id, evidence_id=evidence.id, reason=reason, requested_by=actor.username, requested_at=now())
    session.add(request)
    await session.flush()
    return request


async def decide_repair(
    session: AsyncSession, request_id: int, reviewer: service.Actor, approve: bool, note: str, *, on: date | None = None
) -> RepairRequest:
    """Grant (the item stops counting from ``on``; a new score is computed) or refuse."""
    request = await get_or_not_found(session, RepairRequest, request_id, field="requestId", message="no such repair request")
    if request.status != "PENDING":
        raise DomainError("the request is already decided", code="ALREADY_DECIDED", field="requestId")
    if reviewer.username == request.requested_by:
        raise DomainError("a different reviewer must decide", code="SAME_REVIEWER", field="requestId")
    on = on or today()
    evidence = await service.get_evidence(session, request.evidence_id)
    if approve:
        await _check_repairable(session, evidence, on)
        evidence.repaired_on = on
    request.status = "APPROVED" if approve else "REFUSED"
    request.decided_by, request.decided_at, request.decision_note = reviewer.username, now(), note
    await session.flush()
    if approve:
        await service.compute(session, await service.get_enterprise(session, evidence.enterprise_id), trigger=f"repair:{request.id}", as_of=on)
    return request
