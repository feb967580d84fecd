"""The kernel's work items back into mediation: when the department's member resolves a
finding's work item the finding becomes rectified (and the task force's progress notice is
renewed); when the mediator resolves a return visit's work item the visit is recorded.
Subscribed to ``core.work.item.state_changed`` (``action == "resolve"``), mapped through the
item's ``subject``."""

from __future__ import annotations

from sqlalchemy import select

from jiedao.api import today
from jiedao.api.domain import street_transaction
from jiedao.api.graphql import decode_global_id
from jiedao.api.work import work_item_for
from jiedao.plugins.mediation.events import FindingStatusChanged
from jiedao.plugins.mediation.models import Finding, ReturnVisit
from jiedao.plugins.mediation.service.progress_notice import publish_progress
from jiedao.plugins.mediation.service.taskforces import move_finding
from jiedao.plugins.mediation.states import FindingStatus


def _pk(subject: str, type_name: str) -> int | None:
    try:
        kind, pk = decode_global_id(subject)
    except Exception:  # noqa: BLE001 - a subject of another kind is simply not ours
        return None
    return int(pk) if kind == type_name else None


def _what_was_done(item) -> str:
    return (item.outcome_note or item.outcome or "").strip()


async def on_work_item_resolved(event, delivery) -> None:
    """On a work item's resolution: rectify its finding or record its return visit."""
    if event.action != "resolve":
        return
    if event.source == "TASK_FORCE" and (finding_id := _pk(event.subject, "Finding")) is not None:
        await _rectify(finding_id, event, delivery)
    elif event.source == "RETURN_VISIT" and (visit_id := _pk(event.subject, "ReturnVisit")) is not None:
        await _record_visit(visit_id, event, delivery)


async def _rectify(finding_id: int, event, delivery) -> None:
    announced = []
    async with street_transaction(delivery.kernel, delivery.street) as session:
        finding = await session.scalar(select(Finding).where(Finding.id == finding_id))
        if finding is None or finding.status not in (FindingStatus.OPEN.value, FindingStatus.NOTIFIED.value):
            return
        item = await work_item_for(session, event.subject)
        if finding.status == FindingStatus.OPEN.value:
            announced.append(FindingStatusChanged.of(await move_finding(session, finding_id, FindingStatus.NOTIFIED)))
        evidence = [f"工单 {event.work_item}：{_what_was_done(item)}"]
        announced.append(FindingStatusChanged.of(await move_finding(session, finding_id, FindingStatus.RECTIFIED, evidence)))
        await publish_progress(session, finding.task_force_id)
    for finding_event in announced:
        await delivery.kernel.events.publish(delivery.street, finding_event)


async def _record_visit(visit_id: int, event, delivery) -> None:
    async with street_transaction(delivery.kernel, delivery.street) as session:
        visit = await session.scalar(select(ReturnVisit).where(ReturnVisit.id == visit_id))
        if visit is None or visit.done_on is not None:
            return
        item = await work_item_for(session, event.subject)
        visit.notes = _what_was_done(item) or "回访完成"
        visit.done_on = today()
