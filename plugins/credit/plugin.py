"""The credit plugin's declaration and hook implementations."""

from __future__ import annotations

from pydantic import BaseModel, Field

from jiedao.api import hookimpl, PluginInfo
from jiedao.plugins.credit.service.appeals import APPEAL_DAYS
from jiedao.plugins.credit.errors import ERROR_CODES
from jiedao.plugins.credit.events import ScoreComputed
from jiedao.plugins.credit.metrics import METRICS, SIGNALS
from jiedao.plugins.credit.models import MODELS, Score, Scorecard

class Settings(BaseModel):
    """Per-street settings of the credit plugin."""

    model_config = {"extra": "forbid"}

    appeal_days: int = Field(default=APPEAL_DAYS, ge=1, le=365)
    """Days after a score in which its enterprise's operator may appeal it (see ``service.appeals.APPEAL_DAYS``)."""


PERMISSIONS = {
    "credit.enterprise.read": "See every enterprise, its score, portrait, evidence and history",
    "credit.own.read": "See one's own enterprise (operators)",
    "credit.enterprise.manage": "Register enterprises",
    "credit.evidence.manage": "Record inspections, complaints, penalties, listings and certifications",
    "credit.scorecard.manage": "Create new scorecard versions",
    "credit.recompute": "Recompute credit scores",
    "credit.appeal.file": "Appeal a score of one's own enterprise",
    "credit.appeal.decide": "Decide appeals against scores",
    "credit.repair.request": "Request early credit repair for one's own enterprise",
    "credit.repair.decide": "Grant or refuse early credit repair",
}

GRANTS = {
    "inspector": [
        "credit.enterprise.read", "credit.enterprise.manage", "credit.evidence.manage", "credit.recompute",
        "credit.appeal.decide", "credit.repair.decide",
    ],
    "community_worker": ["credit.enterprise.read"],
    "grid_worker": ["credit.enterprise.read"],
    "resident": ["credit.own.read", "credit.appeal.file", "credit.repair.request"],
}


PLUGIN = PluginInfo(
    name="credit",
    version="0.1.0",
    title="Credit: restaurant credit index, explainable portrait, appeals and credit repair",
    settings=Settings,
    description="长庆信用分: a versioned declarative scorecard grades enterprises A-D by credit risk, with reasons, "
    "a portrait, reproducible history, appeals and 信用修复.",
    permissions=PERMISSIONS,
    grants=GRANTS,
    models=MODELS,
    append_only=(Score, Scorecard),  # history is never rewritten, not even by a bug
    events=(ScoreComputed,),
    error_codes=ERROR_CODES,
    metrics=METRICS,
    signals=SIGNALS,
)


@hookimpl
def jiedao_schema(register):
    """``enterprises``/``enterprise`` and the credit mutations; ``Building.enterprises``."""
    from jiedao.plugins.credit.graphql import BuildingEnterprises, CreditMutation, CreditQuery

    register.query(CreditQuery)
    register.mutation(CreditMutation)
    register.extend("Building", BuildingEnterprises)


@hookimpl
def jiedao_cli(register):
    """``jiedao credit recompute|import|reproduce``."""
    from jiedao.plugins.credit.cli import credit

    register.cli(credit)


@hookimpl
def jiedao_seed(register):
    """The demo's 97 restaurants with a year of evidence."""
    from jiedao.plugins.credit.seed import seed

    register.seed(seed)


@hookimpl
def jiedao_background(register):
    """During ``jiedao serve``: recompute every night at 02:00 (China time) for time decay."""
    from jiedao.plugins.credit.nightly import nightly

    register.background(nightly)


@hookimpl
def jiedao_events(register):
    """Rectification findings of the mediation plugin become evidence; verified ones count less."""
    from jiedao.plugins.credit.subscriptions import on_finding_created, on_finding_status_changed

    register.on("mediation.finding.created", on_finding_created)
    register.on("mediation.finding.status_changed", on_finding_status_changed)
