"""Volunteer service (志愿服务): teams such as 春燕服务队, their services and hours."""

from jiedao.api import hookimpl, PluginInfo
from jiedao_volunteer import cli, graphql, models, seed, service

PLUGIN = PluginInfo(
    name="volunteer", version="0.1.0", jiedao=">=0.1",
    title="志愿服务 Volunteer service",
    settings=models.Settings,
    permissions={"volunteer.service.manage": "Create teams, enrol volunteers, record services"},
    grants={"community_worker": ["volunteer.service.manage"]},
    models=models.MODELS,
    error_codes={"NOT_A_MEMBER": "Only members of the team can be recorded as taking part."},
    metrics=service.METRICS,  # services held and hours served, for the cockpit
)


@hookimpl
def jiedao_schema(register):
    """Teams and services, and ``Resident.volunteerHours``."""
    register.query(graphql.VolunteerQuery)
    register.mutation(graphql.VolunteerMutation)
    register.extend("Resident", graphql.ResidentVolunteering)


@hookimpl
def jiedao_cli(register):
    """``jiedao volunteer stats``."""
    register.cli(cli.commands)


@hookimpl
def jiedao_seed(register):
    """春燕服务队 with a year of weekly services, for the demo."""
    register.seed(seed.seed)
