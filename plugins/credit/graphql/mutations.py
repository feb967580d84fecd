"""The credit mutations: enterprises, evidence (each recomputes the enterprise's score),
scorecard versions, recomputation, appeals and credit repair.

Each runs through the one mutation runner (``@mutation``): it takes one ``input`` and
returns a payload with ``errors``; privileged actions are written to the audit log; a new
score is announced as the ``credit.score.computed`` event (``ScoreComputed``) after commit.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from jiedao.api import DomainError, mutation, node_id, payload, Write
from jiedao.api.graphql import encode_global_id
from jiedao.api.inputs import id_input, Money, Range
from jiedao.plugins.credit import service
from jiedao.plugins.credit.service import appeals, periods
from jiedao.plugins.credit.events import ScoreComputed
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.credit.graphql.types import CreditAppeal, CreditEvidence, CreditRepairRequest, CreditScore, CreditScorecard, Enterprise

EVIDENCE = "credit.evidence.manage"


def node_ids(type_name: str, description: str | None = None) -> Any:
    """An input field of global IDs of ``type_name``, empty by default, decoded by the runner."""
    return strawberry.field(default_factory=list, metadata=node_id(type_name).metadata, description=description)


def actor_of(w: Write) -> service.Actor:
    """The caller as the domain layer knows it."""
    return service.Actor(w.user.id, w.user.username, w.user.resident_id)


@strawberry.enum(description="How grave a penalty is, under the credit-repair rules: MINOR 轻微 (published at most 3 months), "
                 "GENERAL 一般 (3 months to 1 year), SERIOUS 严重 (1 to 3 years).")
class PenaltySeverity(str, Enum):
    MINOR = "MINOR"
    GENERAL = "GENERAL"
    SERIOUS = "SERIOUS"


@strawberry.enum(description="Which list an enterprise is put on.")
class ListKind(str, Enum):
    ABNORMAL_LIST = "ABNORMAL_LIST"
    SERIOUS_VIOLATION_LIST = "SERIOUS_VIOLATION_LIST"


described(
    ListKind,
    ABNORMAL_LIST="经营异常名录 (the list of enterprises operating abnormally).",
    SERIOUS_VIOLATION_LIST="严重违法失信名单 (the list of serious violations and bad faith).",
)
described(
    PenaltySeverity,
    MINOR="轻微 (minor): published at most 3 months.",
    GENERAL="一般 (general): published 3 months to 1 year.",
    SERIOUS="严重 (serious): published 1 to 3 years.",
)


@strawberry.input(description="A new enterprise (经营主体) to grade by credit risk.")
class CreateEnterpriseInput:
    name: str = strawberry.field(description="The enterprise's registered name.")
    licence_no: str = strawberry.field(description="The number of its business licence (许可证号), unique in the street.")
    licence_issued_on: date = strawberry.field(description="When the licence was issued (ISO 8601 date).")
    category: str = strawberry.field(default="restaurant", description="Its category (行业类别), e.g. `restaurant`; scores are compared within a category.")
    licence_expires_on: date | None = strawberry.field(default=None, description="When the licence expires, if it does.")
    address: str = strawberry.field(default="", description="Its address as written.")
    building_id: strawberry.ID | None = node_id("Building", default=None, description="The Building it is in (global ID).")
    unit_id: strawberry.ID | None = node_id("Unit", default=None, description="The Unit it occupies (global ID).")
    operator_id: strawberry.ID | None = node_id("Resident", default=None, description="The operator's Resident ID.")
    status: str = strawberry.field(default="ACTIVE", description="ACTIVE, SUSPENDED or CLOSED; recomputing every enterprise skips CLOSED ones.")


EnterprisePayload = payload("EnterprisePayload", enterprise=(Enterprise | None, None, "The registered enterprise; null when refused."))


EnterpriseIdInput = id_input("Enterprise")
EvidenceIdInput = id_input("CreditEvidence", "evidence_id")


@strawberry.input(description="One item of an inspection checklist (检查表) and the points it got.")
class ChecklistItemInput:
    code: str = strawberry.field(description="The item's code in the checklist.")
    score: Annotated[float, Range(0, 1_000)] = strawberry.field(description="The points given, from 0 to `maxScore`.")
    max_score: Annotated[float, Range(0, 1_000)] = strawberry.field(description="The item's full points (more than 0).")
    key: bool = strawberry.field(default=False, description="A key item (关键项) of the checklist.")
    title: str = strawberry.field(default="", description="The item's title, as on the checklist.")


@strawberry.input(description="An inspection (检查) of an enterprise: its checklist, or only its rating.")
class RecordInspectionInput(EnterpriseIdInput):
    inspected_on: date = strawberry.field(description="The day of the inspection (ISO 8601 date).")
    items: list[ChecklistItemInput] = strawberry.field(default_factory=list, description="The checklist; the rating (量化分级) is derived from it.")
    rating: str | None = strawberry.field(default=None, description="优秀/良好/一般; derived from the checklist when given.")
    note: str = strawberry.field(default="", description="The inspector's note; also the evidence's summary.")


@strawberry.input(description="A complaint (投诉) about an enterprise.")
class RecordComplaintInput(EnterpriseIdInput):
    received_on: date = strawberry.field(description="The day it was received (ISO 8601 date).")
    substantiated: bool = strawberry.field(description="Whether it was found true (属实).")
    source: str = strawberry.field(default="12345", description="12345 hotline, 12315, WALK_IN, ONLINE or OTHER.")
    summary: str = strawberry.field(default="", description="What the complaint was about.")


@strawberry.input(description="An administrative penalty (行政处罚) decided against an enterprise.")
class RecordPenaltyInput(EnterpriseIdInput):
    decided_on: date = strawberry.field(description="The day of the decision (ISO 8601 date).")
    decision_no: str = strawberry.field(description="The number of the penalty decision (处罚决定书文号).")
    severity: PenaltySeverity | None = strawberry.field(default=None, description="GENERAL when absent.")
    amount_yuan: Annotated[float, Money] = strawberry.field(default=0, description="The fine in yuan (元), 0 if none.")
    publicity_days: Annotated[int | None, Range(0, 3_650)] = strawberry.field(default=None, description="Publicity period set by the decision, within the severity's shortest and longest; the longest when absent.")
    summary: str = strawberry.field(default="", description="What the penalty was for.")


@strawberry.input(description="An enterprise put on a list (列入名录).")
class RecordListingInput(EnterpriseIdInput):
    list: ListKind = strawberry.field(description="Which list.")
    listed_on: date = strawberry.field(description="The day it was listed (ISO 8601 date).")
    reason: str = strawberry.field(default="", description="Why it was listed.")


@strawberry.input(description="The removal of a listing (移出名录), naming the listing's evidence item.")
class LiftListingInput(EvidenceIdInput):
    removed_on: date = strawberry.field(description="The day it was removed from the list (ISO 8601 date).")


@strawberry.input(description="A certification (认证) an enterprise obtained.")
class RecordCertificationInput(EnterpriseIdInput):
    name: str = strawberry.field(description="The certification, e.g. 阳光厨房 or HACCP.")
    issued_on: date = strawberry.field(description="The day it was issued (ISO 8601 date).")
    valid_until: date | None = strawberry.field(default=None, description="The last day it is valid, if it expires.")


EvidencePayload = payload(
    "EvidencePayload",
    evidence=(CreditEvidence | None, None, "The evidence recorded (or ended); null when refused."),
    score=(CreditScore | None, None, "The enterprise's score recomputed with the new evidence."),
)


@strawberry.input(description="A new version of the scorecard (评分卡).")
class CreateScorecardVersionInput:
    definition: JSON = strawberry.field(description="The whole scorecard definition as JSON, validated (start from `creditScorecard.definition`).")
    note: str = strawberry.field(default="", description="What changed in this version.")


ScorecardPayload = payload("ScorecardPayload", scorecard=(CreditScorecard | None, None, "The new scorecard version; null when refused."))


@strawberry.input(description="Which scores to recompute with the active scorecard.")
class RecomputeCreditScoresInput:
    enterprise_id: strawberry.ID | None = node_id("Enterprise", default=None, description="One enterprise; every one of the street when absent.")


RecomputePayload = payload("RecomputePayload", recomputed=(int, 0, "How many enterprises were recomputed (0 when refused)."))


@strawberry.input(description="An appeal (异议申诉) against a score of your enterprise.")
class FileCreditAppealInput:
    score_id: strawberry.ID = node_id("CreditScore", description="The CreditScore appealed against (global ID).")
    reason: str = strawberry.field(description="Why the score is wrong.")
    disputed_evidence_ids: list[strawberry.ID] = node_ids("CreditEvidence", "The CreditEvidence items disputed (global IDs).")


@strawberry.input(description="A reviewer's decision on an appeal.")
class DecideCreditAppealInput:
    appeal_id: strawberry.ID = node_id("CreditAppeal", description="The CreditAppeal decided (global ID).")
    accept: bool = strawberry.field(description="True to accept the appeal (the score is corrected), false to reject it.")
    note: str = strawberry.field(description="The reasons for the decision.")
    void_evidence_ids: list[strawberry.ID] | None = node_id("CreditEvidence", default=None, description="Evidence found wrong; the disputed ones when absent.")


AppealPayload = payload("AppealPayload", appeal=(CreditAppeal | None, None, "The appeal filed or decided; null when refused."))


@strawberry.input(description="A request for early credit repair (信用修复) of a penalty or listing, naming its evidence item.")
class RequestCreditRepairInput(EvidenceIdInput):
    reason: str = strawberry.field(description="Why it should be repaired early, e.g. the rectification done.")


@strawberry.input(description="The decision on a credit-repair request.")
class DecideCreditRepairInput:
    request_id: strawberry.ID = node_id("CreditRepairRequest", description="The CreditRepairRequest decided (global ID).")
    approve: bool = strawberry.field(description="True to grant repair (the item stops counting), false to refuse it.")
    note: str = strawberry.field(default="", description="The reasons for the decision.")


RepairPayload = payload("RepairPayload", request=(CreditRepairRequest | None, None, "The credit-repair request made or decided; null when refused."))



async def record_evidence(w: Write, enterprise_id: int, kind: str, occurred_on: date, make_details, **extra: Any) -> dict[str, Any]:
    """Add one evidence item to the enterprise, recompute its score and announce it."""
    enterprise = await service.get_enterprise(w.session, enterprise_id)
    card = await service.active_scorecard(w.session)
    evidence = await service.add_evidence(w.session, enterprise, kind, occurred_on, make_details(card.definition), actor_of(w), **extra)
    score = await service.compute(w.session, enterprise, trigger=f"evidence:{evidence.id}")
    w.audit(target=encode_global_id("Enterprise", enterprise_id), kind=kind, evidence=evidence.id)
    w.emit(ScoreComputed.of(score))
    return {"evidence": evidence, "score": score}


@strawberry.type
class CreditMutation:
    @mutation(EnterprisePayload, permission="credit.enterprise.manage", audit="credit.enterprise.created", description="Register an enterprise.")
    async def create_enterprise(w: Write, input: CreateEnterpriseInput):
        data = service.EnterpriseData(
            name=input.name, licence_no=input.licence_no.strip(), licence_issued_on=input.licence_issued_on, category=input.category,
            licence_expires_on=input.licence_expires_on, address=input.address, status=input.status,
            building_id=input.building_id, unit_id=input.unit_id, operator_resident_id=input.operator_id,
        )
        enterprise = await service.create_enterprise(w.session, data)
        await service.compute(w.session, enterprise, trigger="created")
        w.audit(licence=data.licence_no)
        return enterprise

    @mutation(EvidencePayload, permission=EVIDENCE, audit="credit.evidence.recorded",
              description="Record an inspection (checklist → 量化分级 dynamic rating); recomputes the score.")
    async def record_inspection(w: Write, input: RecordInspectionInput):
        items = [{"code": i.code, "title": i.title, "score": i.score, "max_score": i.max_score, "key": i.key} for i in input.items]
        inspector = w.user.username
        return await record_evidence(
            w, input.enterprise_id, "INSPECTION", input.inspected_on,
            lambda definition: {**service.inspection_details(definition, items, input.rating, inspector), "note": input.note},
            source="inspection", summary=input.note,
        )

    @mutation(EvidencePayload, permission=EVIDENCE, audit="credit.evidence.recorded",
              description="Record a complaint (e.g. from the 12345 hotline), substantiated or not.")
    async def record_complaint(w: Write, input: RecordComplaintInput):
        if input.source not in service.COMPLAINT_SOURCES:
            raise DomainError("one of {choices}", code="INVALID", field="source", choices=", ".join(service.COMPLAINT_SOURCES))
        return await record_evidence(
            w, input.enterprise_id, "COMPLAINT", input.received_on, lambda _: {"substantiated": input.substantiated},
            source=input.source, summary=input.summary,
        )

    @mutation(EvidencePayload, permission=EVIDENCE, audit="credit.evidence.recorded",
              description="Record an administrative penalty with its publicity period.")
    async def record_penalty(w: Write, input: RecordPenaltyInput):
        if input.publicity_days is not None and input.publicity_days <= 0:
            raise DomainError("must be positive", code="INVALID", field="publicityDays")
        details = {"severity": PenaltySeverity(input.severity or "GENERAL").value, "decision_no": input.decision_no, "amount_yuan": input.amount_yuan}

        def checked(definition: dict) -> dict:
            if input.publicity_days is not None:
                rule = periods.rule_for(definition, "PENALTY", details)
                if rule is not None:
                    shortest = (periods.repair_from(rule, input.decided_on) - input.decided_on).days
                    longest = (periods.longest_until(rule, input.decided_on) - input.decided_on).days
                    if not shortest <= input.publicity_days <= longest:
                        raise DomainError("a {severity} penalty decided on {day} is published "
                                          "{shortest} to {longest} days under the scorecard's rule: {basis}",
                                          code="INVALID", field="publicityDays", severity=details["severity"],
                                          day=input.decided_on.isoformat(), shortest=shortest, longest=longest,
                                          basis=rule.get("basis") or "repair")
                details["publicity_days"] = input.publicity_days
            return details

        return await record_evidence(w, input.enterprise_id, "PENALTY", input.decided_on, checked, source="penalty", summary=input.summary)

    @mutation(EvidencePayload, permission=EVIDENCE, audit="credit.evidence.recorded",
              description="Record a listing on the abnormal-operation or serious-violation list.")
    async def record_listing(w: Write, input: RecordListingInput):
        return await record_evidence(w, input.enterprise_id, ListKind(input.list).value, input.listed_on, lambda _: {}, source="list", summary=input.reason)

    @mutation(EvidencePayload, permission=EVIDENCE, audit="credit.evidence.recorded", description="Record a certification (e.g. 阳光厨房, HACCP).")
    async def record_certification(w: Write, input: RecordCertificationInput):
        details = {"name": input.name, "valid_until": input.valid_until.isoformat() if input.valid_until else None}
        return await record_evidence(w, input.enterprise_id, "CERTIFICATION", input.issued_on, lambda _: details, source="certification", summary=input.name)

    @mutation(EvidencePayload, permission=EVIDENCE, audit="credit.listing.lifted", description="Record the removal of a listing; recomputes the score.")
    async def lift_listing(w: Write, input: LiftListingInput):
        evidence = await service.end_listing(w.session, input.evidence_id, input.removed_on)
        enterprise = await service.get_enterprise(w.session, evidence.enterprise_id)
        score = await service.compute(w.session, enterprise, trigger=f"evidence:{input.evidence_id}")
        w.audit(target=encode_global_id("CreditEvidence", input.evidence_id), removed_on=input.removed_on.isoformat())
        w.emit(ScoreComputed.of(score))
        return {"evidence": evidence, "score": score}

    @mutation(ScorecardPayload, permission="credit.scorecard.manage", audit="credit.scorecard.versioned",
              description="Store a new scorecard version (validated); it applies from the next computation.")
    async def create_credit_scorecard_version(w: Write, input: CreateScorecardVersionInput):
        card = await service.create_scorecard_version(w.session, input.definition, input.note, actor_of(w))
        w.audit(target=str(card.version), note=input.note)
        return card

    @mutation(RecomputePayload, permission="credit.recompute", audit="credit.recomputed",
              description="Recompute scores with the active scorecard (one enterprise or all).")
    async def recompute_credit_scores(w: Write, input: RecomputeCreditScoresInput):
        if input.enterprise_id is not None:
            await service.compute(w.session, await service.get_enterprise(w.session, input.enterprise_id), trigger="recompute")
            count = 1
        else:
            count = await service.recompute_all(w.session)
        w.audit(target=encode_global_id("Enterprise", input.enterprise_id) if input.enterprise_id is not None else "*", count=count)
        return count

    @mutation(AppealPayload, permission="credit.appeal.file", audit="credit.appeal.filed",
              description="Appeal a score of your enterprise within the street's appeal window (setting credit.appeal_days, 21 by default).")
    async def file_credit_appeal(w: Write, input: FileCreditAppealInput):
        window = w.kernel.settings(w.street, "credit").appeal_days
        appeal = await appeals.file_appeal(w.session, input.score_id, actor_of(w), input.reason, input.disputed_evidence_ids, appeal_days=window)
        w.audit(target=encode_global_id("CreditScore", input.score_id), appeal=appeal.id)
        return appeal

    @mutation(AppealPayload, permission="credit.appeal.decide", audit="credit.appeal.decided",
              description="Decide an appeal (a reviewer other than the appellant and the recorder).")
    async def decide_credit_appeal(w: Write, input: DecideCreditAppealInput):
        appeal = await appeals.decide_appeal(w.session, input.appeal_id, actor_of(w), input.accept, input.note, input.void_evidence_ids)
        w.audit(target=encode_global_id("CreditAppeal", input.appeal_id), status=appeal.status)
        if appeal.corrected_score_id:
            w.emit(ScoreComputed.of(await w.session.scalar(service.score_statement(appeal.corrected_score_id))))
        return appeal

    @mutation(RepairPayload, permission="credit.repair.request", audit="credit.repair.requested",
              description="Ask for early credit repair of a penalty or listing of your enterprise.")
    async def request_credit_repair(w: Write, input: RequestCreditRepairInput):
        request = await appeals.request_repair(w.session, input.evidence_id, actor_of(w), input.reason)
        w.audit(target=encode_global_id("CreditEvidence", input.evidence_id), request=request.id)
        return request

    @mutation(RepairPayload, permission="credit.repair.decide", audit="credit.repair.decided",
              description="Grant or refuse early credit repair; a granted item stops counting.")
    async def decide_credit_repair(w: Write, input: DecideCreditRepairInput):
        request = await appeals.decide_repair(w.session, input.request_id, actor_of(w), input.approve, input.note)
        w.audit(target=encode_global_id("CreditRepairRequest", input.request_id), status=request.status)
        return request
