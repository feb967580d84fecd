"""The credit domain: enterprises, evidence, scorecard versions, scores and their reproduction.

No GraphQL here. Every function takes a session scoped to one street (so the street
filter and row-level security apply) and raises ``DomainError`` for what a user can fix.
Appeals and credit repair live in ``service/appeals.py``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, registry, today
from jiedao.api.domain import get_or_not_found
from jiedao.api.messages import Translatable
from jiedao.plugins.credit.service import scorecard as scorecards
from jiedao.plugins.credit.service.publicity import publish_classes
from jiedao.plugins.credit.models import ENTERPRISE_STATUSES, Enterprise, Evidence, Score, Scorecard
from jiedao.plugins.credit.service.scoring import dynamic_rating, evaluate

@dataclass(frozen=True)
class Actor:
    """Who acts: an account's id, username and linked resident (operators)."""

    id: int | None
    username: str
    resident_id: int | None = None


SYSTEM = Actor(None, "system")


# -- enterprises -----------------------------------------------------------------------


@dataclass
class EnterpriseData:
    """The fields of an enterprise, as given by a form or a CSV row."""

    name: str
    licence_no: str
    licence_issued_on: date
    category: str = "restaurant"
    licence_expires_on: date | None = None
    address: str = ""
    building_id: int | None = None
    unit_id: int | None = None
    operator_resident_id: int | None = None
    status: str = "ACTIVE"


def check_enterprise(data: EnterpriseData) -> list[tuple[str, Translatable]]:
    """Problems (field, reason) with ``data`` that need no database."""
    problems = []
    if not data.name.strip():
        problems.append(("name", Translatable("empty")))
    if not data.licence_no.strip():
        problems.append(("licenceNo", Translatable("empty")))
    if data.licence_expires_on and data.licence_expires_on <= data.licence_issued_on:
        problems.append(("licenceExpiresOn", Translatable("must be after the issue date")))
    if data.status not in ENTERPRISE_STATUSES:
        problems.append(("status", Translatable("one of {choices}", choices=", ".join(ENTERPRISE_STATUSES))))
    if not data.category.strip():
        problems.append(("category", Translatable("empty")))
    return problems


async def check_references(session: AsyncSession, data: EnterpriseData) -> list[tuple[str, Translatable]]:
    """Problems with the building, unit and operator ``data`` names (this street only)."""
    problems = []
    if data.building_id is not None and await session.scalar(select(registry.Building.id).where(registry.Building.id == data.building_id)) is None:
        problems.append(("buildingId", Translatable("no such building in this street")))
    if data.unit_id is not None:
        building = await session.scalar(select(registry.Unit.building_id).where(registry.Unit.id == data.unit_id))
        if building is None:
            problems.append(("unitId", Translatable("no such unit in this street")))
        elif data.building_id is not None and building != data.building_id:
            problems.append(("unitId", Translatable("the unit is not in the building")))
    if data.operator_resident_id is not None and await session.scalar(select(registry.Resident.id).where(registry.Resident.id == data.operator_resident_id)) is None:
        problems.append(("operatorId", Translatable("no such resident in this street")))
    return problems


async def create_enterprise(session: AsyncSession, data: EnterpriseData) -> Enterprise:
    """Register an enterprise; its licence number is unique in the street."""
    problems = check_enterprise(data) + await check_references(session, data)
    if problems:
        field, reason = problems[0]
        raise DomainError.of(reason, code="INVALID", field=field)
    if await session.scalar(select(Enterprise.id).where(Enterprise.licence_no == data.licence_no)) is not None:
        raise DomainError("licence {licence} is already registered", code="DUPLICATE", field="licenceNo", licence=data.licence_no)
    enterprise = Enterprise(**data.__dict__, created_at=now())
    if enterprise.building_id is None and enterprise.unit_id is not None:
        enterprise.building_id = await session.scalar(select(registry.Unit.building_id).where(registry.Unit.id == enterprise.unit_id))
    session.add(enterprise)
    await session.flush()
    return enterprise


async def get_enterprise(session: AsyncSession, enterprise_id: int) -> Enterprise:
    """The enterprise, or ``NOT_FOUND``."""
    enterprise = await get_or_not_found(session, Enterprise, enterprise_id, field="enterpriseId", message="no such enterprise")
    return enterprise


# -- evidence --------------------------------------------------------------------------

COMPLAINT_SOURCES = ("12345", "12315", "WALK_IN", "ONLINE", "OTHER")
PENALTY_SEVERITIES = ("GENERAL", "SERIOUS")


