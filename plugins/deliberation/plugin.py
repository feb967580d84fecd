"""The deliberation plugin: its declaration (settings, permissions, default grants, tables)
and the hooks that are code (schema, cockpit figures, demo data); migrations are found in
``migrations/`` by convention."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from jiedao.api import hookimpl, PluginInfo
from jiedao.plugins.deliberation.errors import ERROR_CODES
from jiedao.plugins.deliberation.fund.access import PERMISSIONS as FUND_PERMISSIONS
from jiedao.plugins.deliberation.fund.models import FundEntry
from jiedao.plugins.deliberation.metrics import METRICS, SIGNALS
from jiedao.plugins.deliberation.models import MODELS


class Settings(BaseModel):
    """Per-street settings of the deliberation plugin."""

    model_config = {"extra": "forbid"}

    max_voting_days: int = Field(default=60, ge=1, le=366)
    """The longest voting period ``createBallot`` accepts, in days."""
    min_voting_days: int = Field(default=7, ge=1, le=366)
    """The shortest voting period ``createBallot`` accepts, in days: a full week, so that it
    spans a weekend, owners working away can send a proxy and paper ballots can be carried
    door to door."""
    notice_days: int = Field(default=15, ge=0, le=366)
    """How many days before voting opens a binding ballot must be announced (物业管理条例 Art. 14:
    owners are notified 15 days before the owners' assembly)."""
    file_store: str = "var/deliberation-files"
    """Directory of the local file store holding proxies' authorisations and ballot scans."""
    max_attachment_bytes: int = Field(default=5_000_000, ge=1)
    """Largest authorisation document or ballot scan accepted, in bytes."""

    @model_validator(mode="after")
    def _shortest_not_above_longest(self):
        if self.min_voting_days > self.max_voting_days:
            raise ValueError("min_voting_days is larger than max_voting_days")
        return self


PERMISSIONS = {
    "deliberation.ballot.read": "See owners' ballots, their turnout and, once closed, their results",
    "deliberation.ballot.vote": "Vote online as an owner",
    "deliberation.ballot.manage": "Create, announce, close and cancel ballots; record paper and proxy votes and read their documents",
    "deliberation.topic.read": "See every topic of the street",
    "deliberation.topic.raise": "Raise topics, follow one's own and comment in consultations",
    "deliberation.topic.manage": "Move topics through their lifecycle, open consultations, moderate comments",
    "deliberation.meeting.manage": "Schedule meetings, record decisions, minutes and action items, publish them",
    "deliberation.published.read": "Read the topics, meetings, decisions and minutes published to one's community or the street",
    **FUND_PERMISSIONS,  # the maintenance fund (fund/access.py)
}

GRANTS = {
    "community_worker": [
        "deliberation.ballot.read",
        "deliberation.ballot.manage",
        "deliberation.topic.read",
        "deliberation.topic.raise",
        "deliberation.topic.manage",
        "deliberation.meeting.manage",
        "deliberation.fund.manage",
        "deliberation.fund.read",
    ],
    "grid_worker": ["deliberation.ballot.read", "deliberation.topic.read", "deliberation.topic.raise", "deliberation.published.read"],
    "resident": ["deliberation.ballot.read", "deliberation.ballot.vote", "deliberation.topic.raise", "deliberation.published.read", "deliberation.fund.published"],
    "organisation_member": ["deliberation.fund.published"],
}

PLUGIN = PluginInfo(
    name="deliberation",
    version="0.1.0",
    title="Deliberation: owners' votes (Civil Code Art. 278), topics and appeals, meetings",
    settings=Settings,
    description="御事厅: legally valid owners' votes, residents' appeals followed to a decision, "
    "consultations, three-party joint meetings (半月谈) and 红茶议事会 sessions.",
    permissions=PERMISSIONS,
    grants=GRANTS,
    models=MODELS,
    append_only=(FundEntry,),  # the maintenance fund's ledger: INSERT and SELECT only (PostgreSQL app role)
    error_codes=ERROR_CODES,
    metrics=METRICS,
    signals=SIGNALS,
)


@hookimpl
def jiedao_schema(register):
    """Queries and mutations, node types, and ``Building.topics``, ``Unit.ballots``,
    ``Resident.topics``."""
    from jiedao.plugins.deliberation.graphql import register_schema

    register_schema(register)


@hookimpl
def jiedao_events(register):
    """A meeting action item is done when its work item is resolved or closed, open again when reopened."""
    from jiedao.api.work import WorkItemStateChanged
    from jiedao.plugins.deliberation.service.work_events import follow_action_item

    register.on(WorkItemStateChanged, follow_action_item)


@hookimpl
def jiedao_seed(register):
    """Demo topics, the 凤起都市花园 半月谈, a past elevator ballot and an open consultation;
    then the maintenance-fund accounts, the use that ballot authorised and an emergency use."""
    from jiedao.plugins.deliberation.seed import seed

    register.seed(seed)
    from jiedao.plugins.deliberation.fund.seed import seed_fund  # after the ballots it uses

    register.seed(seed_fund)
