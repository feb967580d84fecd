"""A task force's progress as a public notice (公示) of its compound: findings rectified out of
all, in total and by department. The task force keeps one live progress notice (the kernel's
``replace=True``): an unchanged count keeps it, a changed one replaces it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, registry
from jiedao.api.graphql import encode_global_id
from jiedao.api.notices import publish_notice
from jiedao.plugins.mediation.models import TaskForce
from jiedao.plugins.mediation.service.finding_work import department_label
from jiedao.plugins.mediation.service.taskforces import progress
from jiedao.plugins.mediation.states import FindingStatus

DONE = (FindingStatus.RECTIFIED.value, FindingStatus.VERIFIED.value)
"""A finding counts as rectified once it is rectified or verified."""


def progress_body(name: str, by_department: dict[str, tuple[int, int]]) -> str:
    """The notice's text: total rectified/total, then one line per department."""
    done = sum(d for d, _ in by_department.values())
    total = sum(t for _, t in by_department.values())
    lines = [f"{name}共发现问题 {total} 处，已整改 {done} 处，整改率 {done * 100 // total if total else 0}%。", "分部门整改情况："]
    lines += [f"· {department_label(dept)}：已整改 {d} / 共 {t} 处" for dept, (d, t) in sorted(by_department.items())]
    return "\n".join(lines)


async def publish_progress(session: AsyncSession, task_force_id: int):
    """Publish (or keep, when unchanged) the task force's progress notice in its compound;
    returns the live notice (None when the task force has no findings yet)."""
    task_force = await session.scalar(select(TaskForce).where(TaskForce.id == task_force_id))
    if task_force is None:
        raise DomainError("No such task force.", code="NOT_FOUND", field="taskForceId")
    by_department: dict[str, tuple[int, int]] = {}
    for row in (await progress(session, [task_force_id]))[task_force_id]:
        done, total = by_department.get(row.department, (0, 0))
        by_department[row.department] = (done + sum(row.counts[s] for s in DONE), total + row.total)
    if not by_department:
        raise DomainError("The task force has no findings to report yet.", code="MISSING_CONTENT", field="taskForceId")
    compound = await session.scalar(select(registry.Compound).where(registry.Compound.id == task_force.compound_id))
    return await publish_notice(
        session, scope=compound, kind="publicity", title=f"{task_force.name}整改进展公示", body=progress_body(task_force.name, by_department),
        subject=encode_global_id("TaskForce", task_force.id), publisher="mediation", replace=True,
    )
