"""Trusted documents: with ``JIEDAO_TRUSTED_DOCUMENTS=allow-listed`` only the GraphQL documents
the front end's build registered may run (over HTTP and WebSocket alike); any other is refused
with ``PERSISTED_QUERY_NOT_ALLOWED`` before it is parsed against the schema, so its errors tell
nothing about the schema. Street and platform administrators are exempt (GraphiQL stays theirs).

The build's manifest is ``core/pages/dist/persisted-documents.json`` (graphql-codegen's client
preset, ``persistedDocuments``: ``{"sha256:<hex>": "<document>"}``). A request's document is
recognised by its content, not by a hash it sends: both sides are parsed and printed in one
canonical form (definitions, selections, arguments and directives sorted), so the app sends its
documents as it always did and a subscription's ``subscribe`` message (which carries no
``extensions``) is checked like a POST.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path

from graphql import GraphQLError, parse, print_ast
from graphql.language import Lexer, Node, Source, TokenKind
from strawberry.extensions import SchemaExtension

log = logging.getLogger("jiedao.graphql")

MANIFEST = Path(__file__).resolve().parent.parent / "core" / "pages" / "dist" / "persisted-documents.json"
POLICIES = ("off", "allow-listed")
NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
_STAND_IN = "query PersistedQueryNotAllowed { __typename }"
ADMINISTRATOR_ROLES = frozenset({"platform_admin", "street_admin"})
"""Roles that may run any document: the kernel's ``ALL_PERMISSION_ROLES`` (the toolkit does not
import the kernel; a test keeps the two equal)."""
_SORTED = ("definitions", "selections", "arguments", "directives", "variable_definitions", "fields")


MAX_TOKENS = 5000
"""Parsing an untrusted document stops here (as ``MaxTokensLimiter`` does for trusted ones)."""
LONGEST = 20_000
"""No document longer than this is trusted (30× the longest the build has), nor parsed to see."""


def canonical(document: str) -> str | None:
    """``document`` printed in one canonical form, or None when it does not parse."""
    try:
        tree = parse(document, no_location=True, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return None
    return print_ast(_sorted(tree))


def _sorted(node: Node) -> Node:
    """Sort, bottom up and in place, every list whose order does not change what is asked
    (the tree is a private parse; graphql-core's nodes are frozen dataclasses)."""
    for key in node.keys:
        value = getattr(node, key, None)
        if isinstance(value, Node):
            _sorted(value)
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], Node):
            children = [_sorted(child) for child in value]
            if key in _SORTED:
                children.sort(key=print_ast)
            object.__setattr__(node, key, tuple(children))
    return node


def tokens_of(document: str) -> tuple[tuple[str, str], ...] | None:
    """The document's tokens as a sorted multiset (comments, commas and layout aside), or None
    when it does not lex or is longer than ``MAX_TOKENS``. Sorting a document's lists never
    changes this multiset, so a document whose multiset no trusted one has cannot be trusted:
    checked first, in linear time, before the costlier canonical form is computed."""
    lexer, found = Lexer(Source(document)), []
    try:
        token = lexer.advance()
        while token.kind != TokenKind.EOF:
            if len(found) == MAX_TOKENS:
                return None
            found.append((token.kind.value, token.value or ""))
            token = lexer.advance()
    except GraphQLError:
        return None
    return tuple(sorted(found))


class TrustedSet:
    """A set of trusted documents, recognised by content (``tokens_of`` first, then ``canonical``)."""

    def __init__(self, documents: Iterable[str]):
        documents = list(documents)
        self.token_sets = frozenset(filter(None, (tokens_of(text) for text in documents)))
        self.canonical_forms = frozenset(filter(None, (canonical(text) for text in documents)))
        self._contains = lru_cache(maxsize=1024)(self._check)

    def __contains__(self, document: str) -> bool:
        return self._contains(document)

    def _check(self, document: str) -> bool:
        if tokens_of(document) not in self.token_sets:
            return False  # linear: no crafted document reaches the canonical form's sorting
        return canonical(document) in self.canonical_forms


@cache
def build_documents(path: Path = MANIFEST) -> TrustedSet:
    """The documents of the app's build (empty, with an error logged, when the manifest is missing)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.error("trusted documents: %s is missing; run `cd frontend && npm run build`", path)
        manifest = {}
    return TrustedSet(manifest.values())


def plugin_documents(kernel) -> TrustedSet:
    """The documents plugins registered for their own pages (``register.trusted_documents``),
    made once per kernel."""
    found = getattr(kernel, "_trusted_plugin_documents", None)
    if found is None:
        contributions = getattr(kernel, "contributions", None)
        found = TrustedSet(document for _, _, document in getattr(contributions, "trusted_documents", ()))
        kernel._trusted_plugin_documents = found
    return found


def is_trusted(document: str | None, kernel=None) -> bool:
    """Whether ``document`` is one of the build's documents, or one a plugin of ``kernel``
    registered for its pages (whitespace and order aside)."""
    if not document or len(document) > LONGEST:
        return False
    return document in build_documents() or (kernel is not None and document in plugin_documents(kernel))


def _policy(context) -> str:
    config = getattr(getattr(context, "kernel", None), "config", None)
    return getattr(config, "trusted_documents", "off")


def _exempt(context) -> bool:
    """Administrators may run any document (GraphiQL, ad-hoc queries)."""
    return getattr(context, "user", None) is not None and bool(ADMINISTRATOR_ROLES.intersection(getattr(context, "roles", ())))


class TrustedDocuments(SchemaExtension):
    """Refuses, under ``allow-listed``, a document the build did not register. The refused
    document is swapped for a stand-in before parsing and the refusal becomes the operation's
    only error at validation (listed after ``DocumentValidationCache``, which overwrites the errors)."""

    refusal: GraphQLError | None = None

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        if _policy(ctx.context) == "allow-listed" and not _exempt(ctx.context) and not is_trusted(ctx.query, getattr(ctx.context, "kernel", None)):
            self.refusal = GraphQLError(
                "This server runs only the documents its front end registered (trusted documents); "
                "send one of those, or log in as an administrator to run others.",
                extensions={"code": NOT_ALLOWED},
            )
            ctx.query = _STAND_IN
            ctx._provided_operation_name = None  # the stand-in has one operation, whatever was named
        yield

    def on_validate(self) -> Iterator[None]:
        if self.refusal is not None:
            self.execution_context.pre_execution_errors = [self.refusal]
        yield
