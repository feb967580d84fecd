"""The credit plugin's declaration and hook implementations."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from core.hookspecs import hookimpl
from core.plugins import PluginInfo


class Settings(BaseModel):
    """Per-street settings of the credit plugin."""

    model_config = {"extra": "forbid"}


PLUGIN = PluginInfo(
    name="credit",
    version="0.1.0",
    title="Credit: restaurant credit index, explainable portrait, appeals and credit repair",
    settings=Settings,
    description="长庆信用分: a versioned declarative scorecard grades enterprises A-D by credit risk, with reasons, "
    "a portrait, reproducible history, appeals and 信用修复.",
)

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


@hookimpl
def jiedao_models(register):
    """Enterprises, evidence, scorecard versions, scores, appeals, repair requests."""
    from plugins.credit.models import MODELS, Score, Scorecard

    register.models(*MODELS)
    register.append_only(Score, Scorecard)  # history is never rewritten, not even by a bug


@hookimpl
def jiedao_migrations(register):
    """The ``credit`` Alembic branch."""
    register.migrations(Path(__file__).resolve().parent / "migrations")


@hookimpl
def jiedao_permissions(register):
    """Reading (all, or one's own), evidence, scorecards, recomputation, appeals and repair."""
    register.permissions(PERMISSIONS, grants=GRANTS)


@hookimpl
def jiedao_schema(register):
    """``enterprises``/``enterprise`` and the credit mutations; ``Building.enterprises``."""
    from plugins.credit.graphql import mutations
    from plugins.credit.graphql import types as graphql

    register.query(graphql.CreditQuery)
    register.mutation(mutations.CreditMutation)
    register.extend("Building", graphql.BuildingEnterprises)


@hookimpl
def jiedao_cli(register):
    """``jiedao credit recompute|import|reproduce``."""
    from plugins.credit.cli import credit

    register.cli(credit)


@hookimpl
def jiedao_metrics(register):
    """Enterprises by class, appeals, inspections due; poorly graded enterprises per building."""
    from plugins.credit.metrics import METRICS, SIGNALS

    register.metrics(*METRICS)
    register.signals(*SIGNALS)


@hookimpl
def jiedao_seed(register):
    """The demo's 97 restaurants with a year of evidence."""
    from plugins.credit.seed import seed

    register.seed(seed)


@hookimpl
def jiedao_background(register):
    """During ``jiedao serve``: recompute every night at 02:00 (China time) for time decay."""
    from plugins.credit.nightly import nightly

    register.background(nightly)


@hookimpl
def jiedao_events(register):
    """Rectification findings of the mediation plugin become evidence; verified ones count less."""
    from plugins.credit.subscriptions import on_finding_created, on_finding_status_changed

    register.on("mediation.finding.created", on_finding_created)
    register.on("mediation.finding.status_changed", on_finding_status_changed)
