"""Demo data: 春燕服务队 and the corridor party branches' weekly services."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from jiedao.api import now, registry
from jiedao_volunteer import service
from jiedao_volunteer.models import Team


async def seed(session, street: str) -> None:
    """About 800 services over the last year; does nothing if the team exists."""
    if await session.scalar(select(Team.id).where(Team.name == "春燕服务队")):
        return
    residents = (await session.scalars(select(registry.Resident.id).where(registry.Resident.is_organisation.is_(False)).limit(60))).all()
    buildings = (await session.scalars(select(registry.Building.id).limit(40))).all()
    if not residents:
        return
    rng = random.Random(street)
    team = await service.create_team(session, "春燕服务队", "周六")
    for resident_id in residents:
        await service.add_member(session, team.id, resident_id)
    start = now() - timedelta(days=364)
    titles = ("楼道清理", "敬老助餐", "垃圾分类宣传", "消防隐患排查", "义诊服务", "邻里议事")
    for week in range(52):
        for _ in range(rng.randint(14, 17)):
            held = start + timedelta(days=7 * week + rng.randint(0, 6), hours=rng.randint(8, 16))
            people = rng.sample(residents, k=min(len(residents), rng.randint(2, 6)))
            attendance = [service.Attendance(r, service.Decimal(rng.choice((1, 1.5, 2, 3)))) for r in people]
            await service.record_service(session, team.id, rng.choice(titles), held, attendance, rng.choice(buildings) if buildings else None)
