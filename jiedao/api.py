"""The public façade for plugins: everything a plugin needs from Jiedao, and nothing else.

A plugin imports only from here (a test checks every in-tree and example plugin); every
other module of Jiedao is internal and may change between versions.

- declaring a plugin: ``PluginInfo``, ``hookimpl``, ``DomainEvent``, ``event_kind`` (events that
  differ only by name), ``Delivery``; state machines: ``Transitions``
- tables: ``Base``, ``StreetScoped``, ``UTCDateTime``; the core registry's rows in
  ``registry`` (``registry.Building``, ``registry.Resident`` ...)
- GraphQL: ``Node``, ``node_type``, ``Connection``, ``paginate``, ``list_bound``, ``by_id``,
  ``children``, ``through``, ``allow``, ``allow_any``, ``IsAuthenticated``, ``mutation``, ``payload``, ``node_id``,
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
- accounts and grants in ``identity`` (``identity.User``, ``identity.Grant``); seeds: ``demo``
  (``demo.DEMO_PASSWORD`` ...), ``hash_password``; ``run_mutation`` (the runner without the
  decorator, for a work whose refusal lists several problems)
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
from jiedao.core.event_kinds import event_kind
from jiedao.core.events import Delivery, DomainEvent
from jiedao.core.figures import Metric, MetricKind, Signal
from jiedao.core.hookspecs import hookimpl
from jiedao.core.identity import models as identity
from jiedao.core.identity import models as identity
from jiedao.core.identity.audit import record as audit
from jiedao.core.identity.passwords import hash_password
from jiedao.core.identity.service import AuthenticationFailed, authenticate
from jiedao.core.kernel import Kernel
from jiedao.core.lookup import get_or_not_found
from jiedao.core.notify import Notification, notify
from jiedao.core.plugins import PluginInfo
from jiedao.core.runner import Write, mutation, node_id, payload, run_mutation
from jiedao.core.settings import Duration, parse_duration
from jiedao.core.transitions import Transitions
from jiedao.schema.connection import Connection, paginate
from jiedao.schema.cost import list_bound
from jiedao.schema.errors import ClientError, UserError
from jiedao.schema.ids import decode_global_id, decode_id_of, encode_global_id
from jiedao.schema.loaders import by_id, children, through
from jiedao.schema.node import Node, node_type
from jiedao.schema.page_policy import policy_for_page
from jiedao.schema.permissions import IsAuthenticated, allow, allow_any
from jiedao.schema.validation import LONG, MaxLength, Money, Range

__all__ = [
    "CHINA", "LONG", "AuthenticationFailed", "Base", "ClientError", "Connection", "Delivery", "DomainError",
    "DomainEvent", "Duration", "IsAuthenticated", "Kernel", "MaxLength", "Metric", "MetricKind", "Money", "Node", "Notification",
    "PluginInfo", "Range", "Signal", "StreetScoped", "Transitions", "UTCDateTime", "UserError", "Write", "allow", "allow_any", "audit",
    "authenticate", "by_id", "children", "clock", "csv_writer", "demo", "decode_global_id", "decode_id_of", "encode_global_id", "event_kind",
    "get_or_not_found", "hash_password", "hookimpl", "hotspot_building_id", "identity", "importfile", "in_street", "kernel_of", "list_bound", "migration_ops", "mutation", "node_id", "node_type",
    "notify", "now", "paginate", "parse_duration", "payload", "policy_for_page", "registry", "report_import_failure", "require_street",
    "run_command", "run_mutation", "through", "today", "types",
]
