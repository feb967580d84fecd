"""Request-wide GraphQL behaviour: limits, cost, error masking, plugin-aware messages."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator

from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.types.graphql import OperationType
from strawberry.extensions.max_aliases import create_validator as create_alias_rule

from jiedao.schema.observability import GRAPHQL_REQUESTS, GRAPHQL_SECONDS, HANDED_BACK_AT, child
from jiedao.schema.budget import DEFAULT_MAX_OBJECTS, start_budget, stop_budget
from jiedao.schema.cost import Estimate, estimate
from jiedao.schema.depth import create_depth_rule
from jiedao.schema.errors import is_expected
from jiedao.schema.localise import ErrorsAfterOperation, LocaliseErrors
from jiedao.schema.statements import current_statements
from jiedao.schema.trusted_documents import TrustedDocuments
from jiedao.schema.validation_cache import DocumentValidationCache

log = logging.getLogger("jiedao.graphql")

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_COST = 100_000


def _settings(context) -> tuple[int, str]:
    """``(max_objects, introspection)`` of the deployment serving ``context``."""
    config = getattr(getattr(context, "kernel", None), "config", None)
    return getattr(config, "max_objects", DEFAULT_MAX_OBJECTS), getattr(config, "introspection", "authenticated")


def _introspection_refusal(policy: str, context) -> GraphQLError | None:
    if policy == "always" or (policy == "authenticated" and getattr(context, "user", None) is not None):
        return None
    if policy == "never":
        message = "Introspection (__schema, __type) is disabled on this server; the schema is published as SDL."
    else:
        message = "Introspection (__schema, __type) needs a logged-in caller on this server; send a bearer token (in GraphiQL: log in with the box above the editor)."
    return GraphQLError(message, extensions={"code": "INTROSPECTION_DISABLED"})


class CostLimiter(SchemaExtension):
    """Estimates the operation before it runs (``schema.cost``) and refuses it when its cost
    exceeds ``MAX_COST``, when it would return more than ``max_objects`` list items, when a
    page size is out of range, or when it introspects and the caller may not. While it runs,
    counts the list items actually resolved (``schema.budget``) and stops it past the limit."""

    cost: int = 0
    objects: int = 0

    def on_validate(self) -> Iterator[None]:
        # Runs after DocumentValidationCache (listed before it), which validates before yielding.
        ctx = self.execution_context
        if ctx.pre_execution_errors or ctx.graphql_document is None:
            yield
            return
        figures = estimate(ctx.graphql_document, ctx.operation_name, ctx.schema._schema, ctx.variables)
        self.cost, self.objects = figures.cost, figures.objects
        refusal = cost_refusal(figures, ctx.context)
        if refusal is not None:
            ctx.pre_execution_errors = [refusal]
        yield

    def on_execute(self) -> Iterator[None]:
        budget = start_budget(_settings(self.execution_context.context)[0])
        try:
            yield
        finally:
            stop_budget()
        result = self.execution_context.result
        if budget.exceeded is not None and result is not None:
            # One error for the whole operation, not one per list that was cut short.
            result.data = None
            result.errors = [GraphQLError(budget.exceeded.args[0], extensions=dict(budget.exceeded.extensions))]

    def get_results(self) -> dict:
        return cost_results(self.cost, self.objects)


def cost_refusal(figures: Estimate, context) -> GraphQLError | None:
    """The error refusing an operation of estimate ``figures`` for the caller of ``context``
    before it runs (introspection it may not use, more objects than ``max_objects``, a cost
    over ``MAX_COST``, or the estimate's own error), or ``None``."""
    max_objects, introspection = _settings(context)
    refusal = figures.error
    if refusal is None and figures.introspection:
        refusal = _introspection_refusal(introspection, context)
    if refusal is None and figures.objects > max_objects:
        refusal = GraphQLError(
            f"The query could return {figures.objects} objects, more than the limit of {max_objects}; "
            "ask for smaller pages (first:) or fewer nested lists.",
            extensions={"code": "QUERY_TOO_COSTLY", "objects": figures.objects, "limit": max_objects},
        )
    if refusal is None and figures.cost > MAX_COST:
        refusal = GraphQLError(
            f"The query's cost {figures.cost} exceeds the limit of {MAX_COST}; ask for smaller pages.",
            extensions={"code": "COST_LIMIT", "cost": figures.cost, "limit": MAX_COST},
        )
    return refusal


def cost_results(cost: int, objects: int) -> dict:
    """The answer's ``extensions`` entries of ``CostLimiter``: the estimate's cost and objects
    (and, under ``JIEDAO_DEBUG=1``, the request's statement count)."""
    results: dict = {"cost": cost, "objects": objects}
    statements = current_statements()
    if statements is not None and os.environ.get("JIEDAO_DEBUG") == "1":
        results["statements"] = statements.count
    return results


_UNKNOWN_FIELD = re.compile(r"^Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\.")
_UNKNOWN_TYPE = re.compile(r"^Unknown type '(?P<type>\w+)'\.")
_UNSUPPORTED_ROOT = re.compile(r"^The (?P<operation>mutation|subscription) operation is not supported by the schema\.")


def _owner_of_first_root_field(document, operation: str, owners) -> str | None:
    """The plugin owning the first field of the document's first ``operation``."""
    for definition in getattr(document, "definitions", ()):
        if isinstance(definition, OperationDefinitionNode) and definition.operation.value == operation:
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode):
                    return owners.field_owner.get((operation.capitalize(), selection.name.value))
    return None


