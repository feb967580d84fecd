"""GraphQL types of volunteer service, and the field it adds to the core type Resident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry
from sqlalchemy import func, select

from jiedao.api import allow, by_id, children, Node, node_type, registry, types
from jiedao.api.graphql import through
from jiedao_volunteer.models import Member, Participation, ServiceEvent, Team

REGISTRY = "core.registry.read"


@node_type(Team, read=REGISTRY)
@strawberry.type(name="VolunteerTeam", description="A volunteer team, e.g. 春燕服务队.")
class TeamType(Node):
    name: str
    service_day: str

    @strawberry.field(permission_classes=allow("core.residents.read"))
    async def members(self, info: strawberry.Info) -> list[types.Resident]:
        return await through(info.context, Member.team_id, Member.resident_id, registry.Resident).load(self.id)


@node_type(ServiceEvent, read=REGISTRY)
@strawberry.type(name="VolunteerService", description="One service held by a team.")
class ServiceType(Node):
    title: str
    held_at: datetime

    @strawberry.field
    async def team(self, info: strawberry.Info) -> TeamType:
        return await by_id(info.context, Team).load(self.team_id)

    @strawberry.field(description="Hours served by all participants together.")
    async def hours(self, info: strawberry.Info) -> float:
        rows = await children(info.context, Participation.event_id).load(self.id)
        return sum(r.minutes for r in rows) / 60


def hours_by_resident(ctx):
    """Loader: total volunteer hours per resident id, one statement per request."""

    async def load(ids: Sequence[int]) -> list[float]:
        rows = await ctx.execute(
            select(Participation.resident_id, func.sum(Participation.minutes)).where(Participation.resident_id.in_(ids)).group_by(Participation.resident_id)
        )
        totals = dict(rows.all())
        return [(totals.get(i) or 0) / 60 for i in ids]

    return ctx.loader("volunteer.hours", load)


@strawberry.type
class ResidentVolunteering:
    """Fields volunteer service adds to Resident; ``self`` is the resident's row."""

    @strawberry.field(description="Hours this resident has served as a volunteer.")
    async def volunteer_hours(self, info: strawberry.Info) -> float:
        return await hours_by_resident(info.context).load(self.id)
