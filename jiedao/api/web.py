"""Pages and files a plugin serves itself: bearer-token authentication outside GraphQL, a page's Content-Security-Policy, CSV cells a spreadsheet cannot run, whether a port is free to listen on, the GraphQL document a request posted (for middleware)."""

from __future__ import annotations

from jiedao.core.csvsafe import writer as csv_writer
from jiedao.core.endpoint import posted_query
from jiedao.core.identity.service import authenticate, AuthenticationFailed
from jiedao.core.ports import port_problem
from jiedao.schema.page_policy import policy_for_page

__all__ = [
    "authenticate",
    "AuthenticationFailed",
    "csv_writer",
    "policy_for_page",
    "port_problem",
    "posted_query",
]
