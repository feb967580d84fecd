"""GraphQL of volunteer service: teams, services, and ``Resident.volunteerHours``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import strawberry
from sqlalchemy import func, select

from core.errors import DomainError
from core.graphql import Resident
from core.models import Resident as ResidentRow
from schema.connection import Connection, paginate
from schema.errors import UserError, user_errors
from schema.ids import decode_id_of
from schema.loaders import by_id, children, through
from schema.node import Node, node_type
from schema.permissions import allow
from jiedao_volunteer import service
from jiedao_volunteer.models import Member, Participation, ServiceEvent, Team

REGISTRY = "core.registry.read"
READ = allow(REGISTRY)
MANAGE = allow("volunteer.service.manage")


@node_type(Team, read=REGISTRY)
@strawberry.type(name="VolunteerTeam", description="A volunteer team, e.g. 春燕服务队.")
class TeamType(Node):
    name: str
    service_day: str

    @strawberry.field(permission_classes=allow("core.residents.read"))
    async def members(self, info: strawberry.Info) -> list[Resident]:
        return await through(info.context, Member.team_id, Member.resident_id, ResidentRow).load(self.id)


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
class VolunteerQuery:
    @strawberry.field(permission_classes=READ)
    async def volunteer_teams(self, info: strawberry.Info) -> list[TeamType]:
        return await info.context.scalars(select(Team).order_by(Team.id))

    @strawberry.field(permission_classes=READ)
    async def volunteer_services(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[ServiceType]:
        return await paginate(info.context, select(ServiceEvent), first, after)


@strawberry.input
class CreateVolunteerTeamInput:
    name: str
    service_day: str = ""


@strawberry.type
class VolunteerTeamPayload:
    team: TeamType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddVolunteerInput:
    team_id: strawberry.ID
    resident_id: strawberry.ID


@strawberry.input
class ParticipantInput:
    resident_id: strawberry.ID
    hours: float


@strawberry.input
class RecordVolunteerServiceInput:
    team_id: strawberry.ID
    title: str
    held_at: datetime
    participants: list[ParticipantInput]
    building_id: strawberry.ID | None = None


@strawberry.type
class VolunteerServicePayload:
    service: ServiceType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VolunteerMutation:
    @strawberry.mutation(permission_classes=MANAGE)
    async def create_volunteer_team(self, info: strawberry.Info, input: CreateVolunteerTeamInput) -> VolunteerTeamPayload:
        try:
            team = await info.context.write(lambda s: service.create_team(s, input.name, input.service_day))
        except DomainError as error:
            return VolunteerTeamPayload(errors=user_errors(error))
        return VolunteerTeamPayload(team=team)

    @strawberry.mutation(permission_classes=MANAGE)
    async def add_volunteer(self, info: strawberry.Info, input: AddVolunteerInput) -> VolunteerTeamPayload:
        try:
            team_id = decode_id_of(input.team_id, "VolunteerTeam", "teamId")
            resident_id = decode_id_of(input.resident_id, "Resident", "residentId")
            await info.context.write(lambda s: service.add_member(s, team_id, resident_id))
            team = await info.context.scalar(select(Team).where(Team.id == team_id))
        except DomainError as error:
            return VolunteerTeamPayload(errors=user_errors(error))
        return VolunteerTeamPayload(team=team)

    @strawberry.mutation(permission_classes=MANAGE)
    async def record_volunteer_service(self, info: strawberry.Info, input: RecordVolunteerServiceInput) -> VolunteerServicePayload:
        try:
            team_id = decode_id_of(input.team_id, "VolunteerTeam", "teamId")
            building_id = decode_id_of(input.building_id, "Building", "buildingId") if input.building_id else None
            attendance = [
                service.Attendance(decode_id_of(p.resident_id, "Resident", "participants"), Decimal(str(p.hours))) for p in input.participants
            ]
            event = await info.context.write(
                lambda s: service.record_service(s, team_id, input.title, input.held_at, attendance, building_id)
            )
        except DomainError as error:
            return VolunteerServicePayload(errors=user_errors(error))
        return VolunteerServicePayload(service=event)


@strawberry.type
class ResidentVolunteering:
    """Fields volunteer service adds to Resident; ``self`` is the resident's row."""

    @strawberry.field(description="Hours this resident has served as a volunteer.")
    async def volunteer_hours(self, info: strawberry.Info) -> float:
        return await hours_by_resident(info.context).load(self.id)