def inspection_details(definition: dict[str, Any], items: list[dict[str, Any]], rating: str | None, inspector: str) -> dict[str, Any]:
    """An inspection's details: checklist, failed key and ordinary items, dynamic rating.

    The rating is derived from the checklist by the scorecard's 量化分级 rule; without a
    checklist it must be given.
    """
    ratings = [lv["rating"] for lv in definition["dynamic_rating"]["levels"]]
    for n, item in enumerate(items):
        if float(item["max_score"]) <= 0 or not 0 <= float(item["score"]) <= float(item["max_score"]):
            raise DomainError("item {n} ({item}): score must be between 0 and its maximum", field="items", n=n + 1, item=item.get("code", "?"))
    if items:
        derived, percent = dynamic_rating(definition, items)
        if rating is not None and rating != derived:
            raise DomainError("the checklist gives the rating {derived}, not {rating}", code="RATING_MISMATCH", field="rating", derived=derived, rating=rating)
        rating = derived
    elif rating not in ratings:
        raise DomainError("give the checklist or a rating among {ratings}", field="rating", ratings=", ".join(ratings))
    else:
        percent = None
    failed = [i for i in items if float(i["score"]) < float(i["max_score"])]
    return {
        "inspector": inspector,
        "items": items,
        "percent": percent,
        "rating": rating,
        "key_items_failed": [i["code"] for i in failed if i.get("key")],
        "items_failed": [i["code"] for i in failed if not i.get("key")],
    }


async def add_evidence(
    session: AsyncSession,
    enterprise: Enterprise,
    kind: str,
    occurred_on: date,
    details: dict[str, Any],
    actor: Actor,
    *,
    summary: str = "",
    source: str = "",
    external_ref: str | None = None,
) -> Evidence:
    """Record one evidence item (not in the future; once per ``external_ref``)."""
    if occurred_on > today() + timedelta(days=1):
        raise DomainError("the date is in the future", code="INVALID_DATE", field="occurredOn")
    evidence = Evidence(
        enterprise_id=enterprise.id, kind=kind, occurred_on=occurred_on, details=details, summary=summary[:500],
        source=source, external_ref=external_ref, recorded_by=actor.username, recorded_by_id=actor.id, recorded_at=now(),
    )
    session.add(evidence)
    await session.flush()
    return evidence


async def end_listing(session: AsyncSession, evidence_id: int, removed_on: date) -> Evidence:
    """Record the day an enterprise was removed from a list (it stops counting then)."""
    evidence = await get_evidence(session, evidence_id)
    if evidence.kind not in ("ABNORMAL_LIST", "SERIOUS_VIOLATION_LIST"):
        raise DomainError("only a listing can be lifted", code="NOT_A_LISTING", field="evidenceId")
    if removed_on < evidence.occurred_on:
        raise DomainError("removal before listing", code="INVALID_DATE", field="removedOn")
    evidence.details = {**evidence.details, "removed_on": removed_on.isoformat()}
    await session.flush()
    return evidence


async def get_evidence(session: AsyncSession, evidence_id: int) -> Evidence:
    """The evidence item, or ``NOT_FOUND``."""
    evidence = await get_or_not_found(session, Evidence, evidence_id, field="evidenceId", message="no such evidence")
    return evidence


# -- scorecards ------------------------------------------------------------------------


async def active_scorecard(session: AsyncSession) -> Scorecard:
    """The street's newest scorecard version; version 1 (the default) is created on first use."""
    card = await session.scalar(select(Scorecard).order_by(Scorecard.version.desc()).limit(1))
    if card is None:
        card = Scorecard(version=1, definition=scorecards.default_definition(), note="default", created_by="system", created_at=now())
        session.add(card)
        await session.flush()
    return card


async def create_scorecard_version(session: AsyncSession, definition: dict[str, Any], note: str, actor: Actor) -> Scorecard:
    """Store ``definition`` (validated) as the street's next scorecard version."""
    checked = scorecards.validate(definition)
    current = await active_scorecard(session)
    card = Scorecard(version=current.version + 1, definition=checked, note=note[:500], created_by=actor.username, created_at=now())
    session.add(card)
    await session.flush()
    return card


# -- scores ----------------------------------------------------------------------------


def snapshot_item(evidence: Evidence) -> dict[str, Any]:
    """One evidence item as scoring sees it (JSON)."""
    return {
        "id": evidence.id,
        "kind": evidence.kind,
        "occurred_on": evidence.occurred_on.isoformat(),
        "repaired_on": evidence.repaired_on.isoformat() if evidence.repaired_on else None,
        "summary": evidence.summary,
        "details": evidence.details,
    }


def snapshot(enterprise: Enterprise, evidence: Iterable[Evidence]) -> dict[str, Any]:
    """The inputs a score is computed from, as stored with it (JSON); voided evidence is left out."""
    return {
        "enterprise": {
            "id": enterprise.id,
            "category": enterprise.category,
            "licence_issued_on": enterprise.licence_issued_on.isoformat(),
        },
        "evidence": [snapshot_item(e) for e in sorted(evidence, key=lambda e: e.id) if e.voided_on is None],
    }


def make_score(enterprise: Enterprise, card: Scorecard, evidence: Iterable[Evidence], as_of: date, trigger: str) -> Score:
    """A new (unsaved) score of ``enterprise`` under ``card`` on ``as_of``."""
    inputs = snapshot(enterprise, evidence)
    result = evaluate(card.definition, inputs, as_of)
    return Score(
        enterprise_id=enterprise.id, scorecard_id=card.id, as_of=as_of, computed_at=now(), trigger=trigger,
        value=result["score"], risk_class=result["risk_class"], annual_grade=result["annual_grade"],
        next_inspection_due=date.fromisoformat(result["next_inspection_due"]) if result["next_inspection_due"] else None,
        result=result, inputs=inputs, evidence_ids=[e["id"] for e in inputs["evidence"]],
    )


