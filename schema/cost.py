"""What an operation would cost, estimated from its document before anything runs.

Every field costs 1. A field multiplies what it selects by how many values it returns:
its ``first`` argument (a connection page), its ``limit`` argument, or, for a list
without either, the bound declared where the list is defined
(``@strawberry.field(metadata=list_bound(500))``) or ``DEFAULT_LIST_BOUND``. Nested
lists multiply. ``objects`` counts the list items the operation would return; it is
what ``QUERY_TOO_COSTLY`` compares with ``max_objects``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from jiedao.schema.connection import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

LIST_BOUND_KEY = "jiedao.list_bound"
DEFAULT_LIST_BOUND = 50
"""The assumed length of a list that declares no bound and takes no ``first``/``limit``."""

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def list_bound(items: int) -> dict[str, int]:
    """Field metadata declaring how many items a list field returns at most in practice,
    e.g. ``@strawberry.field(metadata=list_bound(500))`` on ``Building.units``."""
    if items < 1:
        raise ValueError("a list bound must be at least 1")
    return {LIST_BOUND_KEY: items}


def declared_bound(definition: Any) -> int | None:
    """The bound a GraphQL field declared with ``list_bound``, if any."""
    strawberry_field = (definition.extensions or {}).get("strawberry-definition")
    metadata = getattr(strawberry_field, "metadata", None) or {}
    return metadata.get(LIST_BOUND_KEY)


def is_list(field_type: Any) -> bool:
    while isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


@dataclass
class Estimate:
    """The figures of one operation; ``error`` is set when an argument is out of range."""

    cost: int = 0
    objects: int = 0
    introspection: bool = False
    error: GraphQLError | None = None


@dataclass
class _Walker:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    defaults: dict[str, Any]
    estimate: Estimate = field(default_factory=Estimate)
    _fragment_figures: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def argument(self, node: FieldNode, definition: Any, name: str) -> int | None:
        """The integer value of argument ``name`` (literal, variable or schema default)."""
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, NullValueNode):
                return None
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value, self.defaults.get(value.name.value))
                # graphql-core coerces an integral float (100.0) to the Int 100: count it so.
                # Anything else fails variable coercion with its own message.
                if isinstance(raw, float) and raw.is_integer():
                    return int(raw)
                return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            return None
        argument_definition = definition.args.get(name)
        default = getattr(argument_definition, "default_value", None)
        return default if isinstance(default, int) and not isinstance(default, bool) else None

    def multiplier(self, node: FieldNode, definition: Any, parent: Any) -> int:
        """How many values ``node`` returns per parent value."""
        if "first" in definition.args:
            size = None
            for argument in ("first", "last"):
                value = self.argument(node, definition, argument) if argument in definition.args else None
                if value is not None and not 0 <= value <= MAX_PAGE_SIZE and self.estimate.error is None:
                    self.estimate.error = GraphQLError(
                        f"Argument '{argument}' of field '{parent.name}.{node.name.value}' must be between 0 and {MAX_PAGE_SIZE}, got {value}.",
                        nodes=[node],
                        extensions={"code": "PAGE_SIZE", "field": argument},
                    )
                if value is not None:
                    size = max(size or 0, value)
            return max(1, min(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE if size is None else size))
        if not is_list(definition.type):
            return 1
        if node.name.value == "edges" and "pageInfo" in getattr(parent, "fields", {}):
            return 1  # the connection's `first` already counted the page
        if "limit" in definition.args:
            limit = self.argument(node, definition, "limit")
            if limit is not None:
                return max(1, min(MAX_PAGE_SIZE, limit))  # the resolver refuses a larger one by name
        return declared_bound(definition) or DEFAULT_LIST_BOUND

    def walk(self, selection_set: SelectionSetNode | None, parent: Any, seen: frozenset[str] = frozenset()) -> tuple[int, int]:
        """``(cost, objects)`` of a selection set on ``parent``."""
        if selection_set is None:
            return 0, 0
        cost = objects = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name in INTROSPECTION_FIELDS:
                    self.estimate.introspection = True
                definition = getattr(parent, "fields", {}).get(name)
                if definition is None:
                    cost += 1
                    continue
                inner_cost, inner_objects = self.walk(selection.selection_set, get_named_type(definition.type), seen)
                times = self.multiplier(selection, definition, parent)
                cost += 1 + times * inner_cost
                objects += times * inner_objects + (times if is_list(definition.type) else 0)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                inner_cost, inner_objects = self.walk(selection.selection_set, target, seen)
                cost, objects = cost + inner_cost, objects + inner_objects
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in self.fragments or name in seen:
                    continue
                fragment = self.fragments[name]
                target = self.schema.get_type(fragment.type_condition.name.value)
                key = (name, getattr(parent, "name", ""))
                if key not in self._fragment_figures:  # a fragment spread many times is walked once
                    self._fragment_figures[key] = self.walk(fragment.selection_set, target, seen | {name})
                inner_cost, inner_objects = self._fragment_figures[key]
                cost, objects = cost + inner_cost, objects + inner_objects
        return cost, objects


_KEPT: OrderedDict[tuple, tuple[Any, Estimate]] = OrderedDict()
_KEPT_SIZE = 512


def estimate(document: Any, operation_name: str | None, schema: GraphQLSchema, variables: dict[str, Any] | None) -> Estimate:
    """The cost, object count and introspection use of the operation that will run; kept
    per parsed document (the request's parse cache hands the same one for the same text),
    operation, schema and the values of the variables the walk reads — those given as a
    ``first``, ``last`` or ``limit`` argument (``size_variables``) — when they are small
    (``_frozen_variables``): a front end asks the same few operations again and again, for
    one building after another (the walk was a tenth of a short query's CPU)."""
    if isinstance(variables, dict):
        names = size_variables(document)
        frozen = _frozen_variables({name: value for name, value in variables.items() if name in names}) if names else ()
    else:
        frozen = () if not variables else None
    if frozen is None:  # too large to keep as a key, or not JSON: walk again
        return _estimate(document, operation_name, schema, variables)
    key = (id(document), operation_name, id(schema), frozen)
    kept = _KEPT.get(key)
    if kept is not None and kept[0] is document:
        _KEPT.move_to_end(key)
        return kept[1]
    figures = _estimate(document, operation_name, schema, variables)
    if figures.error is None:  # an error is the request's own (its message gets translated)
        _KEPT[key] = (document, figures)  # the document is kept with it: its id is not reused
        if len(_KEPT) > _KEPT_SIZE:
            _KEPT.popitem(last=False)
    return figures


SIZE_ARGUMENTS = frozenset({"first", "last", "limit"})
"""The arguments whose values the estimate reads (``_Walker.multiplier``)."""

_SIZE_NAMES: dict[int, tuple[Any, frozenset[str]]] = {}
"""``size_variables`` per parsed document's id, with the document (so a reused id is not taken for it)."""


def size_variables(document: Any) -> frozenset[str]:
    """The names of the variables a parsed document gives directly as a ``first``, ``last``
    or ``limit`` argument anywhere (its operations and fragments): the only variables whose
    values change its estimate. Kept per document (the parse cache hands the same one)."""
    kept = _SIZE_NAMES.get(id(document))
    if kept is not None and kept[0] is document:
        return kept[1]
    names: set[str] = set()
    pending = [definition.selection_set for definition in getattr(document, "definitions", ()) if getattr(definition, "selection_set", None)]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                for argument in selection.arguments or ():
                    if argument.name.value in SIZE_ARGUMENTS and isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)
            if getattr(selection, "selection_set", None) is not None:
                pending.append(selection.selection_set)
    if len(_SIZE_NAMES) >= _KEPT_SIZE:
        _SIZE_NAMES.clear()
    found = frozenset(names)
    _SIZE_NAMES[id(document)] = (document, found)  # the document kept: its id is not reused
    return found


_KEY_VALUES = 32
"""The most scalar values the variables of a kept estimate hold (a mutation's long input is
walked again rather than kept as a key)."""
_KEY_TEXT = 200
"""The longest string a kept estimate's variables hold."""


def _frozen_variables(variables: dict[str, Any]) -> tuple | None:
    """``variables`` as a hashable key — input objects and lists included, each scalar with
    its type (1, 1.0 and True are equal keys in Python, not to the walk) — or ``None`` when
    they hold more than ``_KEY_VALUES`` scalars, a string longer than ``_KEY_TEXT``, or
    anything that is not JSON."""
    budget = [_KEY_VALUES]

    def frozen(value: Any) -> Any:
        if isinstance(value, dict):
            return ("{", tuple(sorted((str(name), frozen(item)) for name, item in value.items())))
        if isinstance(value, list):
            return ("[", tuple(frozen(item) for item in value))
        budget[0] -= 1
        if budget[0] < 0 or (isinstance(value, str) and len(value) > _KEY_TEXT):
            raise _TooLarge
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise _TooLarge
        return (type(value), value)

    try:
        return frozen(variables)
    except (_TooLarge, RecursionError):
        return None


class _TooLarge(Exception):
    """Variables not to keep as a key."""


def _estimate(document: Any, operation_name: str | None, schema: GraphQLSchema, variables: dict[str, Any] | None) -> Estimate:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if not operations:
        return Estimate()
    operation = operations[0]
    defaults = {
        d.variable.name.value: int(d.default_value.value)
        for d in operation.variable_definitions or ()
        if isinstance(d.default_value, IntValueNode)
    }
    roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
    walker = _Walker(schema, fragments, variables if isinstance(variables, dict) else {}, defaults)
    walker.estimate.cost, walker.estimate.objects = walker.walk(operation.selection_set, roots[operation.operation.value])
    return walker.estimate