class PluginAwareErrors(SchemaExtension):
    """Tells the caller which plugin provides a field or type this street does not enable."""

    def on_validate(self) -> Iterator[None]:
        # Runs after DocumentValidationCache (listed before it), which validates before yielding.
        ctx = self.execution_context
        owners = getattr(ctx.schema, "jiedao_owners", None)
        if ctx.pre_execution_errors and owners is not None:
            street = getattr(ctx.context, "street", "this street")
            document = ctx.graphql_document
            ctx.pre_execution_errors = [self._explain(e, owners, street, document) for e in ctx.pre_execution_errors]
        yield

    @staticmethod
    def _explain(error: GraphQLError, owners, street: str, document) -> GraphQLError:
        plugin = None
        if match := _UNKNOWN_FIELD.match(error.message):
            plugin = owners.field_owner.get((match["type"], match["field"]))
        elif match := _UNKNOWN_TYPE.match(error.message):
            plugin = owners.type_owner.get(match["type"])
        elif match := _UNSUPPORTED_ROOT.match(error.message):
            plugin = _owner_of_first_root_field(document, match["operation"], owners)
        if plugin is None or plugin == "core":
            return error
        return GraphQLError(
            f"{error.message.split('.')[0]}. It is provided by plugin '{plugin}', which street '{street}' does not enable.",
            nodes=error.nodes,
            extensions={"code": "PLUGIN_NOT_ENABLED", "plugin": plugin},
        )


class PrometheusOperations(SchemaExtension):
    """Counts and times every GraphQL operation per street and operation type (Prometheus
    series of ``core.observability``); an operation a known query handed back is timed from
    the known query's start (``HANDED_BACK_AT``)."""

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        request = getattr(ctx.context, "request", None)
        handed_back_at = None if request is None else request.scope.get(HANDED_BACK_AT)
        started = time.perf_counter() if handed_back_at is None else handed_back_at
        yield
        street = getattr(ctx.context, "street", "-")
        try:
            operation = ctx.operation_type.value
        except Exception:  # noqa: BLE001 - unparsable documents have no operation type
            operation = "invalid"
        result = ctx.result
        outcome = "error" if getattr(result, "errors", None) else "ok"
        child(GRAPHQL_REQUESTS, street, operation, outcome).inc()
        child(GRAPHQL_SECONDS, street, operation).observe(time.perf_counter() - started)


class QueriesMayReadReplicas(SchemaExtension):
    """Marks a query's context read-only once its operation is known, so its reads may go to a
    read replica of the cell (``core.replicas``) or, on the primary, be read outside a
    transaction (``core.db_alone``); mutations and subscriptions read the primary in
    transactions."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        context = ctx.context
        if getattr(getattr(context, "kernel", None), "db", None) is not None:
            try:
                context.read_only = ctx.operation_type is OperationType.QUERY
            except Exception:  # noqa: BLE001 - no operation (refused before execution): nothing is read
                context.read_only = False
        yield


class MaskUnexpectedErrors(ErrorsAfterOperation):
    """Masks unexpected failures (no stack trace, no SQL), logging them with the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_expected(error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked_internal_error(error, getattr(self.execution_context.context, "request_id", "-"))


def masked_internal_error(error: GraphQLError, request_id: str) -> GraphQLError:
    """The error a client sees for an unexpected failure (code ``INTERNAL``, the request id, no
    detail); the failure is logged with its traceback."""
    log.error("unexpected error in request %s at %s", request_id, error.path, exc_info=error.original_error)
    return GraphQLError(
        f"Internal error. Quote request id {request_id} when reporting it.",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL", "requestId": request_id},
    )


# Built once: the validation cache is keyed by the rule classes, and the limiter
# extensions would otherwise create new classes for every request.
LIMIT_RULES = (create_depth_rule(MAX_DEPTH), create_alias_rule(MAX_ALIASES))
CACHE_SIZE = 512


def schema_extensions() -> list:
    """The extension factories every Jiedao schema uses (a fresh instance per request)."""
    return [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: DocumentValidationCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(list(LIMIT_RULES)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        TrustedDocuments,
        PluginAwareErrors,
        CostLimiter,
        PrometheusOperations,
        QueriesMayReadReplicas,
        MaskUnexpectedErrors,
        LocaliseErrors,
    ]
