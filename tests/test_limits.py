"""Limits on every request: depth, aliases, cost, body size; and HTTP basics."""

from __future__ import annotations

from schema.extensions import MAX_ALIASES, MAX_COST, MAX_DEPTH
from schema.views import MAX_BODY_BYTES


async def test_deep_queries_are_refused(client):
    token = await client.token("community_worker")
    inner = "name"
    for _ in range(MAX_DEPTH):
        inner = f"compound {{ buildings {{ {inner} }} }}"
    errors = await client.errors(f"{{ buildings(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}", token=token)
    assert "exceeds maximum operation depth" in errors[0]["message"]


async def test_alias_bombs_are_refused(client):
    aliases = " ".join(f"a{i}: street {{ name }}" for i in range(MAX_ALIASES + 1))
    errors = await client.errors(f"{{ {aliases} }}")
    assert "aliases" in errors[0]["message"]


async def test_expensive_queries_are_refused_and_cost_is_reported(client):
    token = await client.token("community_worker")
    cheap = await client.result("{ street { name } }")
    assert cheap["extensions"]["cost"] == 2
    page = await client.result("{ buildings(first: 50) { edges { node { name } } } }", token=token)
    assert page["extensions"]["cost"] == 1 + 50 * 3, "a page multiplies the cost of what it selects"
    huge = "{ " + " ".join(f"x{i}: buildings(first: 100) {{ edges {{ node {{ units {{ owners {{ units {{ number }} }} }} }} }} }}" for i in range(25)) + " }"
    errors = await client.errors(huge, token=token)
    assert errors[0]["extensions"]["code"] == "COST_LIMIT" and str(MAX_COST) in errors[0]["message"]


async def test_oversized_bodies_are_refused(client):
    response = await client.http.post(
        "/graphql/changqing", content=b'{"query": "{ street { name } }", "pad": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"


async def test_unknown_street_is_404_and_health_checks_answer(client):
    response = await client.http.post("/graphql/nowhere", json={"query": "{ street { name } }"})
    assert response.status_code == 404 and response.json()["errors"][0]["extensions"]["code"] == "UNKNOWN_STREET"
    assert (await client.http.get("/healthz")).text == "ok"
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ready": True}


async def test_browser_get_opens_graphiql(client):
    response = await client.http.get("/graphql/changqing", headers={"accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_every_response_carries_a_request_id(client):
    response = await client.post("{ street { name } }")
    assert len(response.headers["x-request-id"]) >= 8
    supplied = await client.http.post("/graphql/changqing", json={"query": "{ street { name } }"}, headers={"x-request-id": "abcdef123456"})
    assert supplied.headers["x-request-id"] == "abcdef123456"


async def test_operations_are_counted_per_street_and_type(client):
    from prometheus_client import REGISTRY

    def count(operation: str, outcome: str) -> float:
        return REGISTRY.get_sample_value("jiedao_graphql_requests_total", {"street": "gongchen", "operation": operation, "outcome": outcome}) or 0

    before_ok, before_error = count("query", "ok"), count("query", "error")
    await client.query("{ street { name } }", street="gongchen")
    await client.errors("{ buildings(first: 1) { totalCount } }", street="gongchen")
    assert count("query", "ok") == before_ok + 1 and count("query", "error") == before_error + 1


async def test_repeated_queries_skip_validation(client):
    from strawberry.extensions.validation_cache import _get_validate_cache

    from schema.extensions import CACHE_SIZE

    cache = _get_validate_cache(CACHE_SIZE)
    await client.query("{ street { slug name } }")
    hits = cache.cache_info().hits
    await client.query("{ street { slug name } }")
    assert cache.cache_info().hits == hits + 1
