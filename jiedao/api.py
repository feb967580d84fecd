"""The public façade for plugins: everything a plugin needs from Jiedao, and nothing else.

A plugin imports only from here (a test checks every in-tree and example plugin); every
other module of Jiedao is internal and may change between versions.

- declaring a plugin: ``PluginInfo``, ``hookimpl``, ``DomainEvent``, ``event_kind`` (events that
  differ only by name), ``Delivery``; state machines: ``Transitions``
- tables: ``Base``, ``StreetScoped``, ``UTCDateTime``; the core registry's rows in
  ``registry`` (``registry.Building``, ``registry.Resident`` ...)
- GraphQL: ``Node``, ``node_type``, ``readable``/``model_for`` (a node type's read rule as SQL), ``Connection``, ``paginate``, ``where_given``, ``list_bound``, ``by_id``, ``linked``,
  ``children``, ``through``, ``allow``, ``allow_any``, ``IsAuthenticated``, ``mutation``, ``payload``, ``many``, ``node_id``,
  ``Write``, ``UserError``, ``ClientError``, ``encode_global_id``, ``decode_global_id``,
  ``decode_id_of``; the core's GraphQL types in ``types`` (``types.Building`` ...) for fields
  that return them; input limits ``MaxLength``, ``LONG``, ``Range``, ``Money``
  (``Annotated[str, LONG]``)
- rules and time: ``DomainError``, ``get_or_not_found`` (a row by id, or ``NOT_FOUND``), ``clock`` (``clock.now()``, which tests can move),
  ``now``, ``today``, ``CHINA``, ``Duration``, ``parse_duration``
- figures and people: ``Metric``, ``MetricKind``, ``Signal``, ``Notification``, ``notify``
- the running system: ``Kernel`` (for type hints), ``audit``; CLI commands: ``in_street``,
  ``kernel_of``, ``require_street``, ``run_command``; ``hotspot_building_id`` (the demo's
  hotspot, for seeds)
- public notices (公示/公告): ``publish_notice(w.session, scope=..., title=..., body=..., kind=...)``
  (``scope`` is ``STREET`` or a ``registry`` community, compound or building row; it queues the
  core event ``core.notice.published`` for after the commit), ``NoticeAttachment``
- accounts and grants in ``identity`` (``identity.User``, ``identity.Grant``); seeds: ``demo``
  (``demo.DEMO_PASSWORD`` ...), ``hash_password``; ``run_mutation`` (the runner without the
  decorator, for a work whose refusal lists several problems)
- organisations and grids (who acts for what): ``ActingFor``, ``Places``, ``OrganisationKind``,
  ``ORGANISATION_ROLES``, ``organisations_acted_for``, ``acts_for``, ``require_acts_for``,
  ``places_of``, ``place_building_ids``, ``acted_for_ids``, ``responsible_for_building``,
  ``may_convene_ballot``, ``organisation_named``; ``grids_worked_by``, ``grid_of_building``, ``grid_workers_of_building``,
  ``worked_grid_ids``, ``grid_building_ids``
- the work-item loop (事项): ``open_work_item``, ``work_item_for``, ``work_figures`` (the cockpit's ratios), ``WorkSource``,
- the work-item loop (事项): ``open_work_item``, ``work_item_for``, ``close_work_item``, ``WorkSource``,
  ``WorkOutcome``, ``WorkState``; its events ``WorkItemOpened``, ``WorkItemStateChanged``,
  ``WorkItemClosed``, ``WorkItemEscalated`` (``register.on(WorkItemClosed, handler)``);
  ``street_transaction`` (a street transaction whose deferred events are published after it commits);
  ``take_work_step`` (a step on someone's behalf, for seeds and plugins settling their matter),
  ``escalate_overdue_work`` (a sweep without notifications, for seeds);
  GraphQL types ``WorkItemType``, ``OrganisationType``; ``model_for(type_name)`` and
  ``readable(ctx, type_name)`` (a node type's row model and the caller's visibility condition)
- CSV imports, all or nothing: ``importfile`` (``importfile.ImportFailed``, ``Problem``,
  ``parse_records`` ...), ``report_import_failure`` (CLI commands)
- web pages and files a plugin serves itself: ``authenticate`` and ``AuthenticationFailed``
  (a bearer token outside GraphQL), ``policy_for_page`` (its Content-Security-Policy),
  ``csv_writer`` (CSV cells a spreadsheet cannot run)
- migrations: ``migration_ops`` (``migration_ops.create_street_table``, ``column``,
  ``reference``, ``index``, ``drop_tables``: a revision states only what differs)
"""

from __future__ import annotations

