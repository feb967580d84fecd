"""Process-wide Prometheus instruments of the kernel (exposed by whichever plugin serves
``/metrics``). Labels stay low-cardinality: street slug and operation type only."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Histogram

GRAPHQL_REQUESTS = Counter(
    "jiedao_graphql_requests_total",
    "GraphQL operations executed, by street, operation type and outcome.",
    ["street", "operation", "outcome"],
)
GRAPHQL_SECONDS = Histogram(
    "jiedao_graphql_request_seconds",
    "Time to execute a GraphQL operation, by street and operation type.",
    ["street", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

HANDED_BACK_AT = "jiedao.graphql_started"
"""Where a request's scope keeps the moment an earlier path (a known query's statement,
``core.known_queries``) began answering before it handed the operation to the executor:
``jiedao_graphql_request_seconds`` then counts from there, once."""


_CHILDREN: dict[tuple[int, tuple[str, ...]], Any] = {}


def child(metric: Any, *labels: str) -> Any:
    """``metric.labels(*labels)``, kept: prometheus_client checks the labels and takes a lock at
    each call, several times per request; the children of a metric never change. (Label values
    are low-cardinality here: street slugs, operation types, outcomes.)"""
    key = (id(metric), labels)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = metric.labels(*labels)
    return found
