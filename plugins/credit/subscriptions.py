"""Evidence received from other plugins through domain events (never imports).

``mediation.finding.created`` - a rectification task force found a violation. The payload
is read defensively: ``finding_id`` (required), and to find the enterprise either
``licence_no``, or ``unit_id`` (every enterprise in that unit), or ``building_id`` when
exactly one enterprise is registered in the building; ``description``/``category``,
``created_on``/``deadline`` are kept as details. A finding matching no enterprise is
ignored; a finding already received is not counted twice.

``mediation.finding.status_changed`` with status ``verified`` - the rectification was
checked: the evidence is marked ``rectified`` (the default scorecard then counts it less)
and the enterprise is recomputed.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import select

from plugins.credit import service
from plugins.credit.models import Enterprise, Evidence

log = logging.getLogger("jiedao.credit")


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return service.today()


async def targets(session, payload: dict[str, Any]) -> list[Enterprise]:
    """The enterprises a finding is about."""
    if payload.get("licence_no"):
        return list(await session.scalars(select(Enterprise).where(Enterprise.licence_no == payload["licence_no"])))
    if payload.get("unit_id"):
        found = list(await session.scalars(select(Enterprise).where(Enterprise.unit_id == payload["unit_id"])))
        if found:
            return found
    if payload.get("building_id"):
        found = list(await session.scalars(select(Enterprise).where(Enterprise.building_id == payload["building_id"]).limit(2)))
        return found if len(found) == 1 else []
    return []


async def on_finding_created(event) -> None:
    """Record a RECTIFICATION evidence item for each enterprise concerned and recompute it."""
    payload = event.payload
    if payload.get("finding_id") is None:
        log.warning("mediation.finding.created without finding_id ignored")
        return
    kernel = event.kernel
    computed = []
    async with kernel.db.transaction(event.street_id) as session:
        for enterprise in await targets(session, payload):
            ref = f"mediation:finding:{payload['finding_id']}:{enterprise.id}"
            if await session.scalar(select(Evidence.id).where(Evidence.external_ref == ref)) is not None:
                continue
            details = {k: payload.get(k) for k in ("finding_id", "category", "department", "deadline") if payload.get(k) is not None}
            details["rectified"] = payload.get("status") == "verified"
            details = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in details.items()}
            occurred = _day(payload.get("created_on") or payload.get("created_at"))
            await service.add_evidence(
                session, enterprise, "RECTIFICATION", occurred, details, service.Actor(None, "mediation"),
                summary=str(payload.get("description") or "")[:500], source="mediation", external_ref=ref,
            )
            computed.append(await service.compute(session, enterprise, trigger=f"mediation:{payload['finding_id']}"))
    for score in computed:
        await kernel.events.emit(event.street, "credit.score.computed", enterprise_id=score.enterprise_id, score_id=score.id,
                                 value=score.value, risk_class=score.risk_class)


async def on_finding_status_changed(event) -> None:
    """A verified finding: mark its evidence rectified and recompute the enterprises concerned."""
    payload = event.payload
    if payload.get("status") != "verified" or payload.get("finding_id") is None:
        return
    kernel = event.kernel
    computed = []
    async with kernel.db.transaction(event.street_id) as session:
        prefix = f"mediation:finding:{payload['finding_id']}:"
        for evidence in await session.scalars(select(Evidence).where(Evidence.external_ref.like(prefix + "%"))):
            if evidence.details.get("rectified"):
                continue
            evidence.details = {**evidence.details, "rectified": True}
            enterprise = await session.scalar(select(Enterprise).where(Enterprise.id == evidence.enterprise_id))
            await session.flush()
            computed.append(await service.compute(session, enterprise, trigger=f"mediation:{payload['finding_id']}:verified"))
    for score in computed:
        await kernel.events.emit(event.street, "credit.score.computed", enterprise_id=score.enterprise_id, score_id=score.id,
                                 value=score.value, risk_class=score.risk_class)
