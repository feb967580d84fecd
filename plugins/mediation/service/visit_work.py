"""Return visits (回访) in the kernel's work-item loop.

Under the People's Mediation Law the committee supervises the performance of an agreement; a
scheduled return visit is therefore a work item for the case's mediator (source
``RETURN_VISIT``, subject the visit's global ID, place the case's first building, due per the
street's service level for category ``return_visit``; no mediator yet → it waits ``NEW`` for
staff). Either side records it: the mediator resolving the work item records the visit (the
resolution note as what the visit found), and recording the visit in mediation closes the
work item with a timeline step naming ``mediation``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api.graphql import encode_global_id
from jiedao.api.work import close_work_item, open_work_item, work_item_for, WorkSource
from jiedao.plugins.mediation.models import Case, CasePlace, ReturnVisit

CATEGORY = "return_visit"
"""The work-item category (``[streets.X.work] sla_days = { return_visit = N }``)."""
CLOSED_STATES = ("CONFIRMED", "CLOSED")


def subject_of(visit: ReturnVisit) -> str:
    """The global ID naming ``visit`` as a work item's subject."""
    return encode_global_id("ReturnVisit", visit.id)


async def open_visit_work_item(session: AsyncSession, visit: ReturnVisit) -> None:
    """Open the work item of a newly scheduled return visit for the case's mediator."""
    case = await session.scalar(select(Case).where(Case.id == visit.case_id))
    building = await session.scalar(select(CasePlace.building_id).where(CasePlace.case_id == case.id).order_by(CasePlace.id).limit(1))
    await open_work_item(
        session, subject=subject_of(visit), title=f"回访（履行情况）：{case.title}"[:200], category=CATEGORY,
        source=WorkSource.RETURN_VISIT, building_id=building, assignee_user=case.mediator_user_id,
    )


async def close_for_recorded(session: AsyncSession, visit: ReturnVisit) -> None:
    """The visit was recorded in mediation: close its work item if still open."""
    item = await work_item_for(session, subject_of(visit))
    if item is None or item.state in CLOSED_STATES:
        return
    await close_work_item(session, item.id, by="mediation", note=f"回访已记录：{visit.notes}"[:2000])
