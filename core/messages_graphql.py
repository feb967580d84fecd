"""graphql-core's own messages (parse, validation, variable coercion) and Jiedao's document
refusals, in the request's language.

graphql-core writes its messages in English with the values baked in ("Cannot query field
'nod' on type 'Query'. Did you mean 'node'?"). ``GRAPHQL_TEMPLATES`` lists the standard ones as
catalogue templates (msgids of the core catalogue, translated in
``core/locale/zh_CN/LC_MESSAGES/graphql.po``); ``translatable_graphql_message`` matches a message
against them and gives it back as a ``Translatable`` (a ``detail`` param -- the part after
"Syntax Error:" or "has invalid value:" -- is matched in turn, and a trailing "Did you mean
...?" is translated on its own). A message no template matches stays as it is. The error's
``extensions`` (its ``code``) are never touched (``schema.localise``).
"""

from __future__ import annotations

import re
from functools import cache

from jiedao.core.messages import MessagePatterns, Translatable

GRAPHQL_TEMPLATES: tuple[str, ...] = (
    # parsing (graphql-core's GraphQLSyntaxError: "Syntax Error: <detail>")
    "Syntax Error: {detail}",
    "Expected {expected}, found {found}.",
    "Unexpected {found}.",
    "Unterminated string.",
    "Unexpected character: {found}.",
    "Invalid number, {detail}",
    "Document contains more than {limit} tokens. Parsing aborted.",
    # validation
    "Cannot query field '{field_name}' on type '{type_name}'.",
    "Field '{field_name}' of type '{type_name}' must have a selection of subfields.",
    "Field '{field_name}' must not have a selection since type '{type_name}' has no subfields.",
    "Argument '{argument}' of type '{type_name}' is required, but it was not provided.",
    "Unknown argument '{argument}' on field '{field_name}'.",
    "Unknown argument '{argument}' on directive '@{directive}'.",
    "Unknown type '{type_name}'.",
    "Unknown fragment '{fragment}'.",
    "Fragment '{fragment}' is never used.",
    "Unknown directive '@{directive}'.",
    "There can be only one operation named '{operation}'.",
    "This anonymous operation must be the only defined operation.",
    "The {operation_type} operation is not supported by the schema.",
    "Variable '${variable}' is never used in operation '{operation}'.",
    "Variable '${variable}' is never used.",
    "Variable '${variable}' is not defined by operation '{operation}'.",
    "Variable '${variable}' is not defined.",
    "Variable '${variable}' of type '{type_name}' used in position expecting type '{expected}'.",
    "Variable '${variable}' cannot be non-input type '{type_name}'.",
    "Fields '{response_name}' conflict because {reason}. Use different aliases on the fields to fetch both if this was intentional.",
    "Value '{value}' does not exist in '{type_name}' enum.",
    "Expected value of type '{type_name}', found {value}.",
    "Field '{field_name}' is not defined by type '{type_name}'.",
    "Field '{field_name}' of required type '{type_name}' was not provided.",
    "Int cannot represent non-integer value: {value}",
    "Int cannot represent non 32-bit signed integer value: {value}",
    "Float cannot represent non numeric value: {value}",
    "String cannot represent a non string value: {value}",
    "Boolean cannot represent a non boolean value: {value}",
    "ID cannot represent value: {value}",
    # variables and the operation to run
    "Variable '${variable}' has invalid value: {detail}",
    "Variable '${variable}' of required type '{type_name}' was not provided.",
    "Expected a value of non-null type '{type_name}' to be provided.",
    "Expected value of non-null type '{type_name}' not to be None.",
    "Must provide operation name if query contains multiple operations.",
    "Unknown operation named '{operation}'.",
    # Jiedao's own refusals of a document (schema/extensions.py, schema/depth.py, schema/cost.py, Strawberry's limits)
    "'{operation}' exceeds maximum operation depth of {limit}: it nests fields more than {limit} levels deep.",
    "'{operation}' exceeds maximum operation depth of {limit}",
    "{count} aliases found. Allowed: {limit}",
    "Argument '{argument}' of field '{field_name}' must be between 0 and {limit}, got {value}.",
    "The query could return {objects} objects, more than the limit of {limit}; ask for smaller pages (first:) or fewer nested lists.",
    "The query's cost {cost} exceeds the limit of {limit}; ask for smaller pages.",
    "{detail} It is provided by plugin '{plugin}', which street '{street}' does not enable.",
    "Introspection (__schema, __type) is disabled on this server; the schema is published as SDL.",
    "Introspection (__schema, __type) needs a logged-in caller on this server; send a bearer token (in GraphiQL: log in with the box above the editor).",
    "This server runs only the documents its front end registered (trusted documents); send one of those, or log in as an administrator to run others.",
    "Internal error. Quote request id {request_id} when reporting it.",
)
"""The English messages of graphql-core (3.2/3.3) and of Jiedao's document checks, as templates."""

DID_YOU_MEAN = "Did you mean {suggestions}?"
"""graphql-core's suggestion suffix (`` Did you mean 'node'?``), translated on its own."""

_SUGGESTION = re.compile(r"^(?P<message>.+?) Did you mean (?P<suggestions>.+)\?$", re.S)


@cache
def _patterns() -> MessagePatterns:
    return MessagePatterns(GRAPHQL_TEMPLATES)


def translatable_graphql_message(message: str) -> Translatable | None:
    """``message`` as the ``Translatable`` of the template that produced it, or None when no
    template of ``GRAPHQL_TEMPLATES`` matches."""
    suggestion = _SUGGESTION.match(message)
    if suggestion is not None:
        head = _patterns().match(suggestion["message"])
        if head is None:
            return None
        return Translatable("{text} {suggestion}", text=head, suggestion=Translatable(DID_YOU_MEAN, suggestions=suggestion["suggestions"]))
    return _patterns().match(message)
