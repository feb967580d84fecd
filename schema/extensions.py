"""Request-wide GraphQL behaviour: limits, cost, error masking, plugin-aware messages."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator

from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    IntValueNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as create_alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as create_depth_rule

from core.observability import GRAPHQL_REQUESTS, GRAPHQL_SECONDS
from schema.connection import DEFAULT_PAGE_SIZE
from schema.errors import is_expected
from schema.statements import current_statements

log = logging.getLogger("jiedao.graphql")

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_COST = 100_000


LIST_ESTIMATE = 5
"""The assumed length of a list field that takes no ``first`` argument."""


def _multiplier(field: FieldNode, field_type, variables: dict) -> int:
    if field.name.value == "edges":
        return 1  # the connection's `first` already counted the page
    for argument in field.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 1)
            if isinstance(value, VariableNode):
                return max(int(variables.get(value.name.value) or DEFAULT_PAGE_SIZE), 1)
    while isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return LIST_ESTIMATE if isinstance(field_type, GraphQLList) else 1


def _cost(
    selection_set: SelectionSetNode | None,
    parent,
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict,
    seen: frozenset[str] = frozenset(),
) -> int:
    """Each field costs 1; a list field multiplies the cost of what it selects by its
    ``first`` argument (or ``LIST_ESTIMATE``)."""
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            definition = getattr(parent, "fields", {}).get(selection.name.value)
            if definition is None:
                total += 1
                continue
            child = get_named_type(definition.type)
            inner = _cost(selection.selection_set, child, schema, fragments, variables, seen)
            total += 1 + _multiplier(selection, definition.type, variables) * inner
        elif isinstance(selection, InlineFragmentNode):
            target = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            total += _cost(selection.selection_set, target, schema, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                fragment = fragments[name]
                target = schema.get_type(fragment.type_condition.name.value)
                total += _cost(fragment.selection_set, target, schema, fragments, variables, seen | {name})
    return total


class CostLimiter(SchemaExtension):
    """Computes the cost of the operation, refuses it above ``MAX_COST``, and reports it."""

    cost: int = 0

    def on_validate(self) -> Iterator[None]:
        # Runs after ValidationCache (listed before it), which validates before yielding.
        ctx = self.execution_context
        if ctx.pre_execution_errors or ctx.graphql_document is None:
            yield
            return
        fragments = {d.name.value: d for d in ctx.graphql_document.definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in ctx.graphql_document.definitions if isinstance(d, OperationDefinitionNode)]
        if ctx.operation_name:
            operations = [o for o in operations if o.name and o.name.value == ctx.operation_name]
        schema = ctx.schema._schema
        roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
        self.cost = sum(
            _cost(o.selection_set, roots[o.operation.value], schema, fragments, ctx.variables or {}) for o in operations[:1]
        )
        if self.cost > MAX_COST:
            ctx.pre_execution_errors = [
                GraphQLError(
                    f"The query's cost {self.cost} exceeds the limit of {MAX_COST}; ask for smaller pages.",
                    extensions={"code": "COST_LIMIT"},
                )
            ]
        yield

    def get_results(self) -> dict:
        results: dict = {"cost": self.cost}
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
        # Runs after ValidationCache (listed before it), which validates before yielding.
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


class RequestMetrics(SchemaExtension):
    """Counts and times every operation per street and operation type (Prometheus)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        street = getattr(ctx.context, "street", "-")
        try:
            operation = ctx.operation_type.value
        except Exception:  # noqa: BLE001 - unparsable documents have no operation type
            operation = "invalid"
        result = ctx.result
        outcome = "error" if getattr(result, "errors", None) else "ok"
        GRAPHQL_REQUESTS.labels(street, operation, outcome).inc()
        GRAPHQL_SECONDS.labels(street, operation).observe(time.perf_counter() - started)


class MaskUnexpectedErrors(MaskErrors):
    """Masks unexpected failures (no stack trace, no SQL), logging them with the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_expected(error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", "-")
        log.error("unexpected error in request %s at %s", request_id, error.path, exc_info=error.original_error)
        return GraphQLError(
            f"Internal error. Quote request id {request_id} when reporting it.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )


# Built once: the validation cache is keyed by the rule classes, and the limiter
# extensions would otherwise create new classes for every request.
LIMIT_RULES = (create_depth_rule(MAX_DEPTH, None, None), create_alias_rule(MAX_ALIASES))
CACHE_SIZE = 512


def schema_extensions() -> list:
    """The extension factories every Jiedao schema uses (a fresh instance per request)."""
    return [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(list(LIMIT_RULES)),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        PluginAwareErrors,
        CostLimiter,
        RequestMetrics,
        MaskUnexpectedErrors,
    ]
