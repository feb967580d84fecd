"""The mediation plugin's declaration and hook implementations."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from core.hookspecs import hookimpl
from core.plugins import PluginInfo


class Settings(BaseModel):
    """Per-street settings of the mediation plugin."""

    model_config = {"extra": "forbid"}

    file_store: str = "var/mediation-files"
    """Directory of the local file store holding attachments."""
    max_attachment_bytes: int = 5_000_000
    """Largest attachment accepted."""
    escalation_recipients: tuple[str, ...] = ("grid_worker", "police_liaison")
    """Who is notified when a dispute risks turning violent."""


PLUGIN = PluginInfo(
    name="mediation",
    version="0.1.0",
    title="People's mediation studios and rectification task forces",
    settings=Settings,
    description="调解工作室 (三和交流室, 潘大姐工作室, 老傅调解室 …): disputes from intake to a signed "
    "agreement, judicial confirmation and return visits (People's Mediation Law, 2010); "
    "multi-department rectification task forces (整治专班) and their findings.",
)

PERMISSIONS = {
    "mediation.case.read": "See mediation cases one may see (studio members: their studio's; parties: their own)",
    "mediation.case.read_all": "See every mediation case of the street",
    "mediation.case.open": "Open a case (residents: apply for mediation of their own dispute)",
    "mediation.case.manage": "Move cases, assign mediators, record sessions, agreements and visits",
    "mediation.case.escalate": "Flag a dispute at risk of turning violent",
    "mediation.agreement.sign": "Sign an agreement (parties: for themselves; the mediator: as mediator)",
    "mediation.studio.manage": "Create studios and appoint their mediators",
    "mediation.taskforce.read": "See task forces, findings and their progress",
    "mediation.taskforce.manage": "Create task forces, record findings and their rectification",
}

MEDIATOR_GRANTS = [
    "mediation.case.read",
    "mediation.case.open",
    "mediation.case.manage",
    "mediation.case.escalate",
    "mediation.agreement.sign",
    "mediation.taskforce.read",
]
GRANTS = {
    "mediator": MEDIATOR_GRANTS,
    "community_worker": [*MEDIATOR_GRANTS, "mediation.case.read_all", "mediation.studio.manage", "mediation.taskforce.manage"],
    "grid_worker": ["mediation.taskforce.read"],
    "inspector": ["mediation.taskforce.read"],
    "resident": ["mediation.case.read", "mediation.case.open", "mediation.agreement.sign"],
}


@hookimpl
def jiedao_models(register):
    """Studios, cases and their parts, agreements, task forces and findings."""
    from plugins.mediation.models import MODELS

    register.models(*MODELS)


@hookimpl
def jiedao_migrations(register):
    """The ``mediation`` Alembic branch, depending on core's first revision."""
    register.migrations(Path(__file__).parent / "migrations")


@hookimpl
def jiedao_permissions(register):
    """Case, studio and task-force permissions; residents may apply and sign for themselves."""
    register.permissions(PERMISSIONS, grants=GRANTS)


@hookimpl
def jiedao_schema(register):
    """Queries, mutations, node types, and ``Building.cases``, ``Building.findings``, ``Resident.cases``."""
    from plugins.mediation import graphql, mutations

    register.query(graphql.MediationQuery)
    register.mutation(mutations.MediationMutation)
    register.types(graphql.Case, graphql.Studio, graphql.Finding, graphql.TaskForce)
    register.extend("Building", graphql.BuildingMediation)
    register.extend("Resident", graphql.ResidentMediation)


@hookimpl
def jiedao_metrics(register):
    """Cases by state and category, agreement rate, overdue cases, findings rectified; the
    per-building signal of disputes and findings."""
    from plugins.mediation.metrics import METRICS, SIGNALS

    register.metrics(*METRICS)
    register.signals(*SIGNALS)


@hookimpl
def jiedao_seed(register):
    """The four Changqing studios, a year of cases, and the 东清大厦 task force's 110 findings."""
    from plugins.mediation.seed import seed

    register.seed(seed)


@hookimpl
def jiedao_cli(register):
    """``jiedao mediation follow-up --street S``."""
    from plugins.mediation.cli import mediation

    register.cli(mediation)
