"""Limits on every request: depth, aliases, cost, body size; and HTTP basics."""

from __future__ import annotations

import pytest

from jiedao.schema.extensions import MAX_ALIASES, MAX_COST, MAX_DEPTH
from jiedao.core.endpoint import MAX_BODY_BYTES


async def test_deep_queries_are_refused(client):
    token = await client.token("community_worker")
    inner = "name"
    for _ in range(MAX_DEPTH):
        inner = f"compound {{ buildings {{ {inner} }} }}"
    errors = await client.errors(f"{{ buildings(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}", token=token)
    assert "exceeds maximum operation depth" in errors[0]["message"]
    assert errors[0]["extensions"]["code"] == "DEPTH_LIMIT"


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
    assert errors[0]["extensions"]["code"] in ("COST_LIMIT", "QUERY_TOO_COSTLY")


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


# --- Depth: a root field is at depth 1; MAX_DEPTH levels pass, one more is refused -------


def _nested(levels: int) -> str:
    """A query whose deepest field is ``levels`` deep (fragments and __typename do not count)."""
    chain = ["units(first: 1)", "edges", "node", "building", "compound", "community"]
    chain += ["compounds", "buildings", "compound", "community"] * 3
    fields = chain[: levels - 1]
    body = "name __typename"
    for name in reversed(fields):
        body = f"{name} {{ {body} }}"
    return f"query Deep {{ {body} }}"


def _depth_errors(kernel, query: str) -> list:
    from graphql import parse, validate

    from jiedao.schema.extensions import LIMIT_RULES

    schema = kernel.schemas.for_street("changqing")._schema
    return [e for e in validate(schema, parse(query), list(LIMIT_RULES)) if "depth" in e.message]


async def test_the_depth_limit_counts_the_root_field_as_one(client):
    assert len(_nested(MAX_DEPTH).split("{")) - 1 == MAX_DEPTH
    assert _depth_errors(client.kernel, _nested(MAX_DEPTH)) == []
    refused = _depth_errors(client.kernel, _nested(MAX_DEPTH + 1))
    assert refused and refused[0].extensions["code"] == "DEPTH_LIMIT" and f"depth of {MAX_DEPTH}" in refused[0].message
    # Over HTTP: the depth error is what a client sees (not a cost error), before anything runs.
    token = await client.token("community_worker")
    body = await client.result(_nested(MAX_DEPTH + 1), token=token)
    assert body["errors"][0]["extensions"]["code"] == "DEPTH_LIMIT" and not body.get("data")


async def test_fragments_do_not_hide_depth(client):
    inner = _nested(MAX_DEPTH + 1).removeprefix("query Deep { ").removesuffix(" }")
    query = f"query Deep {{ ...Top }} fragment Top on Query {{ {inner} }}"
    assert _depth_errors(client.kernel, query)


# --- Lists: realistic bounds, nested lists multiply, refused before execution ------------


def _cycle(building_id: str, rounds: int = 4) -> str:
    """node(Building){ units { building { units { … units { number } } } } }, four times."""
    inner = "units { number }"
    for _ in range(rounds):
        inner = f"units {{ building {{ {inner} }} }}"
    return "{ " + " ".join(f'a{i}: node(id: "{building_id}") {{ ... on Building {{ {inner} }} }}' for i in range(4)) + " }"


async def test_a_list_cycle_is_refused_before_it_runs(client):
    """The attack of issue 13 item 6: node(Building){units{building{units…}}} ×4."""
    from jiedao.core.testing.fixtures import build_registry
    from jiedao.schema.ids import encode_global_id

    ids = await build_registry(client.kernel, "changqing", buildings=2, units_per_building=6)
    token = await client.token("community_worker")
    body = await client.result(_cycle(encode_global_id("Building", ids["buildings"][0])), token=token)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY", body
    limit = client.kernel.config.max_objects
    assert error["extensions"]["objects"] > limit == error["extensions"]["limit"]
    assert str(error["extensions"]["objects"]) in error["message"] and str(limit) in error["message"]
    assert not body.get("data"), "nothing was executed"


