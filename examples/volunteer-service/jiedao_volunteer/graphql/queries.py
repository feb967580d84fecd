"""The queries of volunteer service: its teams, and its services page by page."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from jiedao.api import allow, Connection, read_page
from jiedao_volunteer.graphql.types import ServiceType, TeamType
from jiedao_volunteer.models import ServiceEvent, Team

READ = allow("core.registry.read")


@strawberry.type
class VolunteerQuery:
    @strawberry.field(permission_classes=READ)
    async def volunteer_teams(self, info: strawberry.Info) -> list[TeamType]:
        return await info.context.scalars(select(Team).order_by(Team.id))

    @strawberry.field(permission_classes=READ)
    async def volunteer_services(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[ServiceType]:
        return await read_page(info, select(ServiceEvent), first, after)
