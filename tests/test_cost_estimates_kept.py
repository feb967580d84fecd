"""The cost estimate of an operation is kept per document and variables, input objects
included (the cockpit sends its range as one), and never kept for large variables."""

from __future__ import annotations

from graphql import build_schema, parse

from jiedao.schema.cost import estimate

SCHEMA = build_schema("""
input Range { preset: String, from: String }
type Item { id: ID }
type Query { items(first: Int, range: Range, names: [String]): [Item] }
""")
DOCUMENT = parse("query($first: Int, $range: Range, $names: [String]) { items(first: $first, range: $range, names: $names) { id } }")


def figures(variables: dict) -> object:
    return estimate(DOCUMENT, None, SCHEMA, variables)


def test_an_operation_with_an_input_object_is_estimated_once_per_set_of_variables():
    thirty_days = {"first": 5, "range": {"preset": "LAST_30_DAYS"}}
    kept = figures(thirty_days)
    assert figures({"range": {"preset": "LAST_30_DAYS"}, "first": 5}) is kept, "the same variables, in any order"
    assert figures({"first": 5, "range": {"preset": "LAST_7_DAYS"}}) is not kept
    larger = figures({"first": 50, "range": {"preset": "LAST_30_DAYS"}})
    assert (kept.cost, larger.cost) == (6, 51), "the page size still counts"
    assert figures({"first": 5, "range": {"preset": "LAST_30_DAYS"}, "names": ["a", 1]}) is not figures({"first": 5, "range": {"preset": "LAST_30_DAYS"}, "names": ["a", True]})


def test_large_variables_are_walked_each_time_not_kept():
    many = {"first": 5, "names": [f"n{i}" for i in range(40)]}
    long_text = {"first": 5, "range": {"preset": "x" * 300}}
    for variables in (many, long_text):
        first, again = figures(variables), figures(variables)
        assert first is not again and first.cost == again.cost == 6