from jiedao.core import clock, demo, importfile, migration_ops
from jiedao.core import graphql as types
from jiedao.core import importfile
from jiedao.core import models as registry
from jiedao.core.cli import in_street, kernel_of, report_import_failure, require_street
from jiedao.core.cli import run as run_command
from jiedao.core.clock import CHINA, now, today
from jiedao.core.csvsafe import writer as csv_writer
from jiedao.core.db import Base, StreetScoped, UTCDateTime
from jiedao.core.demo import hotspot_building_id
from jiedao.core.errors import DomainError
from jiedao.core.events import Delivery, DomainEvent, street_transaction
from jiedao.core.event_kinds import event_kind
from jiedao.core.figures import Metric, MetricKind, Signal
from jiedao.core.grids.access import grid_building_ids, grid_of_building, grid_workers_of_building, grids_worked_by, worked_grid_ids
from jiedao.core.hookspecs import hookimpl
from jiedao.core.identity import models as identity
from jiedao.core.identity.audit import record as audit
from jiedao.core.identity.passwords import hash_password
from jiedao.core.identity.service import AuthenticationFailed, authenticate
from jiedao.core.kernel import Kernel
from jiedao.core.notices.places import STREET
from jiedao.core.notices.service import Attachment as NoticeAttachment
from jiedao.core.notices.service import publish_notice
from jiedao.core.lookup import get_or_not_found
from jiedao.core.notify import Notification, notify
from jiedao.core.organisations.access import (
    ActingFor,
    Places,
    acted_for_ids,
    acts_for,
    may_convene_ballot,
    organisation_named,
    organisations_acted_for,
    place_building_ids,
    places_of,
    require_acts_for,
    responsible_for_building,
)
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.organisations.roles import ORGANISATION_ROLES
from jiedao.core.plugins import PluginInfo
from jiedao.core.runner import Write, many, mutation, node_id, payload, run_mutation
from jiedao.core.settings import Duration, parse_duration
from jiedao.core.work.figures import WorkFigures, work_figures
from jiedao.core.organisations.graphql import OrganisationType
from jiedao.core.work.api import WorkOutcome, WorkSource, close_work_item, escalate_overdue_work, open_work_item, take_work_step, work_item_for
from jiedao.core.work.graphql import WorkItem as WorkItemType
from jiedao.core.work.events import WorkItemClosed, WorkItemEscalated, WorkItemOpened, WorkItemStateChanged
from jiedao.core.work.states import WorkState
from jiedao.schema.connection import Connection, paginate, where_given
from jiedao.core.transitions import Transitions
from jiedao.schema.cost import list_bound
from jiedao.schema.errors import ClientError, UserError
from jiedao.schema.ids import decode_global_id, decode_id_of, encode_global_id
from jiedao.schema.loaders import by_id, children, linked, through
from jiedao.schema.node import Node, model_for, node_type, readable
from jiedao.schema.page_policy import policy_for_page
from jiedao.schema.permissions import IsAuthenticated, allow, allow_any
from jiedao.schema.validation import LONG, MaxLength, Money, Range

__all__ = [
    "acted_for_ids", "ActingFor", "acts_for", "allow", "allow_any", "audit", "authenticate", "AuthenticationFailed",
    "Base", "by_id", "children", "CHINA", "ClientError", "clock", "close_work_item", "Connection", "csv_writer",
    "decode_global_id", "decode_id_of", "Delivery", "demo", "DomainError", "DomainEvent", "Duration",
    "encode_global_id", "escalate_overdue_work", "event_kind", "get_or_not_found", "grid_building_ids",
    "grid_of_building", "grid_workers_of_building", "grids_worked_by", "hash_password", "hookimpl",
    "hotspot_building_id", "identity", "importfile", "in_street", "IsAuthenticated", "Kernel", "kernel_of", "linked",
    "list_bound", "LONG", "many", "MaxLength", "may_convene_ballot", "Metric", "MetricKind", "migration_ops",
    "model_for", "Money", "mutation", "Node", "node_id", "node_type", "NoticeAttachment", "Notification", "notify",
    "now", "open_work_item", "organisation_named", "ORGANISATION_ROLES", "OrganisationKind",
    "organisations_acted_for", "OrganisationType", "paginate", "parse_duration", "payload", "place_building_ids",
    "Places", "places_of", "PluginInfo", "policy_for_page", "publish_notice", "Range", "readable", "registry",
    "report_import_failure", "require_acts_for", "require_street", "responsible_for_building", "run_command",
    "run_mutation", "Signal", "STREET", "street_transaction", "StreetScoped", "take_work_step", "through", "today",
    "Transitions", "types", "UserError", "UTCDateTime", "where_given", "work_figures", "work_item_for",
    "worked_grid_ids", "WorkFigures", "WorkItemClosed", "WorkItemEscalated", "WorkItemOpened", "WorkItemStateChanged",
    "WorkItemType", "WorkOutcome", "WorkSource", "WorkState", "Write",
]
