"""Rectification task forces (整治专班): campaigns over a compound, their findings, the
findings' status (open → notified → rectified → verified), progress, and disputes of a
finding turned into mediation cases. No GraphQL here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, registry, today
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.service.cases import CaseData, PartyData, PlaceData, open_case
from jiedao.plugins.mediation.models import Case, Finding, TaskForce
from jiedao.plugins.mediation.states import (
    CLOSED_STATES,
    Category,
    Department,
    FindingCategory,
    FindingStatus,
    PartyRole,
    Source,
    check_finding_move,
)

DISPUTE_CATEGORY = {
    FindingCategory.ILLEGAL_CONSTRUCTION: Category.RENOVATION,
    FindingCategory.BLOCKED_FIRE_EXIT: Category.COMMON_AREA,
    FindingCategory.OCCUPIED_COMMON_AREA: Category.COMMON_AREA,
    FindingCategory.ELECTRICAL_HAZARD: Category.OTHER,
    FindingCategory.OTHER: Category.OTHER,
}
"""The case category of a disputed finding."""


class FindingsRejected(Exception):
    """Some findings of a bulk entry are wrong; nothing was written."""

    def __init__(self, problems: list[DomainError]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); no finding recorded")


async def create_task_force(session: AsyncSession, name: str, compound_id: int, departments: list[Department], started_on: date) -> TaskForce:
    """A task force over one compound with the departments taking part."""
    name = (name or "").strip()
    if not name:
        raise DomainError("The task force's name is required.", code="MISSING_CONTENT", field="name")
    if not departments:
        raise DomainError("Name the departments taking part.", code="MISSING_CONTENT", field="departments")
    if await session.scalar(select(registry.Compound.id).where(registry.Compound.id == compound_id)) is None:
        raise DomainError("No such compound.", code="NOT_FOUND", field="compoundId")
    if await session.scalar(select(TaskForce.id).where(TaskForce.name == name)):
        raise DomainError("A task force named '{name}' already exists.", code="DUPLICATE", field="name", name=name)
    task_force = TaskForce(
        name=name, compound_id=compound_id, departments=sorted({d.value for d in departments}), started_on=started_on, created_at=now()
    )
    session.add(task_force)
    await session.flush()
    return task_force


@dataclass(frozen=True)
class FindingData:
    """One violation to record."""

    building_id: int
    category: FindingCategory
    department: Department
    deadline: date
    unit_id: int | None = None
    location: str = ""
    description: str = ""
    evidence: tuple[str, ...] = ()


async def add_findings(session: AsyncSession, task_force_id: int, items: list[FindingData], *, allow_past: bool = False) -> list[Finding]:
    """Record findings all together: every item is checked first; one bad item records none.

    Raises ``FindingsRejected`` listing every problem (``field`` is ``findings.N.name``).
    ``allow_past`` is for importing historical campaigns (the demo seed).
    """
    task_force = await session.scalar(select(TaskForce).where(TaskForce.id == task_force_id))
    if task_force is None:
        raise DomainError("No such task force.", code="NOT_FOUND", field="taskForceId")
    if not items:
        raise DomainError("No findings given.", code="MISSING_CONTENT", field="findings")
    buildings = set(await session.scalars(select(registry.Building.id).where(registry.Building.compound_id == task_force.compound_id)))
    unit_ids = {i.unit_id for i in items if i.unit_id is not None}
    units = dict((await session.execute(select(registry.Unit.id, registry.Unit.building_id).where(registry.Unit.id.in_(unit_ids)))).all()) if unit_ids else {}
    problems: list[DomainError] = []
    on = today()
    for n, item in enumerate(items):
        where = f"findings.{n}"
        if item.building_id not in buildings:
            problems.append(DomainError("Finding {n}: the building is not in the task force's compound.", code="NOT_FOUND", field=f"{where}.buildingId", n=n + 1))
        if item.unit_id is not None and units.get(item.unit_id) != item.building_id:
            problems.append(DomainError("Finding {n}: the unit is not in that building.", code="NOT_FOUND", field=f"{where}.unitId", n=n + 1))
        if item.unit_id is None and not item.location.strip():
            problems.append(DomainError("Finding {n}: give the unit or the common area.", code="MISSING_CONTENT", field=f"{where}.location", n=n + 1))
        if item.department.value not in task_force.departments:
            problems.append(
                DomainError("Finding {n}: department '{department}' is not in the task force.", code="DEPARTMENT_NOT_IN_TASK_FORCE", field=f"{where}.department",
                            n=n + 1, department=item.department.value)
            )
        if item.deadline < on and not allow_past:
            problems.append(DomainError("Finding {n}: the deadline {day} is in the past.", code="DEADLINE_IN_PAST", field=f"{where}.deadline", n=n + 1, day=item.deadline.isoformat()))
    if problems:
        raise FindingsRejected(problems)
    at = now()
    findings = [
        Finding(
            task_force_id=task_force_id,
            building_id=item.building_id,
            unit_id=item.unit_id,
            location=item.location.strip(),
            category=item.category.value,
            department=item.department.value,
            description=item.description.strip(),
            deadline=item.deadline,
            status=FindingStatus.OPEN.value,
            evidence=[e for e in item.evidence if e.strip()],
            created_at=at,
            status_changed_at=at,
        )
        for item in items
    ]
    session.add_all(findings)
    await session.flush()
    return findings


async def move_finding(session: AsyncSession, finding_id: int, target: FindingStatus, evidence: list[str] = ()) -> Finding:
    """Move a finding along open → notified → rectified → verified (rectified → notified when
    verification fails). Marking it rectified needs evidence."""
    finding = await session.scalar(select(Finding).where(Finding.id == finding_id))
    if finding is None:
        raise DomainError("No such finding.", code="NOT_FOUND", field="findingId")
    check_finding_move(finding.status, target)
    added = [e.strip() for e in evidence if e.strip()]
    if target is FindingStatus.RECTIFIED and not (finding.evidence or added):
        raise DomainError("Attach evidence (photo or inspection record reference) of the rectification.", code="EVIDENCE_REQUIRED", field="evidence")
    at = now()
    finding.status = target.value
    finding.status_changed_at = at
    if added:
        finding.evidence = [*finding.evidence, *added]
    if target is FindingStatus.RECTIFIED:
        finding.rectified_at = at
    if target is FindingStatus.VERIFIED:
        finding.verified_at = at
    await session.flush()
    return finding


async def dispute_finding(session: AsyncSession, actor: Actor, finding_id: int, resident_id: int, studio_id: int, description: str) -> Case:
    """The owner disputes a finding: a mediation case referred by the task force."""
    finding = await session.scalar(select(Finding).where(Finding.id == finding_id))
    if finding is None:
        raise DomainError("No such finding.", code="NOT_FOUND", field="findingId")
    if finding.status == FindingStatus.VERIFIED.value:
        raise DomainError("The finding is already verified as rectified.", code="INVALID_STATE", field="findingId")
    if finding.unit_id is not None:
        owns = await session.scalar(select(registry.Ownership.id).where(registry.Ownership.unit_id == finding.unit_id, registry.Ownership.resident_id == resident_id))
        if owns is None:
            raise DomainError("Only an owner of the unit can dispute this finding.", code="NOT_THE_OWNER", field="residentId")
    disputing = await session.scalar(
        select(Case.id).where(Case.finding_id == finding_id, Case.state.not_in([s.value for s in CLOSED_STATES]))
    )
    if disputing is not None:
        raise DomainError("A case about this finding is already open.", code="ALREADY_DISPUTED", field="findingId")
    task_force = await session.scalar(select(TaskForce).where(TaskForce.id == finding.task_force_id))
    data = CaseData(
        title=f"{task_force.name}: 对整改事项有异议（{finding.location or '本户'}）",
        category=DISPUTE_CATEGORY[FindingCategory(finding.category)],
        source=Source.TASK_FORCE_REFERRAL,
        studio_id=studio_id,
        parties=[PartyData(resident_id, PartyRole.APPLICANT)],
        places=[PlaceData(finding.building_id, finding.unit_id)],
        description=description,
        referred_by=task_force.name,
        finding_id=finding.id,
    )
    return await open_case(session, actor, data)


@dataclass
class ProgressRow:
    """Findings of one department and category, counted by status."""

    department: str
    category: str
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in FindingStatus})
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@cache
def progress_statement() -> Select:
    """``(task force, department, category, status, count, overdue)`` of the findings of the
    task forces bound as ``task_force_ids``, grouped; ``overdue``: past the deadline (before the
    day bound as ``on``) and not yet rectified. Built once."""
    unresolved = Finding.status.in_([FindingStatus.OPEN.value, FindingStatus.NOTIFIED.value])
    return (
        select(
            Finding.task_force_id,
            Finding.department,
            Finding.category,
            Finding.status,
            func.count(),
            func.sum(case((and_(unresolved, Finding.deadline < bindparam("on")), 1), else_=0)),
        )
        .where(Finding.task_force_id.in_(bindparam("task_force_ids", expanding=True)))
        .group_by(Finding.task_force_id, Finding.department, Finding.category, Finding.status)
    )


def progress_values(task_force_ids: list[int], on: date | None = None) -> dict[str, Any]:
    """The values ``progress_statement`` binds: the task forces, and the day (default today)."""
    return {"task_force_ids": list(task_force_ids), "on": on or today()}


def progress_by_task_force(rows: Iterable[Sequence[Any]], task_force_ids: list[int]) -> dict[int, list[ProgressRow]]:
    """``progress_statement``'s rows folded into each task force's ``ProgressRow``s, by
    department and category."""
    folded: dict[tuple[int, str, str], ProgressRow] = {}
    for task_force_id, department, category, status, count, overdue in rows:
        row = folded.setdefault((task_force_id, department, category), ProgressRow(department, category))
        row.counts[status] += count
        row.overdue += int(overdue or 0)
    result: dict[int, list[ProgressRow]] = {i: [] for i in task_force_ids}
    for key in sorted(folded):
        result[key[0]].append(folded[key])
    return result


async def progress(session, task_force_ids: list[int], on: date | None = None) -> dict[int, list[ProgressRow]]:
    """Counts by department and category of each task force, in one grouped statement
    (``progress_statement``)."""
    rows = (await session.execute(progress_statement(), progress_values(task_force_ids, on))).all()
    return progress_by_task_force(rows, task_force_ids)
