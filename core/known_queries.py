"""Queries answered again without executing them: a known document, one statement.

A front end sends the same few documents again and again. When one compiled statement
(``schema.compiled_reads``) answered a query whole, what Strawberry and graphql-core did
around it — the parse cache, validation, eleven extensions' hooks, the execution context,
the result's processing — was about half the CPU of a request for one building
(``bench/api.py``), and it depended only on the document, the schema and the caller's
permission set, not on the request. ``KnownQueries`` remembers such a query per view
(schema) by its text, operation name, the caller's permission set and the trusted-documents
policy; the next request with the same key is answered here, doing what still depends on
the request:

- its variables are coerced against the operation's definitions (graphql-core's own
  ``get_variable_values``; a string given for an ``ID``, an int for an ``Int`` is its own
  coerced value and is taken as it is, ``coerced_plainly``), and its cost is estimated with
  them and refused as ``CostLimiter`` would (``schema.extensions.cost_refusal``);
- the statement's parameters are bound (``compiled_reads.bind_values``) and it runs on the
  request's context, read-only, as on the general path;
- the answer is the same JSON (``data``, then ``extensions`` with the cost), counted in the
  same Prometheus series.

Whatever is not ordinary — a variable with an error, a refusal, an argument ``bind`` leaves
to the general path, a statement that steps aside or fails — is handed back to Strawberry's
view, which then answers or reports it exactly as before; after a statement that ran, it
answers without compiling (``STEPPED_ASIDE``: the statement is not run twice). Documents with
directives are never remembered (their compiled form depends on the variables), nor those
longer than ``LONGEST``. ``JIEDAO_COMPILED_READS=0`` turns this off with compiled reads.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    DocumentNode,
    GraphQLBoolean,
    GraphQLError,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
)
from graphql.execution.get_variable_signature import get_variable_signature
from graphql.execution.values import VariableValues, VariableValueSource, get_variable_values
from prometheus_client import Counter

from jiedao.schema import compiled_reads
from jiedao.schema.compiled_reads import CompiledAnswer, CompiledOperation, bind_values, has_directives
from jiedao.schema.cost import estimate
from jiedao.schema.extensions import cost_refusal, cost_results
from jiedao.schema.observability import GRAPHQL_REQUESTS, GRAPHQL_SECONDS, HANDED_BACK_AT, child

log = logging.getLogger("jiedao.graphql")

KNOWN_QUERIES = Counter(
    "jiedao_known_queries_total",
    "HTTP queries of a known document (one compiled statement answered it before), by outcome: "
    "answered here, or handed to the general path (general).",
    ["outcome"],
)
SIZE = 512
"""Documents remembered per view (least recently used forgotten first)."""
LONGEST = 20_000
"""Longer documents are not remembered (an entry keeps its text: no padded variants filling
memory; a front end's documents are far shorter)."""
STEPPED_ASIDE = "stepped aside"
"""``Context.compiled_answer`` of a request whose known statement ran and stepped aside or
failed: its general path answers without the compiled statement (``schema.compiled_reads``)."""


@dataclass(frozen=True)
class KnownQuery:
    """A query one compiled statement answers whole."""

    compiled: CompiledOperation
    operation: OperationDefinitionNode
    document: DocumentNode
    """The operation with its fragments: what its cost estimate walks."""
    plain_variables: tuple[tuple[Any, Any, bool], ...] | None
    """``(signature, scalar, non-null)`` per variable when each is a built-in scalar without
    a default (``plain_variables``), else ``None``."""
    bound: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    """An operation without variables: its statement's parameters per street, bound once
    (``bind_values`` depends on nothing else then; coercing the alarm list's default choices
    and page size was about 7 % of its CPU)."""


_BUILT_IN = {GraphQLID: str, GraphQLString: str, GraphQLInt: int, GraphQLBoolean: bool}
"""Built-in scalars and the Python type a JSON value of theirs has, coerced to itself."""


def plain_variables(schema: GraphQLSchema, operation: OperationDefinitionNode) -> tuple[tuple[Any, Any, bool], ...] | None:
    """The operation's variables as ``(signature, scalar, non-null)`` when every one is an
    ``ID``, ``String``, ``Int`` or ``Boolean`` without a default value, else ``None``."""
    found = []
    for definition in operation.variable_definitions or ():
        signature = get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError) or definition.default_value is not None:
            return None
        non_null = isinstance(signature.type, GraphQLNonNull)
        scalar = signature.type.of_type if non_null else signature.type
        if scalar not in _BUILT_IN:
            return None
        found.append((signature, scalar, non_null))
    return tuple(found)


