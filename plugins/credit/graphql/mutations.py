"""The credit mutations: enterprises, evidence (each recomputes the enterprise's score),
scorecard versions, recomputation, appeals and credit repair.

Each takes one ``input`` and returns a payload with ``errors``; privileged actions are
written to the audit log; a new score is announced as the ``credit.score.computed`` event.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from core.errors import DomainError
from core.identity.audit import record_for
from plugins.credit import appeals, service
from plugins.credit.graphql.types import CreditAppeal, CreditEvidence, CreditRepairRequest, CreditScore, CreditScorecard, Enterprise, enterprise_pk
from plugins.credit.models import Score
from schema.errors import UserError, user_errors
from schema.ids import decode_id_of, encode_global_id
from schema.permissions import allow


def actor_of(ctx) -> service.Actor:
    """The caller as the domain layer knows it."""
    return service.Actor(ctx.user.id, ctx.user.username, ctx.user.resident_id)


async def announce(ctx, scores: list[Score]) -> None:
    """Emit ``credit.score.computed`` for each new score (after commit)."""
    for score in scores:
        await ctx.kernel.events.emit(
            ctx.street, "credit.score.computed", enterprise_id=score.enterprise_id, score_id=score.id,
            value=score.value, risk_class=score.risk_class,
        )


@strawberry.enum
class PenaltySeverity(str, Enum):
    GENERAL = "GENERAL"
    SERIOUS = "SERIOUS"


@strawberry.enum
class ListKind(str, Enum):
    ABNORMAL_LIST = "ABNORMAL_LIST"
    SERIOUS_VIOLATION_LIST = "SERIOUS_VIOLATION_LIST"


@strawberry.input
class CreateEnterpriseInput:
    name: str
    licence_no: str
    licence_issued_on: date
    category: str = "restaurant"
    licence_expires_on: date | None = None
    address: str = ""
    building_id: strawberry.ID | None = None
    unit_id: strawberry.ID | None = None
    operator_id: strawberry.ID | None = strawberry.field(default=None, description="The operator's Resident ID.")
    status: str = "ACTIVE"


@strawberry.type
class EnterprisePayload:
    enterprise: Enterprise | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ChecklistItemInput:
    code: str
    score: float
    max_score: float
    key: bool = strawberry.field(default=False, description="A key item (关键项) of the checklist.")
    title: str = ""


@strawberry.input
class RecordInspectionInput:
    enterprise_id: strawberry.ID
    inspected_on: date
    items: list[ChecklistItemInput] = strawberry.field(default_factory=list)
    rating: str | None = strawberry.field(default=None, description="优秀/良好/一般; derived from the checklist when given.")
    note: str = ""


@strawberry.input
class RecordComplaintInput:
    enterprise_id: strawberry.ID
    received_on: date
    substantiated: bool
    source: str = strawberry.field(default="12345", description="12345 hotline, 12315, WALK_IN, ONLINE or OTHER.")
    summary: str = ""


@strawberry.input
class RecordPenaltyInput:
    enterprise_id: strawberry.ID
    decided_on: date
    decision_no: str
    severity: PenaltySeverity | None = strawberry.field(default=None, description="GENERAL when absent.")
    amount_yuan: float = 0
    publicity_days: int | None = strawberry.field(default=None, description="Publicity period; the scorecard's when absent.")
    summary: str = ""


@strawberry.input
class RecordListingInput:
    enterprise_id: strawberry.ID
    list: ListKind
    listed_on: date
    reason: str = ""


@strawberry.input
class LiftListingInput:
    evidence_id: strawberry.ID
    removed_on: date


@strawberry.input
class RecordCertificationInput:
    enterprise_id: strawberry.ID
    name: str
    issued_on: date
    valid_until: date | None = None


@strawberry.type
class EvidencePayload:
    evidence: CreditEvidence | None = None
    score: CreditScore | None = strawberry.field(default=None, description="The enterprise's score recomputed with the new evidence.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateScorecardVersionInput:
    definition: JSON
    note: str = ""


@strawberry.type
class ScorecardPayload:
    scorecard: CreditScorecard | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RecomputeCreditScoresInput:
    enterprise_id: strawberry.ID | None = strawberry.field(default=None, description="One enterprise; every one of the street when absent.")


@strawberry.type
class RecomputePayload:
    recomputed: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class FileCreditAppealInput:
    score_id: strawberry.ID
    reason: str
    disputed_evidence_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class DecideCreditAppealInput:
    appeal_id: strawberry.ID
    accept: bool
    note: str
    void_evidence_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Evidence found wrong; the disputed ones when absent.")


@strawberry.type
class AppealPayload:
    appeal: CreditAppeal | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RequestCreditRepairInput:
    evidence_id: strawberry.ID
    reason: str


@strawberry.input
class DecideCreditRepairInput:
    request_id: strawberry.ID
    approve: bool
    note: str = ""


@strawberry.type
class RepairPayload:
    request: CreditRepairRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _optional_pk(global_id: str | None, type_name: str, field: str) -> int | None:
    return decode_id_of(global_id, type_name, field) if global_id else None


async def _record(info: strawberry.Info, enterprise_id: str, kind: str, occurred_on: date, make_details, **extra: Any) -> EvidencePayload:
    ctx = info.context
    try:
        pk = enterprise_pk(enterprise_id, "enterpriseId")
        actor = actor_of(ctx)

        async def work(session):
            enterprise = await service.get_enterprise(session, pk)
            card = await service.active_scorecard(session)
            evidence = await service.add_evidence(session, enterprise, kind, occurred_on, make_details(card.definition), actor, **extra)
            score = await service.compute(session, enterprise, trigger=f"evidence:{evidence.id}")
            await record_for(ctx, session, "credit.evidence.recorded", encode_global_id("Enterprise", pk), {"kind": kind, "evidence": evidence.id})
            return evidence, score

        evidence, score = await ctx.write(work)
    except DomainError as error:
        return EvidencePayload(errors=user_errors(error))
    await announce(ctx, [score])
    return EvidencePayload(evidence=evidence, score=score)


async def _simple(info: strawberry.Info, payload: type, attribute: str, work) -> Any:
    ctx = info.context
    try:
        result = await ctx.write(work)
    except DomainError as error:
        return payload(errors=user_errors(error))
    return payload(**{attribute: result})


@strawberry.type
class CreditMutation:
    @strawberry.mutation(description="Register an enterprise.", permission_classes=allow("credit.enterprise.manage"))
    async def create_enterprise(self, info: strawberry.Info, input: CreateEnterpriseInput) -> EnterprisePayload:
        ctx = info.context
        try:
            data = service.EnterpriseData(
                name=input.name, licence_no=input.licence_no.strip(), licence_issued_on=input.licence_issued_on, category=input.category,
                licence_expires_on=input.licence_expires_on, address=input.address, status=input.status,
                building_id=_optional_pk(input.building_id, "Building", "buildingId"), unit_id=_optional_pk(input.unit_id, "Unit", "unitId"),
                operator_resident_id=_optional_pk(input.operator_id, "Resident", "operatorId"),
            )
        except DomainError as error:
            return EnterprisePayload(errors=user_errors(error))

        async def work(session):
            enterprise = await service.create_enterprise(session, data)
            await service.compute(session, enterprise, trigger="created")
            await record_for(ctx, session, "credit.enterprise.created", encode_global_id("Enterprise", enterprise.id), {"licence": data.licence_no})
            return enterprise

        return await _simple(info, EnterprisePayload, "enterprise", work)

    @strawberry.mutation(description="Record an inspection (checklist → 量化分级 dynamic rating); recomputes the score.", permission_classes=allow("credit.evidence.manage"))
    async def record_inspection(self, info: strawberry.Info, input: RecordInspectionInput) -> EvidencePayload:
        items = [{"code": i.code, "title": i.title, "score": i.score, "max_score": i.max_score, "key": i.key} for i in input.items]
        inspector = info.context.user.username
        return await _record(
            info, input.enterprise_id, "INSPECTION", input.inspected_on,
            lambda definition: {**service.inspection_details(definition, items, input.rating, inspector), "note": input.note},
            source="inspection", summary=input.note,
        )

    @strawberry.mutation(description="Record a complaint (e.g. from the 12345 hotline), substantiated or not.", permission_classes=allow("credit.evidence.manage"))
    async def record_complaint(self, info: strawberry.Info, input: RecordComplaintInput) -> EvidencePayload:
        if input.source not in service.COMPLAINT_SOURCES:
            return EvidencePayload(errors=[UserError(field="source", message=f"one of {', '.join(service.COMPLAINT_SOURCES)}", code="INVALID")])
        return await _record(
            info, input.enterprise_id, "COMPLAINT", input.received_on, lambda _: {"substantiated": input.substantiated},
            source=input.source, summary=input.summary,
        )

    @strawberry.mutation(description="Record an administrative penalty with its publicity period.", permission_classes=allow("credit.evidence.manage"))
    async def record_penalty(self, info: strawberry.Info, input: RecordPenaltyInput) -> EvidencePayload:
        if input.publicity_days is not None and input.publicity_days <= 0:
            return EvidencePayload(errors=[UserError(field="publicityDays", message="must be positive", code="INVALID")])
        details = {"severity": PenaltySeverity(input.severity or "GENERAL").value, "decision_no": input.decision_no, "amount_yuan": input.amount_yuan}
        if input.publicity_days is not None:
            details["publicity_days"] = input.publicity_days
        return await _record(info, input.enterprise_id, "PENALTY", input.decided_on, lambda _: details, source="penalty", summary=input.summary)

    @strawberry.mutation(description="Record a listing on the abnormal-operation or serious-violation list.", permission_classes=allow("credit.evidence.manage"))
    async def record_listing(self, info: strawberry.Info, input: RecordListingInput) -> EvidencePayload:
        return await _record(info, input.enterprise_id, ListKind(input.list).value, input.listed_on, lambda _: {}, source="list", summary=input.reason)

    @strawberry.mutation(description="Record a certification (e.g. 阳光厨房, HACCP).", permission_classes=allow("credit.evidence.manage"))
    async def record_certification(self, info: strawberry.Info, input: RecordCertificationInput) -> EvidencePayload:
        details = {"name": input.name, "valid_until": input.valid_until.isoformat() if input.valid_until else None}
        return await _record(info, input.enterprise_id, "CERTIFICATION", input.issued_on, lambda _: details, source="certification", summary=input.name)

    @strawberry.mutation(description="Record the removal of a listing; recomputes the score.", permission_classes=allow("credit.evidence.manage"))
    async def lift_listing(self, info: strawberry.Info, input: LiftListingInput) -> EvidencePayload:
        ctx = info.context
        try:
            pk = decode_id_of(input.evidence_id, "CreditEvidence", "evidenceId")

            async def work(session):
                evidence = await service.end_listing(session, pk, input.removed_on)
                score = await service.compute(session, await service.get_enterprise(session, evidence.enterprise_id), trigger=f"evidence:{pk}")
                await record_for(ctx, session, "credit.listing.lifted", input.evidence_id, {"removed_on": input.removed_on.isoformat()})
                return evidence, score

            evidence, score = await ctx.write(work)
        except DomainError as error:
            return EvidencePayload(errors=user_errors(error))
        await announce(ctx, [score])
        return EvidencePayload(evidence=evidence, score=score)

    @strawberry.mutation(description="Store a new scorecard version (validated); it applies from the next computation.", permission_classes=allow("credit.scorecard.manage"))
    async def create_credit_scorecard_version(self, info: strawberry.Info, input: CreateScorecardVersionInput) -> ScorecardPayload:
        ctx = info.context

        async def work(session):
            card = await service.create_scorecard_version(session, input.definition, input.note, actor_of(ctx))
            await record_for(ctx, session, "credit.scorecard.versioned", str(card.version), {"note": input.note})
            return card

        return await _simple(info, ScorecardPayload, "scorecard", work)

    @strawberry.mutation(description="Recompute scores with the active scorecard (one enterprise or all).", permission_classes=allow("credit.recompute"))
    async def recompute_credit_scores(self, info: strawberry.Info, input: RecomputeCreditScoresInput) -> RecomputePayload:
        ctx = info.context
        try:
            pk = enterprise_pk(input.enterprise_id, "enterpriseId") if input.enterprise_id else None

            async def work(session):
                if pk is not None:
                    await service.compute(session, await service.get_enterprise(session, pk), trigger="recompute")
                    count = 1
                else:
                    count = await service.recompute_all(session)
                await record_for(ctx, session, "credit.recomputed", input.enterprise_id or "*", {"count": count})
                return count

            count = await ctx.write(work)
        except DomainError as error:
            return RecomputePayload(errors=user_errors(error))
        return RecomputePayload(recomputed=count)

    @strawberry.mutation(description=f"Appeal a score of your enterprise within {appeals.APPEAL_DAYS} days.", permission_classes=allow("credit.appeal.file"))
    async def file_credit_appeal(self, info: strawberry.Info, input: FileCreditAppealInput) -> AppealPayload:
        ctx = info.context
        try:
            score_pk = decode_id_of(input.score_id, "CreditScore", "scoreId")
            disputed = [decode_id_of(i, "CreditEvidence", "disputedEvidenceIds") for i in input.disputed_evidence_ids]
        except DomainError as error:
            return AppealPayload(errors=user_errors(error))

        async def work(session):
            appeal = await appeals.file_appeal(session, score_pk, actor_of(ctx), input.reason, disputed)
            await record_for(ctx, session, "credit.appeal.filed", input.score_id, {"appeal": appeal.id})
            return appeal

        return await _simple(info, AppealPayload, "appeal", work)

    @strawberry.mutation(description="Decide an appeal (a reviewer other than the appellant and the recorder).", permission_classes=allow("credit.appeal.decide"))
    async def decide_credit_appeal(self, info: strawberry.Info, input: DecideCreditAppealInput) -> AppealPayload:
        ctx = info.context
        try:
            appeal_pk = decode_id_of(input.appeal_id, "CreditAppeal", "appealId")
            void = None if input.void_evidence_ids is None else [decode_id_of(i, "CreditEvidence", "voidEvidenceIds") for i in input.void_evidence_ids]
        except DomainError as error:
            return AppealPayload(errors=user_errors(error))

        async def work(session):
            appeal = await appeals.decide_appeal(session, appeal_pk, actor_of(ctx), input.accept, input.note, void)
            await record_for(ctx, session, "credit.appeal.decided", input.appeal_id, {"status": appeal.status})
            return appeal

        payload = await _simple(info, AppealPayload, "appeal", work)
        if payload.appeal is not None and payload.appeal.corrected_score_id:
            await announce(ctx, [await ctx.scalar(service.score_statement(payload.appeal.corrected_score_id))])
        return payload

    @strawberry.mutation(description="Ask for early credit repair of a penalty or listing of your enterprise.", permission_classes=allow("credit.repair.request"))
    async def request_credit_repair(self, info: strawberry.Info, input: RequestCreditRepairInput) -> RepairPayload:
        ctx = info.context
        try:
            pk = decode_id_of(input.evidence_id, "CreditEvidence", "evidenceId")
        except DomainError as error:
            return RepairPayload(errors=user_errors(error))

        async def work(session):
            request = await appeals.request_repair(session, pk, actor_of(ctx), input.reason)
            await record_for(ctx, session, "credit.repair.requested", input.evidence_id, {"request": request.id})
            return request

        return await _simple(info, RepairPayload, "request", work)

    @strawberry.mutation(description="Grant or refuse early credit repair; a granted item stops counting.", permission_classes=allow("credit.repair.decide"))
    async def decide_credit_repair(self, info: strawberry.Info, input: DecideCreditRepairInput) -> RepairPayload:
        ctx = info.context
        try:
            pk = decode_id_of(input.request_id, "CreditRepairRequest", "requestId")
        except DomainError as error:
            return RepairPayload(errors=user_errors(error))

        async def work(session):
            request = await appeals.decide_repair(session, pk, actor_of(ctx), input.approve, input.note)
            await record_for(ctx, session, "credit.repair.decided", input.request_id, {"status": request.status})
            return request

        return await _simple(info, RepairPayload, "request", work)
