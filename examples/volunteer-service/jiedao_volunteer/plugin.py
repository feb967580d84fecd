"""Volunteer service (志愿服务): teams such as 春燕服务队, their services and hours."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select

from core.hookspecs import hookimpl
from core.metrics import Metric, MetricKind
from core.plugins import PluginInfo


class Settings(BaseModel):
    """Per-street settings, from ``[streets.<slug>.volunteer]`` in plugins.toml."""

    model_config = {"extra": "forbid"}
    default_service_day: str = "周六"


PLUGIN = PluginInfo(
    name="volunteer",
    version="0.1.0",
    title="志愿服务 Volunteer service",
    settings=Settings,
    jiedao=">=0.1",
)


@hookimpl
def jiedao_models(register):
    """Teams, members, services and participations."""
    from jiedao_volunteer.models import MODELS

    register.models(*MODELS)


@hookimpl
def jiedao_migrations(register):
    """The plugin's Alembic branch, labelled 'volunteer'."""
    register.migrations(Path(__file__).parent / "migrations")


@hookimpl
def jiedao_permissions(register):
    """Community workers run the teams."""
    register.permissions(
        {"volunteer.service.manage": "Create teams, enrol volunteers, record services"},
        grants={"community_worker": ["volunteer.service.manage"]},
    )


@hookimpl
def jiedao_schema(register):
    """Teams and services, and ``Resident.volunteerHours``."""
    from jiedao_volunteer.graphql import ResidentVolunteering, VolunteerMutation, VolunteerQuery

    register.query(VolunteerQuery)
    register.mutation(VolunteerMutation)
    register.extend("Resident", ResidentVolunteering)


@hookimpl
def jiedao_cli(register):
    """``jiedao volunteer stats``."""
    from jiedao_volunteer.cli import commands

    register.cli(commands)


@hookimpl
def jiedao_metrics(register):
    """Services held and hours served, for the cockpit."""
    from jiedao_volunteer.models import Participation, ServiceEvent

    register.metrics(
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


@hookimpl
def jiedao_seed(register):
    """春燕服务队 with a year of weekly services, for the demo."""
    from jiedao_volunteer.seed import seed

    register.seed(seed)