async def test_nested_lists_multiply_their_declared_bounds(client):
    from jiedao.core.testing.fixtures import build_registry
    from jiedao.schema.ids import encode_global_id

    ids = await build_registry(client.kernel, "changqing", buildings=1, units_per_building=3)
    token = await client.token("community_worker")
    building = encode_global_id("Building", ids["buildings"][0])
    fine = await client.result(f'{{ building(id: "{building}") {{ units {{ number owners {{ name }} }} }} }}', token=token)
    assert not fine.get("errors") and len(fine["data"]["building"]["units"]) == 3
    assert fine["extensions"]["objects"] == 300 + 300 * 4, "Building.units declares 300, Unit.owners 4"
    everything = await client.errors("{ compounds { buildings { units { number } } } }", token=token)
    assert everything[0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert everything[0]["extensions"]["objects"] == 200 + 200 * (100 + 100 * 300)


async def test_an_estimate_too_low_is_stopped_while_the_query_runs(client):
    """A building with more units than its declared bound: the runtime count stops it."""
    from jiedao.core.testing.fixtures import build_registry
    from jiedao.schema.ids import encode_global_id

    ids = await build_registry(client.kernel, "changqing", buildings=1, units_per_building=500)
    client.kernel.config.max_objects = 400  # above the estimate (300), below the 500 units
    token = await client.token("community_worker")
    body = await client.result(f'{{ building(id: "{encode_global_id("Building", ids["buildings"][0])}") {{ name units {{ number }} }} }}', token=token)
    assert body["extensions"]["objects"] == 300, "accepted by the estimate"
    assert body["data"] is None, "no partial answer"
    assert len(body["errors"]) == 1 and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert body["errors"][0]["extensions"]["limit"] == 400 and "more than 400 objects" in body["errors"][0]["message"]
    client.kernel.config.max_objects = 1000
    assert len((await client.query(f'{{ building(id: "{encode_global_id("Building", ids["buildings"][0])}") {{ units {{ number }} }} }}', token=token))["building"]["units"]) == 500


# --- Page sizes and cursors: a clear error naming the argument ----------------------------


async def test_page_sizes_out_of_range_name_the_argument(client):
    token = await client.token("community_worker")
    for first in (100000, -1, 101):
        errors = await client.errors(f"{{ buildings(first: {first}) {{ edges {{ node {{ name }} }} }} }}", token=token)
        assert errors[0]["extensions"] == {"code": "PAGE_SIZE", "field": "first"}, errors
        assert "'first'" in errors[0]["message"] and str(first) in errors[0]["message"]
    for variables in ({"n": 100000}, {}):
        query = "query($n: Int = 100000) { units(first: $n) { edges { node { number } } } }"
        errors = await client.errors(query, variables, token=token)
        assert errors[0]["extensions"] == {"code": "PAGE_SIZE", "field": "first"} and "100000" in errors[0]["message"]
    empty = await client.query("{ buildings(first: 0) { totalCount edges { node { name } } } }", token=token)
    assert empty["buildings"]["edges"] == [], "first: 0 asks for the count alone"


async def test_a_cursor_of_another_list_is_refused(client):
    from jiedao.core.testing.fixtures import build_registry

    await build_registry(client.kernel, "changqing", buildings=2, units_per_building=2)
    token = await client.token("community_worker")
    units = await client.query("{ units(first: 1) { pageInfo { endCursor } } }", token=token)
    cursor = units["units"]["pageInfo"]["endCursor"]
    errors = await client.errors("query($a: String) { buildings(first: 1, after: $a) { edges { node { name } } } }", {"a": cursor}, token=token)
    assert errors[0]["extensions"] == {"code": "INVALID_CURSOR", "field": "after"} and "another list" in errors[0]["message"]
    page = await client.query("query($a: String) { units(first: 1, after: $a) { edges { node { number } } } }", {"a": cursor}, token=token)
    assert len(page["units"]["edges"]) == 1, "the cursor still works on its own list"


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


NOT_CANONICAL = ["99999999999999999999999", "9223372036854775808", "2147483648", "-1", "+1", " 1", "1 ", "0", "01", "١٢", "1_0", "1e3", ""]


async def test_ids_and_cursors_accept_only_canonical_integers(client):
    token = await client.token("community_worker")
    for number in NOT_CANONICAL:
        for query in (
            f'{{ node(id: "{_b64("Building:" + number)}") {{ id }} }}',
            f'{{ building(id: "{_b64("Building:" + number)}") {{ name }} }}',
            f'{{ units(buildingId: "{_b64("Building:" + number)}") {{ totalCount }} }}',
        ):
            errors = await client.errors(query, token=token)
            assert errors[0]["extensions"]["code"] == "INVALID_ID", (number, errors)
        errors = await client.errors(f'{{ buildings(after: "{_b64("c:buildings:" + number)}") {{ totalCount }} }}', token=token)
        assert errors[0]["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}, (number, errors)
    largest = await client.query(f'{{ node(id: "{_b64("Building:2147483647")}") {{ id }} }}', token=token)
    assert largest == {"node": None}, "the largest key of an INTEGER column is a valid ID that matches nothing"
    page = await client.query(f'{{ buildings(after: "{_b64("c:buildings:2147483647")}") {{ edges {{ cursor }} }} }}', token=token)
    assert page["buildings"]["edges"] == []


def test_ids_round_trip_and_reject_other_spellings():
    from jiedao.core.errors import DomainError
    from jiedao.schema.ids import decode_cursor, decode_global_id, encode_cursor, encode_global_id
    from jiedao.schema.node import model_for

    assert decode_global_id(encode_global_id("Unit", 2**31 - 1)) == ("Unit", 2**31 - 1)
    if model_for("QuarantinedMessage") is not None:  # a BIGINT key (sensors)
        assert decode_global_id(encode_global_id("QuarantinedMessage", 2**63 - 1))[1] == 2**63 - 1
    assert decode_cursor(encode_cursor(7, "units"), "units") == 7
    for bad in (_b64("Unit:1") + "!", "QnVpbGRpbmc6MQ==\n", "Unit:1", "ｱ"):
        with pytest.raises(DomainError):
            decode_global_id(bad)


# --- Introspection: a setting, off for anonymous callers by default ---------------------

SCHEMA_QUERY = "{ __schema { types { name } } }"


async def test_anonymous_introspection_is_refused_by_default(client):
    assert client.kernel.config.introspection == "authenticated"
    for query in (SCHEMA_QUERY, '{ __type(name: "Resident") { fields { name } } }', "query { ...F } fragment F on Query { __schema { queryType { name } } }"):
        errors = await client.errors(query)
        assert errors[0]["extensions"]["code"] == "INTROSPECTION_DISABLED" and "bearer token" in errors[0]["message"]
    assert (await client.query("{ __typename street { __typename name } }"))["__typename"] == "Query", "__typename is not introspection"
    token = await client.token("resident")
    types = await client.query(SCHEMA_QUERY, token=token)
    assert "Building" in {t["name"] for t in types["__schema"]["types"]}


async def test_introspection_can_be_opened_or_closed_for_everyone(client):
    token = await client.token("community_worker")
    client.kernel.config.introspection = "always"
    assert "__schema" in await client.query(SCHEMA_QUERY)
    client.kernel.config.introspection = "never"
    errors = await client.errors(SCHEMA_QUERY, token=token)
    assert errors[0]["extensions"]["code"] == "INTROSPECTION_DISABLED" and "disabled on this server" in errors[0]["message"]


def test_introspection_and_object_limit_settings_are_read_from_the_environment(monkeypatch):
    from jiedao.core.config import parse_config
    from jiedao.core.errors import ConfigurationError

    streets = {"streets": {"x": {"name": "x"}}}
    assert (parse_config(streets).introspection, parse_config(streets).max_objects) == ("authenticated", 10_000)
    monkeypatch.setenv("JIEDAO_INTROSPECTION", "always")
    monkeypatch.setenv("JIEDAO_MAX_OBJECTS", "20000")
    assert (parse_config(streets).introspection, parse_config(streets).max_objects) == ("always", 20_000)
    monkeypatch.setenv("JIEDAO_INTROSPECTION", "sometimes")
    monkeypatch.setenv("JIEDAO_MAX_OBJECTS", "lots")
    with pytest.raises(ConfigurationError) as refused:
        parse_config(streets)
    assert "JIEDAO_INTROSPECTION" in str(refused.value) and "JIEDAO_MAX_OBJECTS" in str(refused.value)


def test_the_demo_keeps_introspection_open_for_graphiql(jiedao_cli, monkeypatch, tmp_path):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(app))  # no server: the app's settings are checked
    monkeypatch.delenv("JIEDAO_INTROSPECTION", raising=False)
    streets = {"demo-x": {"name": "演示", "plugins": []}}
    result = jiedao_cli(["serve", "--demo"], streets=streets, database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    assert result.exit_code == 0, result.output
    assert served[-1].state.kernel.config.introspection == "always"
    monkeypatch.setenv("JIEDAO_INTROSPECTION", "authenticated")  # an operator's explicit choice wins
    result = jiedao_cli(["serve", "--demo"], streets=streets, database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    assert result.exit_code == 0, result.output
    assert served[-1].state.kernel.config.introspection == "authenticated"
