"""The rules of volunteer service, with no GraphQL in them, and the figures it publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, Metric, now, registry
from jiedao.api.domain import MetricKind
from jiedao_volunteer.models import Member, Participation, ServiceEvent, Team

MAX_HOURS_PER_SERVICE = Decimal(12)


@dataclass(frozen=True)
class Attendance:
    resident_id: int
    hours: Decimal


async def create_team(session: AsyncSession, name: str, service_day: str = "") -> Team:
    """A new team; names are unique in a street."""
    name = name.strip()
    if not name:
        raise DomainError("A team needs a name.", code="REQUIRED", field="name")
    if await session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise DomainError(f"There is already a team called {name}.", code="DUPLICATE", field="name")
    team = Team(name=name, service_day=service_day.strip(), created_at=now())
    session.add(team)
    await session.flush()
    return team


async def add_member(session: AsyncSession, team_id: int, resident_id: int) -> Member:
    """Enrol a resident of the street in a team (once)."""
    if await session.get(Team, team_id) is None:
        raise DomainError("No such team.", code="NOT_FOUND", field="teamId")
    if await session.scalar(select(registry.Resident.id).where(registry.Resident.id == resident_id)) is None:
        raise DomainError("No such resident in this street.", code="NOT_FOUND", field="residentId")
    if await session.scalar(select(Member.id).where(Member.team_id == team_id, Member.resident_id == resident_id)):
        raise DomainError("Already a member of this team.", code="DUPLICATE", field="residentId")
    member = Member(team_id=team_id, resident_id=resident_id, joined_at=now())
    session.add(member)
    await session.flush()
    return member


async def record_service(
    session: AsyncSession, team_id: int, title: str, held_at: datetime, attendance: list[Attendance], building_id: int | None = None
) -> ServiceEvent:
    """Record a service and the hours of each participant; every participant must be a member."""
    if not title.strip():
        raise DomainError("A service needs a title.", code="REQUIRED", field="title")
    if not attendance:
        raise DomainError("List who took part.", code="REQUIRED", field="participants")
    if held_at.tzinfo is None:
        held_at = held_at.replace(tzinfo=UTC)
    if held_at > now():
        raise DomainError("A service cannot be recorded before it happens.", code="BAD_INPUT", field="heldAt")
    if building_id is not None and await session.scalar(select(registry.Building.id).where(registry.Building.id == building_id)) is None:
        raise DomainError("No such building in this street.", code="NOT_FOUND", field="buildingId")
    members = set((await session.scalars(select(Member.resident_id).where(Member.team_id == team_id))).all())
    seen: set[int] = set()
    for entry in attendance:
        if entry.resident_id not in members:
            raise DomainError("Only members of the team can be recorded.", code="NOT_A_MEMBER", field="participants")
        if entry.resident_id in seen:
            raise DomainError("A participant is listed twice.", code="DUPLICATE", field="participants")
        if not Decimal(0) < entry.hours <= MAX_HOURS_PER_SERVICE:
            raise DomainError(f"Hours must be between 0 and {MAX_HOURS_PER_SERVICE}.", code="BAD_INPUT", field="participants")
        seen.add(entry.resident_id)
    event = ServiceEvent(team_id=team_id, title=title.strip(), held_at=held_at, building_id=building_id)
    session.add(event)
    await session.flush()
    session.add_all(
        [Participation(event_id=event.id, resident_id=e.resident_id, minutes=int(e.hours * 60)) for e in attendance]
    )
    await session.flush()
    return event


METRICS = (
    Metric(
        key="volunteer.services.held",
        title_zh="志愿服务次数",
        title_en="Volunteer services",
        kind=MetricKind.COUNTER,
        source=lambda: select(ServiceEvent.held_at.label("at")),
    ),
    Metric(
        key="volunteer.hours.served",
        title_zh="志愿服务时长",
        title_en="Volunteer hours",
        unit="h",
        kind=MetricKind.COUNTER,
        source=lambda: select(ServiceEvent.held_at.label("at"), (Participation.minutes / 60.0).label("value")).join(
            Participation, Participation.event_id == ServiceEvent.id
        ),
    ),
)
"""The cockpit figures: services held and hours served."""
