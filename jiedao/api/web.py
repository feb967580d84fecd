"""Pages and files a plugin serves itself: bearer-token authentication outside GraphQL, a page's Content-Security-Policy, CSV cells a spreadsheet cannot run."""

from __future__ import annotations

from jiedao.core.csvsafe import writer as csv_writer
from jiedao.core.identity.service import authenticate, AuthenticationFailed
from jiedao.schema.page_policy import policy_for_page

__all__ = [
    "authenticate",
    "AuthenticationFailed",
    "csv_writer",
    "policy_for_page",
]
