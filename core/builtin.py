"""The core's own hook implementations: it registers like any plugin, under the name "core"."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import hookimpl
from core.identity.models import IDENTITY_MODELS, AuditEntry
from core.identity.roles import CORE_GRANTS, CORE_PERMISSIONS
from core.models import CORE_MODELS

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


@hookimpl
def jiedao_models(register):
    """The registry and identity tables."""
    register.models(*CORE_MODELS, *IDENTITY_MODELS)
    register.append_only(AuditEntry)


@hookimpl
def jiedao_migrations(register):
    """Core revisions live in migrations/versions."""
    register.migrations(MIGRATIONS)


@hookimpl
def jiedao_permissions(register):
    """Registry and identity permissions."""
    register.permissions(CORE_PERMISSIONS, grants=CORE_GRANTS)


@hookimpl
def jiedao_schema(register):
    """Registry types (the ones plugins may extend), registry queries, log-in and ``me``."""
    from core.graphql import Building, Community, Compound, CoreQuery, Resident, Street, Unit
    from core.identity.graphql import IdentityMutation, IdentityQuery

    register.types(Street, Community, Compound, Building, Unit, Resident)
    register.query(CoreQuery)
    register.query(IdentityQuery)
    register.mutation(IdentityMutation)


@hookimpl
def jiedao_notify(notification):
    """Default delivery: log and record the notification (see ``core.notify``)."""
    from core.notify import log_notification

    log_notification(notification)
