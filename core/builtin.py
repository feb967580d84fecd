"""The core's own hook implementations: it registers like any plugin, under the name "core"."""

from __future__ import annotations

from pathlib import Path

from jiedao.core.contacts import registration as contacts  # people to reach (emergency contacts, addresses, duty)
from jiedao.core.hookspecs import hookimpl
from jiedao.core.identity.models import IDENTITY_MODELS, AuditEntry
from jiedao.core.identity.roles import CORE_GRANTS, CORE_PERMISSIONS
from jiedao.core.grids.models import GRID_MODELS
from jiedao.core.models import CORE_MODELS
from jiedao.core.notices.events import NoticePublished
from jiedao.core.notices.models import NOTICE_MODELS
from jiedao.core.notify.events import AlertAcknowledged
from jiedao.core.notify.models import NOTIFY_MODELS, DeliveryReceipt
from jiedao.core.organisations.models import ORGANISATION_MODELS
from jiedao.core.work.events import WORK_EVENTS
from jiedao.core.work.models import WORK_MODELS, WorkStep

CORE_EVENTS = (*WORK_EVENTS, NoticePublished, AlertAcknowledged)
"""The kernel's own domain events (listed in the plugin guide's event catalogue)."""
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


@hookimpl
def jiedao_models(register):
    """The registry, identity, organisation, grid, work-item and notice tables."""
    register.models(*CORE_MODELS, *IDENTITY_MODELS, *ORGANISATION_MODELS, *GRID_MODELS, *WORK_MODELS, *NOTICE_MODELS, *NOTIFY_MODELS)
    register.append_only(AuditEntry, WorkStep, DeliveryReceipt)
    register.models(*contacts.CONTACT_MODELS)


@hookimpl
def jiedao_migrations(register):
    """Core revisions live in migrations/versions."""
    register.migrations(MIGRATIONS)


@hookimpl
def jiedao_permissions(register):
    """Registry, identity and notice permissions."""
    from jiedao.core.notices.roles import NOTICE_GRANTS, NOTICE_PERMISSIONS
    from jiedao.core.notify.roles import NOTIFY_GRANTS, NOTIFY_PERMISSIONS

    register.permissions(CORE_PERMISSIONS, grants=CORE_GRANTS)
    register.permissions(NOTICE_PERMISSIONS, grants=NOTICE_GRANTS)
    register.permissions(NOTIFY_PERMISSIONS, grants=NOTIFY_GRANTS)
    contacts.register_permissions(register)


@hookimpl
def jiedao_schema(register):
    """Registry types (the ones plugins may extend), registry queries, organisations, grids, work items, log-in, ``me``
    and the platform administrator's figures across cells."""
    from jiedao.core.graphql import Building, Community, Compound, CoreQuery, Resident, Street, Unit
    from jiedao.core.grids.graphql import BuildingGrid, GridMutation, GridQuery, GridType, GridWorkerType
    from jiedao.core.identity.graphql import IdentityMutation, IdentityQuery
    from jiedao.core.notices.graphql import NoticeMutation, NoticeQuery, NoticeType
    from jiedao.core.notify.graphql import NotificationType, NotifyQuery
    from jiedao.core.organisations.graphql import MembershipType, OrganisationMutation, OrganisationQuery, OrganisationType
    from jiedao.core.platform_graphql import PlatformQuery
    from jiedao.core.work.graphql import WorkItem, WorkMutation, WorkQuery
    from jiedao.core.work.live import WorkSubscription

    register.types(
        Street, Community, Compound, Building, Unit, Resident,
        OrganisationType, MembershipType, GridType, GridWorkerType, WorkItem, NoticeType, NotificationType,
    )
    register.extend("Building", BuildingGrid)
    for query in (CoreQuery, IdentityQuery, OrganisationQuery, GridQuery, WorkQuery, NoticeQuery, NotifyQuery, PlatformQuery):
        register.query(query)
    for mutation in (IdentityMutation, OrganisationMutation, GridMutation, WorkMutation, NoticeMutation):
        register.mutation(mutation)
    register.subscription(WorkSubscription)
    contacts.register_schema(register)


@hookimpl
def jiedao_events(register):
    """Core's own events: the work-item loop's (``core.work.item.*``) and ``core.notice.published``;
    the work-item events also feed the ``workItemChanged`` subscription (``core.work.live``)."""
    from jiedao.core.work.live import register_live_events
    from jiedao.core.work.relay import register_relay_events

    register.events(*CORE_EVENTS)
    register_live_events(register)
    register_relay_events(register)  # to other processes, with JIEDAO_WORK_RELAY=on on PostgreSQL


@hookimpl
def jiedao_background(register):
    """During ``jiedao serve``: the escalation sweep of overdue work items and the
    notification outbox worker; in every serving process, the work-item relay."""
    from jiedao.core.notify.worker import run_in_server
    from jiedao.core.work.escalation import run_escalations

    from jiedao.core.work.relay import listen_work_items

    register.background(run_escalations)
    register.background(run_in_server)
    register.relay(listen_work_items)  # workItemChanged of other processes (JIEDAO_WORK_RELAY=on)


@hookimpl
def jiedao_cli(register):
    """``jiedao work escalate``, ``jiedao notify run|status``."""
    from jiedao.core.notify.cli import notify
    from jiedao.core.work.cli import work

    register.cli(work, notify)


@hookimpl
def jiedao_metrics(register):
    """The work-item loop's figures for the cockpit: items closed and overdue, and the overdue
    items per building for hotspot early warning (see ``core.work.figures``)."""
    from jiedao.core.notify.figures import NOTIFY_METRICS
    from jiedao.core.work.figures import WORK_METRICS, WORK_SIGNALS

    register.metrics(*WORK_METRICS, *NOTIFY_METRICS)
    register.signals(*WORK_SIGNALS)


@hookimpl
def jiedao_seed(register):
    """Demo notices of 长庆街道 (a street-wide 公告, a 公示 in 凤起都市花园)."""
    from jiedao.core.notices.seed import seed_notices

    register.seed(seed_notices)
    contacts.register_seed(register)


@hookimpl
def jiedao_notify(register):
    """The log channel, for development (``core.notify.log_channel``)."""
    from jiedao.core.notify.log_channel import LogChannel

    register.channel(LogChannel)


@hookimpl
def jiedao_routes(register):
    """The acknowledgement links of notifications, and (demo and tests only) the fake
    providers with their outbox page (``core.notify.web``)."""
    from jiedao.core.notify.web import ROUTES

    register.routes(*ROUTES)
