"""The mediation plugin's declaration (permissions, grants, events, tables as data) and the
hooks that are code."""

from __future__ import annotations

from pydantic import BaseModel

from jiedao.api import hookimpl, PluginInfo
from jiedao.plugins.mediation.metrics import METRICS, SIGNALS
from jiedao.plugins.mediation.access import GRANTS, PERMISSIONS
from jiedao.plugins.mediation.errors import ERROR_CODES
from jiedao.plugins.mediation.events import EVENTS
from jiedao.plugins.mediation.models import MODELS


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
    permissions=PERMISSIONS,
    grants=GRANTS,
    events=EVENTS,
    models=MODELS,
    error_codes=ERROR_CODES,
    metrics=METRICS,
    signals=SIGNALS,
)


@hookimpl
def jiedao_schema(register):
    """Queries, mutations, subscriptions, node types, and ``Building.cases``, ``Building.findings``, ``Resident.cases``."""
    from jiedao.plugins.mediation.documents.graphql import DocumentsQuery
    from jiedao.plugins.mediation.graphql import queries, types
    from jiedao.plugins.mediation.graphql.mutations import MediationMutation

    register.query(queries.MediationQuery)
    register.query(DocumentsQuery)
    register.mutation(MediationMutation)
    register.types(types.Case, types.Studio, types.MediationCommittee, types.Finding, types.TaskForce)
    register.extend("Building", queries.BuildingMediation)
    register.extend("Resident", queries.ResidentMediation)
    from jiedao.plugins.mediation.graphql.live import MediationSubscription, watch_cases_and_task_forces

    register.subscription(MediationSubscription)  # mediationCaseChanged, taskForceChanged
    watch_cases_and_task_forces()


@hookimpl
def jiedao_routes(register):
    """The case's PDF documents: ``/mediation/{street}/cases/{caseId}/agreement.pdf`` and ``archive.pdf``."""
    from jiedao.plugins.mediation.documents.web import ROUTES

    register.routes(*ROUTES)


@hookimpl
def jiedao_events(register):
    """A resolved work item rectifies its finding or records its return visit (service.work_events)."""
    from jiedao.api.work import WorkItemStateChanged
    from jiedao.plugins.mediation.service.work_events import on_work_item_resolved

    register.on(WorkItemStateChanged, on_work_item_resolved)


@hookimpl
def jiedao_seed(register):
    """The four Changqing studios, a year of cases, and the 东清大厦 task force's 110 findings."""
    from jiedao.plugins.mediation.seed import seed

    register.seed(seed)


@hookimpl
def jiedao_cli(register):
    """``jiedao mediation follow-up --street S``."""
    from jiedao.plugins.mediation.cli import mediation

    register.cli(mediation)
