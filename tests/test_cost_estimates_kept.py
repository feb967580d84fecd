"""The cost estimate of an operation is kept per document and the values of the variables it
reads — those given as ``first``, ``last`` or ``limit`` — so one building after another, or
the cockpit's ranges, reuse one estimate; never kept for large values."""

from __future__ import annotations

from graphql import build_schema, parse

from jiedao.schema.connection import DEFAULT_PAGE_SIZE
from jiedao.schema.cost import estimate, size_variables

SCHEMA = build_schema("""
input Range { preset: String, from: String }
type Item { id: ID, parts(limit: Int): [Item] }
type Query { items(first: Int, range: Range, names: [String]): [Item], item(id: ID!): Item }
""")
DOCUMENT = parse("query($first: Int, $range: Range, $names: [String]) { items(first: $first, range: $range, names: $names) { id } }")
NESTED = parse("""
query($id: ID!, $n: Int, $m: Int) { item(id: $id) { ...Parts } items(first: 2) { ... on Item { parts(limit: $m) { id } } } }
fragment Parts on Item { parts(limit: $n) { id } }
""")


def figures(variables: dict, document=DOCUMENT) -> object:
    return estimate(document, None, SCHEMA, variables)


def test_the_variables_an_estimate_reads_are_those_given_as_sizes_anywhere():
    assert size_variables(DOCUMENT) == {"first"}
    assert size_variables(NESTED) == {"n", "m"}, "in fragments and inline fragments too; not the id"


def test_an_estimate_is_kept_per_set_of_size_values_and_shared_across_other_variables():
    thirty_days = {"first": 5, "range": {"preset": "LAST_30_DAYS"}}
    kept = figures(thirty_days)
    assert figures({"range": {"preset": "LAST_7_DAYS"}, "first": 5, "names": ["a"]}) is kept, "other variables do not count"
    larger = figures({"first": 50, "range": {"preset": "LAST_30_DAYS"}})
    assert larger is not kept and (kept.cost, larger.cost) == (6, 51), "the page size still counts"
    assert figures({"first": 5.0}) is not kept and figures({"first": 5.0}).cost == 6, "5.0 is its own key (coerced to 5 alike)"
    assert figures({}).cost == 1 + DEFAULT_PAGE_SIZE, "an absent size: the default page"
    one = figures({"id": "SXRlbTox", "n": 3, "m": 4}, NESTED)
    assert figures({"id": "SXRlbToy", "n": 3, "m": 4}, NESTED) is one, "another item, the same estimate"
    other = figures({"id": "SXRlbTox", "n": 10, "m": 4}, NESTED)
    assert other is not one and other.cost > one.cost


def test_large_size_values_are_walked_each_time_not_kept():
    many = {"first": [1] * 40}
    long_text = {"first": "x" * 300}
    for variables in (many, long_text):
        first, again = figures(variables), figures(variables)
        assert first is not again and first.cost == again.cost == 1 + DEFAULT_PAGE_SIZE
