"""The public façade for plugins: what a plugin needs from Jiedao, and nothing else.

A plugin imports only from ``jiedao.api`` and its submodules (a test checks every in-tree
and example plugin); every other module of Jiedao is internal and may change between versions.

The top level holds what nearly every plugin uses: declaring the plugin (``PluginInfo``,
``hookimpl``, ``DomainEvent``, ``Delivery``), tables (``Base``, ``StreetScoped``, the core
registry's rows in ``registry``), GraphQL (``Node``, ``node_type``, ``Connection``, ``read_page``, ``paginate``,
``by_id``, ``children``, ``allow``, the core's types in ``types``), mutations (``mutation``,
``payload``, ``many``, ``node_id``, ``Write``), errors (``DomainError``, ``UserError``), time
(``now``, ``today``) and the cockpit and people (``Metric``, ``Signal``, ``notify``).

The rest is grouped by theme:

- ``jiedao.api.care``: Residents' care needs (elderly by the street's ages, very old, living alone, disabled, bedridden): a profile per resident and SQL clauses.
- ``jiedao.api.cli``: Command-line helpers for a plugin's ``jiedao`` commands, and CSV imports (all or nothing).
- ``jiedao.api.domain``: Rules, time and the running system: state-transition tables, event kinds, lookups, the clock, durations, the kernel, audit, accounts, a street transaction, ID-card numbers (checked, masked).
- ``jiedao.api.files``: Attachments: a content-addressed file store.
- ``jiedao.api.graphql``: GraphQL beyond the everyday: more loaders and list helpers, the runner without its decorator, ID codecs, public fields, types and lists declared in SQL (answered by one statement).
- ``jiedao.api.inputs``: Limits on input fields (``Annotated[str, LONG]``): every mutation's input is checked against them.
- ``jiedao.api.messages``: Messages in the reader's language: translatable texts, permission refusals, rendering for a request or a GraphQL context.
- ``jiedao.api.migrations``: Helpers for a plugin's Alembic revisions.
- ``jiedao.api.notices``: Public notices (公示/公告): publish one from a plugin.
- ``jiedao.api.organisations``: Who acts for what: organisations, their roles and places, grids and their workers.
- ``jiedao.api.seeding``: Demo data: the demo's accounts and password, hashing a password, the demo's hotspot building.
- ``jiedao.api.web``: Pages and files a plugin serves itself: bearer-token authentication outside GraphQL, a page's Content-Security-Policy, CSV cells a spreadsheet cannot run.
- ``jiedao.api.work``: The kernel's work-item loop (事项): open and follow items, their states, sources, outcomes and events, China's working days.
"""

from __future__ import annotations

from jiedao.core import graphql as types, models as registry
from jiedao.core.clock import now, today
from jiedao.core.db import Base, StreetScoped
from jiedao.core.errors import DomainError
from jiedao.core.events import Delivery, DomainEvent
from jiedao.core.figures import Metric, Signal
from jiedao.core.hookspecs import hookimpl
from jiedao.core.notify import notify
from jiedao.core.plugins import PluginInfo
from jiedao.core.runner import many, mutation, node_id, payload, Write
from jiedao.schema.connection import Connection, paginate, read_page
from jiedao.schema.errors import UserError, user_errors
from jiedao.schema.loaders import by_id, children
from jiedao.schema.node import Node, node_type
from jiedao.schema.permissions import allow, public

__all__ = [
    "allow",
    "public",
    "Base",
    "by_id",
    "children",
    "Connection",
    "Delivery",
    "DomainError",
    "DomainEvent",
    "hookimpl",
    "many",
    "Metric",
    "mutation",
    "Node",
    "node_id",
    "node_type",
    "notify",
    "now",
    "paginate",
    "read_page",
    "payload",
    "PluginInfo",
    "registry",
    "Signal",
    "StreetScoped",
    "today",
    "types",
    "UserError",
    "user_errors",
    "Write",
]
