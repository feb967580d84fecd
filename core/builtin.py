"""The core's own hook implementations: it registers like any plugin, under the name "core"."""

from __future__ import annotations

from pathlib import Path

from jiedao.core.hookspecs import hookimpl
from jiedao.core.identity.models import IDENTITY_MODELS, AuditEntry
from jiedao.core.identity.roles import CORE_GRANTS, CORE_PERMISSIONS
from jiedao.core.grids.models import GRID_MODELS
from jiedao.core.models import CORE_MODELS
from jiedao.core.notices.models import NOTICE_MODELS
from jiedao.core.organisations.models import ORGANISATION_MODELS

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


@hookimpl
def jiedao_models(register):
    """The registry and identity tables."""
    register.models(*CORE_MODELS, *IDENTITY_MODELS, *ORGANISATION_MODELS, *GRID_MODELS, *NOTICE_MODELS)
    register.append_only(AuditEntry)


@hookimpl
def jiedao_migrations(register):
    """Core revisions live in migrations/versions."""
    register.migrations(MIGRATIONS)


@hookimpl
def jiedao_permissions(register):
    """Registry, identity and notice permissions."""
    from jiedao.core.notices.roles import NOTICE_GRANTS, NOTICE_PERMISSIONS

    register.permissions(CORE_PERMISSIONS, grants=CORE_GRANTS)
    register.permissions(NOTICE_PERMISSIONS, grants=NOTICE_GRANTS)


@hookimpl
def jiedao_schema(register):
    """Registry types (the ones plugins may extend), registry queries, log-in and ``me``."""
    from jiedao.core.graphql import Building, Community, Compound, CoreQuery, Resident, Street, Unit
    from jiedao.core.identity.graphql import IdentityMutation, IdentityQuery

    register.types(Street, Community, Compound, Building, Unit, Resident)
    register.query(CoreQuery)
    register.query(IdentityQuery)
    register.mutation(IdentityMutation)
    from jiedao.core.notices.graphql import NoticeMutation, NoticeQuery, NoticeType

    register.types(NoticeType)
    register.query(NoticeQuery)
    register.mutation(NoticeMutation)


@hookimpl
def jiedao_events(register):
    """The core's own events: ``core.notice.published``."""
    from jiedao.core.notices.events import NoticePublished

    register.events(NoticePublished)


@hookimpl
def jiedao_seed(register):
    """Demo notices of 长庆街道 (a street-wide 公告, a 公示 in 凤起都市花园)."""
    from jiedao.core.notices.seed import seed_notices

    register.seed(seed_notices)


@hookimpl
def jiedao_notify(notification):
    """Default delivery: log and record the notification (see ``core.notify``)."""
    from jiedao.core.notify import log_notification

    log_notification(notification)
