"""The mutations of volunteer service, each run by Jiedao's one mutation runner."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from jiedao.api import mutation, node_id, payload, Write
from jiedao_volunteer import service
from jiedao_volunteer.graphql.types import ServiceType, TeamType
from jiedao_volunteer.models import Team

MANAGE = "volunteer.service.manage"


@strawberry.input
class CreateVolunteerTeamInput:
    name: str
    service_day: str = ""


@strawberry.input
class AddVolunteerInput:
    team_id: strawberry.ID = node_id("VolunteerTeam")
    resident_id: strawberry.ID = node_id("Resident")


@strawberry.input
class ParticipantInput:
    resident_id: strawberry.ID = node_id("Resident")
    hours: float


@strawberry.input
class RecordVolunteerServiceInput:
    team_id: strawberry.ID = node_id("VolunteerTeam")
    title: str
    held_at: datetime
    participants: list[ParticipantInput]
    building_id: strawberry.ID | None = node_id("Building", default=None)


TeamPayload = payload("VolunteerTeamPayload", team=TeamType)
ServicePayload = payload("VolunteerServicePayload", service=ServiceType)


@strawberry.type
class VolunteerMutation:
    @mutation(TeamPayload, permission=MANAGE, audit="volunteer.team.created")
    async def create_volunteer_team(w: Write, input: CreateVolunteerTeamInput):
        return await service.create_team(w.session, input.name, input.service_day)

    @mutation(TeamPayload, permission=MANAGE, audit="volunteer.member.added")
    async def add_volunteer(w: Write, input: AddVolunteerInput):
        await service.add_member(w.session, input.team_id, input.resident_id)
        return await w.session.get(Team, input.team_id)

    @mutation(ServicePayload, permission=MANAGE, audit="volunteer.service.recorded")
    async def record_volunteer_service(w: Write, input: RecordVolunteerServiceInput):
        attendance = [service.Attendance(p.resident_id, Decimal(str(p.hours))) for p in input.participants]
        return await service.record_service(w.session, input.team_id, input.title, input.held_at, attendance, input.building_id)
