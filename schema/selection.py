"""What a query selects under a field, collected as graphql-core's executor collects it.

A look-ahead (``schema.references``, ``core.registry_lookahead``) reads rows for fields the
query will ask for further down. It must see the selection the executor will execute:
fields inside named and inline fragments whose type condition matches (what Relay and Apollo
send: every component brings its fragment), fields under ``@skip``/``@include`` with the
request's variables applied, aliases of one field merged. ``selected_fields`` asks
graphql-core's own ``collect_subfields`` for exactly that, so the look-ahead and the
executor cannot disagree about what is selected. A deferred part (``@defer``) answers
``None``: the executor answers it later, on its own path, and nothing is read ahead for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql import FieldNode, GraphQLObjectType, GraphQLResolveInfo, get_named_type
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_subfields
from graphql.execution.values import VariableValues

SKIP_AND_INCLUDE = frozenset({"skip", "include"})
"""The directives the collection itself applies; a field carrying any other one is not plain."""

Selection = dict[str, list[FieldNode]]
"""Field name → the field nodes selecting it (one per alias or repetition)."""


def selected_fields(info: GraphQLResolveInfo, parent_type: GraphQLObjectType, nodes: Sequence[FieldNode]) -> Selection | None:
    """The fields selected under ``nodes`` (fields of ``parent_type``), through fragments and
    ``@skip``/``@include`` as the executor collects them, by field name; ``None`` when part of
    the selection is deferred."""
    fragments = {name: FragmentDetails(definition) for name, definition in info.fragments.items()}
    variables = info.variable_values
    if not isinstance(variables, VariableValues):  # Strawberry hands resolvers the coerced dict alone
        variables = VariableValues(sources={}, coerced=variables)
    collected = collect_subfields(
        info.schema, fragments, variables, info.operation, parent_type, [FieldDetails(node, None) for node in nodes]
    )
    if collected.new_defer_usages:
        return None
    by_name: Selection = {}
    for details in collected.grouped_field_set.values():
        for detail in details:
            by_name.setdefault(detail.node.name.value, []).append(detail.node)
    return by_name


def object_type_of(parent_type: GraphQLObjectType, name: str) -> GraphQLObjectType | None:
    """The object type the field ``name`` of ``parent_type`` answers (lists and non-null
    unwrapped); ``None`` for a scalar, an interface or a union, or no such field."""
    field = parent_type.fields.get(name)
    named = get_named_type(field.type) if field is not None else None
    return named if isinstance(named, GraphQLObjectType) else None


def selected_path(info: GraphQLResolveInfo, parent_type: GraphQLObjectType, nodes: Sequence[FieldNode], *names: str) -> tuple[GraphQLObjectType, Selection] | None:
    """Walk ``names`` down from ``nodes`` (e.g. ``"edges", "node"`` from a connection field):
    the object type reached and the fields selected on it; ``None`` when a step is not
    selected, is deferred, or answers no single object type."""
    selection = selected_fields(info, parent_type, nodes)
    for name in names:
        step_type = object_type_of(parent_type, name)
        if selection is None or step_type is None or name not in selection:
            return None
        parent_type, selection = step_type, selected_fields(info, step_type, selection[name])
    return None if selection is None else (parent_type, selection)


def no_directive_left(node: FieldNode) -> bool:
    """Whether ``node`` carries no directive beyond ``@skip``/``@include`` (which collecting
    the fields has already applied); ``@stream`` and the like need the general path."""
    return all(directive.name.value in SKIP_AND_INCLUDE for directive in node.directives or ())


def selected_page_nodes(info: GraphQLResolveInfo) -> tuple[GraphQLObjectType, Selection] | None:
    """For a connection field being resolved (``info``, graphql-core's): the type of its
    nodes and the fields selected on them under ``edges { node { ... } }``; ``None`` when
    nothing is selected there, part of it is deferred, or the nodes are of varying types."""
    connection_type = get_named_type(info.return_type)
    if not isinstance(connection_type, GraphQLObjectType):
        return None
    return selected_path(info, connection_type, info.field_nodes, "edges", "node")


def connection_selects(info: GraphQLResolveInfo, name: str) -> bool:
    """Whether the selection of the connection field being resolved (``info``, graphql-core's)
    asks for its field ``name`` (e.g. ``totalCount``), through fragments as the executor
    collects it; ``False`` when that part is deferred."""
    connection_type = get_named_type(info.return_type)
    if not isinstance(connection_type, GraphQLObjectType):
        return False
    selection = selected_fields(info, connection_type, info.field_nodes)
    return selection is not None and name in selection


def plain_nodes(nodes: Sequence[FieldNode]) -> bool:
    """Whether none of ``nodes`` has arguments or a directive beyond ``@skip``/``@include``."""
    return all(not node.arguments and no_directive_left(node) for node in nodes)
