"""Evidence received from other plugins through domain events (never imports).

The events are the mediation plugin's typed events, read by attribute (credit never imports
mediation); the optional attributes are read with ``getattr(..., None)`` so a publisher that
leaves one out still works.

``mediation.finding.created`` - a rectification task force found a violation. It is read
defensively: ``finding_id`` (required), and to find the enterprise either
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

from jiedao.api import Delivery, today
from jiedao.plugins.credit import service
from jiedao.plugins.credit.events import ScoreComputed
from jiedao.plugins.credit.models import Enterprise, Evidence

log = logging.getLogger("jiedao.credit")


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return today()


def _get(event: Any, key: str) -> Any:
    """The attribute ``key`` of ``event``, or None when the publisher does not set it."""
    return getattr(event, key, None)


async def targets(session, event: Any) -> list[Enterprise]:
    """The enterprises a finding is about."""
    if licence_no := _get(event, "licence_no"):
        return list(await session.scalars(select(Enterprise).where(Enterprise.licence_no == licence_no)))
    if unit_id := _get(event, "unit_id"):
        found = list(await session.scalars(select(Enterprise).where(Enterprise.unit_id == unit_id)))
        if found:
            return found
    if building_id := _get(event, "building_id"):
        found = list(await session.scalars(select(Enterprise).where(Enterprise.building_id == building_id).limit(2)))
        return found if len(found) == 1 else []
    return []


async def on_finding_created(event: Any, delivery: Delivery) -> None:
    """Record a RECTIFICATION evidence item for each enterprise concerned and recompute it."""
    finding_id = _get(event, "finding_id")
    if finding_id is None:
        log.warning("mediation.finding.created without finding_id ignored")
        return
    computed = []
    async with delivery.kernel.db.transaction(delivery.street_id) as session:
        for enterprise in await targets(session, event):
            ref = f"mediation:finding:{finding_id}:{enterprise.id}"
            if await session.scalar(select(Evidence.id).where(Evidence.external_ref == ref)) is not None:
                continue
            details = {k: _get(event, k) for k in ("finding_id", "category", "department", "deadline") if _get(event, k) is not None}
            details["rectified"] = _get(event, "status") == "verified"
            details = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in details.items()}
            occurred = _day(_get(event, "created_on") or _get(event, "created_at"))
            await service.add_evidence(
                session, enterprise, "RECTIFICATION", occurred, details, service.Actor(None, "mediation"),
                summary=str(_get(event, "description") or "")[:500], source="mediation", external_ref=ref,
            )
            computed.append(await service.compute(session, enterprise, trigger=f"mediation:{finding_id}"))
    for score in computed:
        await delivery.kernel.events.publish(delivery.street, ScoreComputed.of(score))


async def on_finding_status_changed(event: Any, delivery: Delivery) -> None:
    """A verified finding: mark its evidence rectified and recompute the enterprises concerned."""
    finding_id = _get(event, "finding_id")
    if _get(event, "status") != "verified" or finding_id is None:
        return
    computed = []
    async with delivery.kernel.db.transaction(delivery.street_id) as session:
        prefix = f"mediation:finding:{finding_id}:"
        for evidence in await session.scalars(select(Evidence).where(Evidence.external_ref.like(prefix + "%"))):
            if evidence.details.get("rectified"):
                continue
            evidence.details = {**evidence.details, "rectified": True}
            enterprise = await session.scalar(select(Enterprise).where(Enterprise.id == evidence.enterprise_id))
            await session.flush()
            computed.append(await service.compute(session, enterprise, trigger=f"mediation:{finding_id}:verified"))
    for score in computed:
        await delivery.kernel.events.publish(delivery.street, ScoreComputed.of(score))
