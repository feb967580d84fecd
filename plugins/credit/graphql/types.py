"""The credit GraphQL types: enterprises with their score, reasons, portrait and history,
evidence, scorecard versions, appeals and repair requests (who sees them: ``access.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import func, select
from strawberry.scalars import JSON

from jiedao.api import by_id, children, Node, node_type, registry, types
from jiedao.api.graphql import children_field, ClientError, encode_global_id, enum_field, global_id_field, linked
from jiedao.plugins.credit import models, service
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.credit.graphql.access import MAX_HISTORY, READ_ALL, READ_OWN, SEE_ONE, visible_enterprises

Building = types.Building


@strawberry.enum(description="Credit-risk class (SAMR): A low, B general, C relatively high, D high; UNRATED for a licence too recent.")
class CreditClass(str, Enum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    UNRATED = "UNRATED"


described(
    CreditClass,
    A="A 类: 信用风险低 (low credit risk).",
    B="B 类: 信用风险一般 (general credit risk).",
    C="C 类: 信用风险较高 (relatively high credit risk).",
    D="D 类: 信用风险高 (high credit risk).",
    UNRATED="暂不评级 (not rated), e.g. a licence too recent under the scorecard.",
)


@strawberry.enum(description="What a piece of credit evidence is.")
class EvidenceKind(str, Enum):
    INSPECTION = "INSPECTION"
    COMPLAINT = "COMPLAINT"
    PENALTY = "PENALTY"
    ABNORMAL_LIST = "ABNORMAL_LIST"
    SERIOUS_VIOLATION_LIST = "SERIOUS_VIOLATION_LIST"
    CERTIFICATION = "CERTIFICATION"
    RECTIFICATION = "RECTIFICATION"


described(
    EvidenceKind,
    INSPECTION="检查 (an inspection), with its checklist and rating (recordInspection).",
    COMPLAINT="投诉 (a complaint), e.g. from the 12345 hotline (recordComplaint).",
    PENALTY="行政处罚 (an administrative penalty) with its publicity period (recordPenalty).",
    ABNORMAL_LIST="列入经营异常名录 (listed as operating abnormally) (recordListing).",
    SERIOUS_VIOLATION_LIST="列入严重违法失信名单 (listed for serious violations) (recordListing).",
    CERTIFICATION="认证 (a certification), e.g. 阳光厨房 or HACCP (recordCertification).",
    RECTIFICATION="整改 (a rectification finding) recorded from a task force's finding about the enterprise.",
)


@strawberry.type(description="An item that cost points, in plain Chinese and English.")
class CreditReason:
    code: str = strawberry.field(description="The scorecard rule's code, e.g. MG_RECTIFICATION.")
    dimension: str = strawberry.field(description="The scorecard dimension it counts in.")
    points: float = strawberry.field(description="Points lost (negative), after time decay.")
    evidence_id: strawberry.ID = strawberry.field(description="The CreditEvidence it comes from (global ID).")
    occurred_on: date = strawberry.field(description="The day the evidence happened.")
    zh: str = strawberry.field(description="The reason in Chinese.")
    en: str = strawberry.field(description="The reason in English.")
    publicity_until: date | None = strawberry.field(default=None, description="A penalty or listing: the first day it is no longer published.")
    repair_from: date | None = strawberry.field(default=None, description="A penalty or listing: the first day credit repair (提前停止公示) may be requested.")
    basis: str | None = strawberry.field(default=None, description="A penalty or listing: the rule its publicity and repair periods follow.")


@strawberry.type(description="A hard rule that set the class whatever the score.")
class CreditOverride:
    code: str = strawberry.field(description="The override rule's code, e.g. OV_NEW_LICENCE.")
    risk_class: CreditClass = strawberry.field(description="The class it set.")
    zh: str = strawberry.field(description="The rule in Chinese.")
    en: str = strawberry.field(description="The rule in English.")


@strawberry.type(description="The sub-score of one scorecard dimension.")
class CreditDimensionScore:
    key: str = strawberry.field(description="The dimension's key in the scorecard.")
    zh: str = strawberry.field(description="Its name in Chinese.")
    en: str = strawberry.field(description="Its name in English.")
    score: float = strawberry.field(description="The points it scored.")
    max: float = strawberry.field(description="Its full points.")
    lost: float = strawberry.field(description="Points lost in this dimension, after its cap.")
    capped: bool = strawberry.field(description="Whether the dimension's cap limited the loss.")


@strawberry.type(description="A penalty or listing that no longer counts (信用修复), and why.")
class RepairedItem:
    evidence_id: strawberry.ID = strawberry.field(description="The CreditEvidence repaired (global ID).")
    kind: EvidenceKind = strawberry.field(description="A penalty or a listing.")
    occurred_on: date = strawberry.field(description="The day the evidence happened.")
    how: str = strawberry.field(description="REPAIRED_EARLY, PUBLICITY_ENDED or LIFTED.")


def _reason(r: dict) -> CreditReason:
    return CreditReason(
        code=r["code"], dimension=r["dimension"], points=r["points"], evidence_id=strawberry.ID(encode_global_id("CreditEvidence", r["evidence_id"])),
        occurred_on=date.fromisoformat(r["occurred_on"]), zh=r["zh"], en=r["en"],
        publicity_until=date.fromisoformat(r["publicity_until"]) if r.get("publicity_until") else None,
        repair_from=date.fromisoformat(r["repair_from"]) if r.get("repair_from") else None, basis=r.get("basis"),
    )


def _dimensions(score: models.Score) -> list[CreditDimensionScore]:
    return [CreditDimensionScore(**{k: d[k] for k in ("key", "zh", "en", "score", "max", "lost", "capped")}) for d in score.result["dimensions"]]


def _repaired(score: models.Score) -> list[RepairedItem]:
    return [
        RepairedItem(evidence_id=strawberry.ID(encode_global_id("CreditEvidence", r["evidence_id"])), kind=EvidenceKind(r["kind"]),
                     occurred_on=date.fromisoformat(r["occurred_on"]), how=r["how"])
        for r in score.result["repaired"]
    ]


def of_visible_enterprise(model: type):
    """The ``visible`` rule of a credit record: its enterprise is one the caller may see."""

    def visible(ctx) -> Any:
        return model.enterprise_id.in_(select(models.Enterprise.id).where(visible_enterprises(ctx)))

    return visible


@node_type(models.Score, read=(READ_ALL, READ_OWN), visible=of_visible_enterprise(models.Score))
@strawberry.type(description="A computed credit score; immutable, reproducible from its stored inputs.")
class CreditScore(Node):
    value: float = strawberry.field(description="长庆信用分, 0-100.")

    risk_class = enum_field(CreditClass, description="The credit-risk class (信用风险等级).")

    @strawberry.field(description="The class in words, e.g. 信用风险低.")
    def risk_zh(self) -> str:
        return self.result["risk_zh"]

    @strawberry.field(description="The class in words, e.g. low credit risk.")
    def risk_en(self) -> str:
        return self.result["risk_en"]

    annual_grade: str | None = strawberry.field(description="Annual grade A/B/C from the 12-month mean of dynamic ratings (none without inspections).")
    as_of: date = strawberry.field(description="The day the score is computed for.")
    computed_at: datetime = strawberry.field(description="When it was computed (ISO 8601 UTC).")
    trigger: str = strawberry.field(description="What caused the computation: evidence:N, recompute, appeal:N, repair:N.")

    @strawberry.field(description="The version of the scorecard it was computed with.")
    async def scorecard_version(self, info: strawberry.Info) -> int:
        return (await by_id(info.context, models.Scorecard).load(self.scorecard_id)).version

    @strawberry.field(description="The items that cost the most points, most costly first.")
    def reasons(self) -> list[CreditReason]:
        return [_reason(r) for r in self.result["reasons"]]

    @strawberry.field(description="Hard rules that set the class whatever the score.")
    def overrides(self) -> list[CreditOverride]:
        return [CreditOverride(code=o["code"], risk_class=CreditClass(o["risk_class"]), zh=o["zh"], en=o["en"]) for o in self.result["overrides"]]

    @strawberry.field(description="The sub-scores by dimension.")
    def dimensions(self) -> list[CreditDimensionScore]:
        return _dimensions(self)

    @strawberry.field(description="Penalties and listings that no longer count.")
    def repaired(self) -> list[RepairedItem]:
        return _repaired(self)

    @strawberry.field(description="Recommended inspections a year for this class.")
    def inspections_per_year(self) -> int:
        return self.result["inspections_per_year"]

    @strawberry.field(description="When the next inspection is due: the last one plus a year divided by `inspectionsPerYear` (`asOf` without any inspection); null when none are recommended.")
    def next_inspection_due(self) -> date | None:
        due = self.result["next_inspection_due"]
        return date.fromisoformat(due) if due else None

    @strawberry.field(description="The evidence this score was computed from.")
    def evidence_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(encode_global_id("CreditEvidence", i)) for i in self.evidence_ids]

    @strawberry.field(description="The score an accepted appeal corrected, if this is a correction.")
    def corrects_score_id(self) -> strawberry.ID | None:
        return strawberry.ID(encode_global_id("CreditScore", self.corrects_score_id)) if self.corrects_score_id else None

    @strawberry.field(description="Recomputes this score from its stored inputs and scorecard version: true when identical.")
    async def reproducible(self, info: strawberry.Info) -> bool:
        card = await by_id(info.context, models.Scorecard).load(self.scorecard_id)
        return service.reproduction(self, card).equal


@strawberry.type(description="One point of the score's trend.")
class TrendPoint:
    at: datetime = strawberry.field(description="When the score was computed (ISO 8601 UTC).")
    value: float = strawberry.field(description="The score, 0-100.")
    risk_class: CreditClass = strawberry.field(description="Its class.")


@strawberry.type(description="The credit portrait: sub-scores, peer comparison, trend and repaired items.")
class CreditPortrait:
    dimensions: list[CreditDimensionScore] = strawberry.field(description="The current sub-scores by dimension.")
    percentile: float | None = strawberry.field(description="Share (%) of the street's enterprises of the category scoring at most this.")
    peers: int = strawberry.field(description="Enterprises of the category compared with.")
    category_mean: float | None = strawberry.field(description="The mean score of the category's enterprises in the street; null if none.")
    trend: list[TrendPoint] = strawberry.field(description="Recent scores, oldest first.")
    change: float | None = strawberry.field(description="Current score minus the oldest in the trend.")
    repaired: list[RepairedItem] = strawberry.field(description="Penalties and listings that no longer count.")
    reasons: list[CreditReason] = strawberry.field(description="The items that cost the most points, most costly first.")


@node_type(models.Evidence, read=(READ_ALL, READ_OWN), visible=of_visible_enterprise(models.Evidence))
@strawberry.type(description="A fact about an enterprise that the scorecard counts.")
class CreditEvidence(Node):
    kind = enum_field(EvidenceKind, description="What the evidence is.")

    occurred_on: date = strawberry.field(description="The day it happened (inspection, receipt, decision, listing …).")
    source: str = strawberry.field(description="Where it came from, e.g. inspection, penalty, 12345, mediation.")
    summary: str = strawberry.field(description="A short summary.")
    details: JSON = strawberry.field(description="Kind-specific details: checklist and rating, substantiated, severity and publicity...")
    recorded_by: str = strawberry.field(description="Who recorded it (username).")
    repaired_on: date | None = strawberry.field(description="Set when early credit repair was granted.")
    voided_on: date | None = strawberry.field(description="Set when an accepted appeal found this evidence wrong.")


@node_type(models.Appeal, read=(READ_ALL, READ_OWN), visible=of_visible_enterprise(models.Appeal))
@strawberry.type(description="An operator's appeal against a score.")
class CreditAppeal(Node):
    score_id = global_id_field("CreditScore", "score_id", description="The CreditScore appealed against (global ID).")
    enterprise_id = global_id_field("Enterprise", "enterprise_id", description="The Enterprise (global ID).")

    status: str = strawberry.field(description="PENDING, ACCEPTED or REJECTED.")
    reason: str = strawberry.field(description="Why the appellant says the score is wrong.")
    filed_by: str = strawberry.field(description="Who filed it (username).")
    filed_at: datetime = strawberry.field(description="When it was filed (ISO 8601 UTC).")
    reviewer: str | None = strawberry.field(description="Who decided it (username); null while pending.")
    decision_note: str = strawberry.field(description="The reasons for the decision; empty while pending.")
    decided_at: datetime | None = strawberry.field(description="When it was decided (ISO 8601 UTC); null while pending.")

    corrected_score = linked(models.Score, "corrected_score_id", CreditScore, description="The corrected score an accepted appeal produced.")


@node_type(models.RepairRequest, read=(READ_ALL, READ_OWN), visible=of_visible_enterprise(models.RepairRequest))
@strawberry.type(description="A request for early credit repair (信用修复) of a penalty or listing.")
class CreditRepairRequest(Node):
    evidence_id = global_id_field("CreditEvidence", "evidence_id", description="The CreditEvidence (penalty or listing) to repair (global ID).")

    status: str = strawberry.field(description="PENDING, APPROVED or REFUSED.")
    reason: str = strawberry.field(description="Why repair is asked for.")
    requested_by: str = strawberry.field(description="Who asked (username).")
    decided_by: str | None = strawberry.field(description="Who decided (username); null while pending.")
    decision_note: str = strawberry.field(description="The reasons for the decision; empty while pending.")


@strawberry.type(description="One version of the street's scorecard (data, not code).")
class CreditScorecard:
    version: int = strawberry.field(description="The version number.")
    definition: JSON = strawberry.field(description="Dimensions, rules, caps, decay, classes, overrides (JSON).")
    note: str = strawberry.field(description="What changed in this version.")
    created_by: str = strawberry.field(description="Who stored it (username).")
    created_at: datetime = strawberry.field(description="When it was stored (ISO 8601 UTC).")


def _history_loader(ctx, limit: int) -> Any:
    """The ``limit`` newest scores of each enterprise, newest first, in one statement."""

    async def load(ids: Sequence[int]) -> list[list[Any]]:
        rank = func.row_number().over(partition_by=models.Score.enterprise_id, order_by=models.Score.id.desc()).label("rank")
        ranked = select(models.Score.id, rank).where(models.Score.enterprise_id.in_(ids)).subquery()
        rows = await ctx.scalars(
            select(models.Score).join(ranked, ranked.c.id == models.Score.id).where(ranked.c.rank <= limit).order_by(models.Score.id.desc())
        )
        groups: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            groups[row.enterprise_id].append(row)
        return [groups.get(i, []) for i in ids]

    return ctx.loader(("credit.history", limit), load)


def _peers_loader(ctx) -> Any:
    """Current score values by category (one statement for every category asked)."""

    async def load(categories: Sequence[str]) -> list[list[float]]:
        grouped: dict[str, list[float]] = defaultdict(list)
        for category, value in (await ctx.execute(service.peer_scores_statement(categories))).all():
            grouped[category].append(value)
        return [grouped.get(c, []) for c in categories]

    return ctx.loader("credit.peers", load)


async def current_score(info: strawberry.Info, enterprise: models.Enterprise) -> models.Score | None:
    """The current score of ``enterprise`` (batched)."""
    if enterprise.current_score_id is None:
        return None
    return await by_id(info.context, models.Score).load(enterprise.current_score_id)


@node_type(models.Enterprise, read=(READ_ALL, READ_OWN), visible=visible_enterprises)
@strawberry.type(description="A restaurant or other business graded by credit risk.")
class Enterprise(Node):
    @strawberry.field(permission_classes=SEE_ONE, description="The registered name (like every field here: for its operator and for readers of every enterprise).")
    def name(self) -> str:
        return self.name

    @strawberry.field(permission_classes=SEE_ONE, description="Its category (行业类别), e.g. restaurant.")
    def category(self) -> str:
        return self.category

    @strawberry.field(permission_classes=SEE_ONE, description="The number of its business licence (许可证号).")
    def licence_no(self) -> str:
        return self.licence_no

    @strawberry.field(permission_classes=SEE_ONE, description="When the licence was issued.")
    def licence_issued_on(self) -> date:
        return self.licence_issued_on

    @strawberry.field(permission_classes=SEE_ONE, description="When the licence expires, if it does.")
    def licence_expires_on(self) -> date | None:
        return self.licence_expires_on

    @strawberry.field(permission_classes=SEE_ONE, description="Its address as written.")
    def address(self) -> str:
        return self.address

    @strawberry.field(permission_classes=SEE_ONE, description="ACTIVE, SUSPENDED or CLOSED.")
    def status(self) -> str:
        return self.status

    building = linked(registry.Building, "building_id", Building, permission_classes=SEE_ONE, description="The building it is in.")

    @strawberry.field(permission_classes=SEE_ONE, description="The current score.")
    async def score(self, info: strawberry.Info) -> CreditScore | None:
        return await current_score(info, self)

    @strawberry.field(permission_classes=SEE_ONE, description="The current credit-risk class.")
    async def grade(self, info: strawberry.Info) -> CreditClass | None:
        score = await current_score(info, self)
        return CreditClass(score.risk_class) if score else None

    @strawberry.field(permission_classes=SEE_ONE, description="Why the current score is what it is: the most costly items first.")
    async def reasons(self, info: strawberry.Info) -> list[CreditReason]:
        score = await current_score(info, self)
        return [_reason(r) for r in score.result["reasons"]] if score else []

    @strawberry.field(permission_classes=SEE_ONE, description="The credit portrait (信用画像) of the current score; null before the first score.")
    async def portrait(self, info: strawberry.Info, trend_points: Annotated[int, strawberry.argument(description=f"How many stored scores the trend shows, newest last (1 to {MAX_HISTORY}).")] = 12) -> CreditPortrait | None:
        if not 1 <= trend_points <= MAX_HISTORY:
            raise ClientError("trendPoints must be between 1 and {most}.", "PAGE_SIZE", most=MAX_HISTORY)
        score = await current_score(info, self)
        if score is None:
            return None
        peers = await _peers_loader(info.context).load(self.category)
        history = await _history_loader(info.context, trend_points).load(self.id)
        trend = [TrendPoint(at=s.computed_at, value=s.value, risk_class=CreditClass(s.risk_class)) for s in reversed(history)]
        return CreditPortrait(
            dimensions=_dimensions(score),
            percentile=service.percentile(score.value, peers),
            peers=len(peers),
            category_mean=round(sum(peers) / len(peers), 2) if peers else None,
            trend=trend,
            change=round(score.value - trend[0].value, 2) if trend else None,
            repaired=_repaired(score),
            reasons=[_reason(r) for r in score.result["reasons"]],
        )

    @strawberry.field(permission_classes=SEE_ONE, description=f"Stored scores, newest first (at most {MAX_HISTORY}).")
    async def history(self, info: strawberry.Info, limit: Annotated[int, strawberry.argument(description=f"How many scores at most (1 to {MAX_HISTORY}).")] = 20) -> list[CreditScore]:
        if not 1 <= limit <= MAX_HISTORY:
            raise ClientError("limit must be between 1 and {most}.", "PAGE_SIZE", most=MAX_HISTORY)
        return await _history_loader(info.context, limit).load(self.id)

    @strawberry.field(permission_classes=SEE_ONE, description="Every evidence item, voided and repaired ones included.")
    async def evidence(self, info: strawberry.Info) -> list[CreditEvidence]:
        return await children(info.context, models.Evidence.enterprise_id, models.Evidence.occurred_on.desc()).load(self.id)

    appeals = children_field(CreditAppeal, models.Appeal.enterprise_id, permission_classes=SEE_ONE, description="Its operator's appeals against scores.")
    repair_requests = children_field(CreditRepairRequest, models.RepairRequest.enterprise_id, permission_classes=SEE_ONE, description="Its requests for early credit repair.")