async def evidence_of(session: AsyncSession, enterprise_ids: list[int] | None) -> dict[int, list[Evidence]]:
    """Evidence not voided, grouped by enterprise, in one statement (``None``: the whole street's)."""
    grouped: dict[int, list[Evidence]] = defaultdict(list)
    statement = select(Evidence).where(Evidence.voided_on.is_(None))
    if enterprise_ids is not None:
        if not enterprise_ids:
            return grouped
        statement = statement.where(Evidence.enterprise_id.in_(enterprise_ids))
    rows = await session.scalars(statement)
    for row in rows:
        grouped[row.enterprise_id].append(row)
    return grouped


async def compute(session: AsyncSession, enterprise: Enterprise, *, trigger: str, as_of: date | None = None, corrects: int | None = None) -> Score:
    """Compute, store and make current a new score of ``enterprise`` with the active scorecard."""
    card = await active_scorecard(session)
    evidence = (await evidence_of(session, [enterprise.id]))[enterprise.id]
    score = make_score(enterprise, card, evidence, as_of or today(), trigger)
    score.corrects_score_id = corrects
    session.add(score)
    await session.flush()
    enterprise.current_score_id = score.id
    await session.flush()
    return score


async def recompute_all(
    session: AsyncSession, *, trigger: str = "recompute", as_of: date | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Recompute every enterprise of the street that is not closed; returns how many.

    Evidence is loaded in one statement; scores are inserted in batches.
    """
    card = await active_scorecard(session)
    enterprises = list(await session.scalars(select(Enterprise).where(Enterprise.status != "CLOSED").order_by(Enterprise.id)))
    evidence = await evidence_of(session, None)
    as_of = as_of or today()
    batch: list[tuple[Enterprise, Score]] = []

    async def flush() -> None:
        session.add_all([score for _, score in batch])
        await session.flush()
        for enterprise, score in batch:
            enterprise.current_score_id = score.id
        await session.flush()
        batch.clear()

    for done, enterprise in enumerate(enterprises, start=1):
        batch.append((enterprise, make_score(enterprise, card, evidence[enterprise.id], as_of, trigger)))
        if len(batch) >= 500:
            await flush()
        if progress and (done % 500 == 0 or done == len(enterprises)):
            progress(done, len(enterprises))
    await flush()
    await publish_classes(session)
    return len(enterprises)


@dataclass(frozen=True)
class Reproduction:
    """A stored score next to the same computation run again from its stored inputs."""

    score_id: int
    scorecard_version: int
    stored: dict[str, Any]
    recomputed: dict[str, Any]

    @property
    def equal(self) -> bool:
        return self.stored == self.recomputed


def reproduction(score: Score, card: Scorecard) -> Reproduction:
    """Evaluate ``score``'s stored inputs again with its scorecard version ``card``."""
    recomputed = evaluate(card.definition, score.inputs, score.as_of)
    if sorted(score.evidence_ids) != sorted(e["id"] for e in score.inputs["evidence"]):
        recomputed = {**recomputed, "evidence_ids": "differ from the inputs"}
    if score.value != recomputed["score"] or score.risk_class != recomputed["risk_class"]:
        recomputed = {**recomputed, "columns": "differ from the result"}
    return Reproduction(score.id, card.version, score.result, recomputed)


async def reproduce(session: AsyncSession, score_id: int) -> Reproduction:
    """Recompute score ``score_id`` from its stored inputs and scorecard version.

    The result must equal what was stored, whatever evidence or scorecard versions were
    added since; ``Reproduction.equal`` says whether it does.
    """
    score = await get_or_not_found(session, Score, score_id, field="scoreId", message="no such score")
    card = await session.scalar(select(Scorecard).where(Scorecard.id == score.scorecard_id))
    return reproduction(score, card)


# -- portrait --------------------------------------------------------------------------


def percentile(value: float, peers: list[float]) -> float | None:
    """The share (0-100) of ``peers`` scoring at most ``value`` (the enterprise included)."""
    if not peers:
        return None
    return round(100 * sum(1 for p in peers if p <= value) / len(peers), 1)


def peer_scores_statement(categories: Iterable[str]):
    """(category, current score) of the street's enterprises not closed, in ``categories``."""
    return (
        select(Enterprise.category, Score.value)
        .join(Score, Score.id == Enterprise.current_score_id)
        .where(Enterprise.category.in_(list(categories)), Enterprise.status != "CLOSED")
    )


async def count_enterprises(session: AsyncSession) -> int:
    """How many enterprises the street has."""
    return await session.scalar(select(func.count()).select_from(Enterprise))


def score_statement(score_id: int):
    """A select of one stored score."""
    return select(Score).where(Score.id == score_id)
