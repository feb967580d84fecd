"""The public façade for plugins: everything a plugin needs from Jiedao, and nothing else.

A plugin imports only from here (a test checks every in-tree and example plugin); every
other module of Jiedao is internal and may change between versions.

- declaring a plugin: ``PluginInfo``, ``hookimpl``, ``DomainEvent``, ``Delivery``
- tables: ``Base``, ``StreetScoped``, ``UTCDateTime``; the core registry's rows in
  ``registry`` (``registry.Building``, ``registry.Resident`` ...)
- GraphQL: ``Node``, ``node_type``, ``Connection``, ``paginate``, ``by_id``, ``children``,
  ``through``, ``allow``, ``mutation``, ``payload``, ``node_id``, ``Write``, ``UserError``,
  ``ClientError``, ``encode_global_id``, ``decode_global_id``, ``decode_id_of``,
  ``IsAuthenticated``; the core's GraphQL types in
  ``types`` (``types.Building`` ...) for fields that return them
- CSV imports, all or nothing: ``importfile`` (``importfile.ImportFailed``, ``Problem``,
  ``parse_records`` ...), ``report_import_failure`` (CLI commands)
- rules and time: ``DomainError``, ``now``, ``today``, ``CHINA``, ``Duration``, ``parse_duration``
- figures and people: ``Metric``, ``MetricKind``, ``Signal``, ``Notification``, ``notify``
- the running system: ``Kernel`` (for type hints), ``in_street`` (CLI commands), ``audit``
"""

from __future__ import annotations

from core import graphql as types
from core import importfile
from core import models as registry
from core.clock import CHINA, now, today
from core.cli import in_street, report_import_failure
from core.db import Base, StreetScoped, UTCDateTime
from core.errors import DomainError
from core.events import Delivery, DomainEvent
from core.hookspecs import hookimpl
from core.identity.audit import record as audit
from core.kernel import Kernel
from core.metrics import Metric, MetricKind, Signal
from core.notify import Notification, notify
from core.plugins import PluginInfo
from core.settings import Duration, parse_duration
from schema.connection import Connection, paginate
from schema.errors import ClientError, UserError
from schema.ids import decode_global_id, decode_id_of, encode_global_id
from schema.loaders import by_id, children, through
from schema.node import Node, node_type
from schema.permissions import IsAuthenticated, allow
from schema.runner import Write, mutation, node_id, payload

__all__ = [
    "CHINA", "Base", "ClientError", "Connection", "Delivery", "DomainError", "DomainEvent", "Duration",
    "IsAuthenticated", "Kernel", "Metric", "MetricKind", "Node", "Notification", "PluginInfo", "Signal", "StreetScoped",
    "UTCDateTime", "UserError", "Write", "allow", "audit", "by_id", "children", "decode_global_id", "decode_id_of",
    "encode_global_id", "hookimpl", "importfile", "in_street", "mutation", "node_id", "node_type", "notify", "now",
    "paginate", "parse_duration", "payload", "registry", "report_import_failure", "through", "today", "types",
]
