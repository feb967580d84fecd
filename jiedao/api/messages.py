"""Messages in the reader's language: translatable texts, permission refusals, rendering for a request or a GraphQL context."""

from __future__ import annotations

from jiedao.core.messages import MessagePatterns, Name, Translatable, names_list, language_of, render_for, render_for_request, request_language
from jiedao.schema.permissions import Refusal

__all__ = [
    "language_of",
    "MessagePatterns",
    "Name",
    "names_list",
    "Refusal",
    "render_for",
    "render_for_request",
    "request_language",
    "Translatable",
]
