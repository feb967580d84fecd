"""The depth limit: a root field is at depth 1, each nested selection one more."""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)


def _depth(selection_set: SelectionSetNode | None, fragments: dict, limit: int, seen: frozenset[str] = frozenset()) -> int:
    """The depth of the deepest field under ``selection_set``, counting stops past ``limit``.

    Introspection fields (``__schema``, ``__type``) are not counted: the introspection
    setting governs them, and GraphiQL's own introspection query is deep.
    """
    if selection_set is None or limit < 0:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, limit - 1, seen))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, limit, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                deepest = max(deepest, _depth(fragments[name].selection_set, fragments, limit, seen | {name}))
        if deepest > limit:
            break
    return deepest


def create_depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing operations nested deeper than ``max_depth`` fields."""

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
            for operation in definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                depth = _depth(operation.selection_set, fragments, max_depth)
                if depth > max_depth:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}: it nests fields more than {max_depth} levels deep.",
                            [operation],
                            extensions={"code": "DEPTH_LIMIT"},
                        )
                    )

    return DepthLimit
