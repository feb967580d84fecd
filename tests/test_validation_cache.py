"""Validation is cached per parsed document object (``schema.validation_cache``): a repeated
query is validated once and never hashed as a tree; its errors are the same every time; the
cache is bounded and a document parsed anew is validated anew."""

from __future__ import annotations

import pytest
from graphql import parse
from graphql.language import ast

from jiedao.schema import validation_cache
from jiedao.schema.validation_cache import _Validated

QUERY = "{ street { name } }"
WRONG = "{ street { nameless } }"


@pytest.fixture
def validations(monkeypatch) -> list[str]:
    """The documents validated from now on (their first definition's source text)."""
    seen: list[str] = []
    real = validation_cache.validate_document

    def counting(schema, document, rules):
        seen.append(document.loc.source.body)
        return real(schema, document, rules)

    monkeypatch.setattr(validation_cache, "validate_document", counting)
    return seen


async def test_a_repeated_query_is_validated_once_and_its_document_never_hashed(client, validations, monkeypatch):
    token = await client.token("street_admin")
    first = await client.query(QUERY, token=token)

    def refuse(node):
        raise AssertionError(f"a {type(node).__name__} was hashed")

    monkeypatch.setattr(ast.DocumentNode, "__hash__", refuse)  # a frozen dataclass: its hash walks the whole tree
    assert await client.query(QUERY, token=token) == first
    assert await client.query(QUERY, token=token) == first
    assert validations.count(QUERY) <= 1, validations


async def test_an_invalid_query_is_refused_the_same_way_every_time(client, validations):
    token = await client.token("street_admin")
    refusals = [await client.errors(WRONG, token=token) for _ in range(3)]
    assert refusals[0] == refusals[1] == refusals[2]
    assert "nameless" in refusals[0][0]["message"]
    assert validations.count(WRONG) <= 1, validations


def test_the_cache_is_bounded_and_keyed_by_the_document_object(validations):
    from graphql import build_schema, specified_rules

    schema, rules = build_schema("type Query { a: Int }"), tuple(specified_rules)
    cache = _Validated(maxsize=2)
    one, two, three = parse("{ a }"), parse("{ b }"), parse("{ a c: a }")
    assert cache.errors(schema, one, rules) == []
    assert [e.message for e in cache.errors(schema, two, rules)] == ["Cannot query field 'b' on type 'Query'. Did you mean 'a'?"]
    assert cache.errors(schema, two, rules) is cache.errors(schema, two, rules), "a hit hands the cached result"
    assert validations == ["{ a }", "{ b }"]
    cache.errors(schema, three, rules)
    assert len(cache._entries) == 2  # noqa: SLF001 - the bound
    cache.errors(schema, one, rules)
    assert validations[-1] == "{ a }", "the least recently used entry left and is validated again"
    again = parse("{ b }")  # equal text, another object: validated on its own
    cache.errors(schema, again, rules)
    assert validations[-1] == "{ b }"
