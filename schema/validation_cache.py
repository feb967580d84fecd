"""Validation results cached by the parsed document's identity, not its contents.

Strawberry's ``ValidationCache`` is an ``lru_cache`` over ``(schema, document, rules)``: every
request hashes the whole parsed document (graphql-core's nodes hash their fields, recursively),
then compares it on a hit — on the one-building query a third of the time of preparing the
operation, more than parsing and validating cost once. ``ParserCache`` (listed before) hands the
same ``DocumentNode`` object for the same query text, so the document's identity is key enough:
an entry holds its schema and document, so their ``id`` cannot be reused while it lives. A
document parsed again after the parser cache dropped it is a new object and is validated again.
Nothing mutates a parsed document here (the trusted-documents stand-in is parsed text too).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document


class _Validated:
    """Bounded LRU of validation results by ``(id(schema), id(document), rules)``."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[int, int, tuple], tuple[Any, Any, list[GraphQLError]]] = OrderedDict()

    def errors(self, schema: Any, document: Any, rules: tuple) -> list[GraphQLError]:
        """The errors of validating ``document`` against ``schema`` with ``rules`` (cached)."""
        key = (id(schema), id(document), rules)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is schema and entry[1] is document:
            self._entries.move_to_end(key)
            return entry[2]
        errors = validate_document(schema, document, rules)  # Strawberry's rules added, as its cache does
        self._entries[key] = (schema, document, errors)
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return errors


_CACHES: dict[int, _Validated] = {}


class DocumentValidationCache(SchemaExtension):
    """Validation of an operation, cached per parsed document object (see the module's docstring)."""

    def __init__(self, maxsize: int = 512) -> None:
        super().__init__()
        cache = _CACHES.get(maxsize)
        if cache is None:
            cache = _CACHES[maxsize] = _Validated(maxsize)
        self.cache = cache

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.pre_execution_errors = self.cache.errors(ctx.schema._schema, ctx.graphql_document, tuple(ctx.validation_rules))  # noqa: SLF001 - graphql-core's schema, as Strawberry's own cache reads it
        yield


__all__ = ["DocumentValidationCache"]
