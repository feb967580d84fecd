"""Task-force findings in the kernel's work-item loop (事项闭环).

Each finding opens one work item (source ``TASK_FORCE``, subject the finding's global ID, place
its building, due at the end of the finding's deadline day) for the department organisation
responsible for it: the street's organisation of kind ``DEPARTMENT`` whose code is the
finding's department ("fire") or whose name contains its Chinese name ("消防"). When the street
has no such organisation the item waits ``NEW`` for street staff to dispatch, the department
named in its title.

Both directions close the loop, with the finding's status as the record:

- the department's member resolves the work item → the finding becomes ``rectified``
  (passing ``notified`` when it was still ``open``), the resolution note as its evidence;
- the task force marks the finding rectified in mediation (``moveFinding``) → its work item,
  when still open, is closed through the kernel with a timeline step naming ``mediation``.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api.domain import CHINA
from jiedao.api.graphql import encode_global_id
from jiedao.api.organisations import organisation_named, OrganisationKind
from jiedao.api.work import close_work_item, open_work_item, work_item_for, WorkSource
from jiedao.plugins.mediation.models import Finding, TaskForce

CATEGORY = "inspection"
"""The work-item category of a finding (its SLA only matters when no deadline is given)."""

DEPARTMENT_NAMES = {
    "fire": ("消防",),
    "housing": ("住建", "房管"),
    "emergency": ("应急",),
    "police": ("派出所", "公安"),
    "justice": ("司法",),
    "law_enforcement": ("城管", "综合执法"),
}
"""The Chinese names a department organisation of each finding department carries."""

CATEGORY_NAMES = {
    "illegal_construction": "违法建设",
    "blocked_fire_exit": "消防通道堵塞",
    "occupied_common_area": "占用公共部位",
    "electrical_hazard": "电气隐患",
    "other": "其他",
}
CLOSED_STATES = ("CONFIRMED", "CLOSED")


def department_label(department: str) -> str:
    """The Chinese name of a finding's department ("消防"), or the code itself."""
    return DEPARTMENT_NAMES.get(department, (department,))[0]


def subject_of(finding: Finding) -> str:
    """The global ID naming ``finding`` as a work item's subject."""
    return encode_global_id("Finding", finding.id)


async def open_finding_work_items(session: AsyncSession, findings: list[Finding]) -> None:
    """Open one work item per finding (in the caller's transaction: the findings and their
    items are recorded together or not at all)."""
    if not findings:
        return
    names = dict((await session.execute(select(TaskForce.id, TaskForce.name).where(TaskForce.id.in_({f.task_force_id for f in findings})))).all())
    departments: dict[str, tuple[int, str] | None] = {}
    for finding in findings:
        if finding.department not in departments:
            candidates = (finding.department, *DEPARTMENT_NAMES.get(finding.department, ()))
            departments[finding.department] = await organisation_named(session, OrganisationKind.DEPARTMENT, candidates)
        organisation = departments[finding.department]
        where = finding.location or finding.description or ""
        title = f"【{department_label(finding.department)}】{names[finding.task_force_id]}：{CATEGORY_NAMES.get(finding.category, finding.category)} {where}".strip()
        await open_work_item(
            session, subject=subject_of(finding), title=title[:200], category=CATEGORY, source=WorkSource.TASK_FORCE,
            building_id=finding.building_id, unit_id=finding.unit_id, assignee_org=organisation[0] if organisation else None,
            due=datetime.combine(finding.deadline, time(23, 59, 59), tzinfo=CHINA),
        )


async def close_for_rectified(session: AsyncSession, finding: Finding) -> None:
    """The finding was marked rectified in mediation: close its work item if still open."""
    item = await work_item_for(session, subject_of(finding))
    if item is None or item.state in CLOSED_STATES:
        return
    evidence = "；".join(finding.evidence[-3:])
    await close_work_item(session, item.id, by="mediation", note=f"整改完成（专班确认）：{evidence}"[:2000])