def coerced_plainly(plain: tuple[tuple[Any, Any, bool], ...], variables: dict[str, Any]) -> VariableValues | None:
    """The coerced variables when each given value is what its scalar coerces to itself (a
    string for an ``ID`` or ``String``, an int within 32 bits for an ``Int``, a boolean) and
    each non-null one is given — graphql-core's ``get_variable_values`` for them, without
    its walk; ``None`` for anything else (graphql-core then coerces or reports it)."""
    sources: dict[str, VariableValueSource] = {}
    coerced: dict[str, Any] = {}
    for signature, scalar, non_null in plain:
        name = signature.name
        if name not in variables:
            if non_null:
                return None
            sources[name] = VariableValueSource(signature)
            continue
        value = variables[name]
        if value is None:
            if non_null:
                return None
        elif type(value) is not _BUILT_IN[scalar] or (scalar is GraphQLInt and not GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT):
            return None
        sources[name] = VariableValueSource(signature, value)
        coerced[name] = value
    return VariableValues(sources, coerced)


def known_key(query: str, operation_name: str | None, auth: Any, kernel: Any) -> tuple:
    """What a known query's answer may depend on besides its variables and street: the
    document, the operation chosen, the caller's permission set (what the compiled statement
    was decided for) and the trusted-documents policy (which refuses documents)."""
    policy = getattr(kernel.config, "trusted_documents", "off")
    return (query, operation_name, not auth.signed_in, auth.roles, auth.permissions, policy)


class KnownQueries:
    """The known queries of one view's schema."""

    def __init__(self, schema: GraphQLSchema, size: int = SIZE) -> None:
        self.schema = schema
        self.size = size
        self._known: OrderedDict[tuple, KnownQuery] = OrderedDict()

    def remember(self, key: tuple, answered: CompiledAnswer) -> None:
        """Remember that the compiled statement of ``answered`` answered the request of
        ``key`` whole (and without an error), unless its document has directives."""
        if has_directives(answered.operation) or len(key[0]) > LONGEST:
            return
        document = DocumentNode(definitions=(answered.operation, *answered.fragments))
        self._known[key] = KnownQuery(answered.compiled, answered.operation, document, plain_variables(self.schema, answered.operation))
        self._known.move_to_end(key)
        if len(self._known) > self.size:
            self._known.popitem(last=False)

    def find(self, key: tuple) -> KnownQuery | None:
        """The known query of ``key``, or ``None`` (also when compiled reads are off)."""
        if not compiled_reads.ENABLED:
            return None
        known = self._known.get(key)
        if known is not None:
            self._known.move_to_end(key)
        return known

    async def answer(self, known: KnownQuery, variables: dict[str, Any] | None, operation_name: str | None, context: Any) -> dict[str, Any] | None:
        """The response body of ``known`` for this request's ``variables``, read on
        ``context``; ``None`` when the general path must answer (see the module). When the
        statement ran and stepped aside or failed, ``context.compiled_answer`` is
        ``STEPPED_ASIDE``: the general path need not run it again."""
        started = time.perf_counter()
        try:
            body = await self._answer(known, variables, operation_name, context)
        except Exception:  # noqa: BLE001 - a fault here must not cost the caller the answer
            log.exception("known query answered by the general path after a failure (request %s)", context.request_id)
            body = None
        if body is None:
            child(KNOWN_QUERIES, "general").inc()
            request = getattr(context, "request", None)
            if request is not None:  # the executor's time is counted from here
                request.scope[HANDED_BACK_AT] = started
            return None
        child(KNOWN_QUERIES, "answered").inc()
        child(GRAPHQL_REQUESTS, context.street, "query", "ok").inc()
        child(GRAPHQL_SECONDS, context.street, "query").observe(time.perf_counter() - started)
        return body

    async def _answer(self, known: KnownQuery, variables: dict[str, Any] | None, operation_name: str | None, context: Any) -> dict[str, Any] | None:
        coerced = None if known.plain_variables is None else coerced_plainly(known.plain_variables, variables or {})
        if coerced is None:
            coerced = get_variable_values(self.schema, known.operation.variable_definitions or (), variables or {})
            if isinstance(coerced, list):  # the variables' errors: the general path reports them
                return None
        figures = estimate(known.document, operation_name, self.schema, variables)
        if cost_refusal(figures, context) is not None:
            return None
        parameters = known.bound.get(context.street_id)
        if parameters is None:
            parameters = bind_values(known.compiled, context.street_id, coerced)
            if parameters is None:
                return None
            if not known.operation.variable_definitions:
                known.bound[context.street_id] = parameters = tuple(parameters)
        context.read_only = True
        context.compiled_answer = STEPPED_ASIDE  # until it has answered
        try:
            data = await compiled_reads.answer(known.compiled, parameters, context, known.compiled.roots[0][3])
        except GraphQLError:  # the general path reads without it and reports what it finds
            return None
        if data is None:
            return None
        context.compiled_answer = None
        return {"data": data, "extensions": cost_results(figures.cost, figures.objects)}
