"""A query one compiled statement answered before is answered again without executing it
(core.known_queries): the same bytes in either media type, one statement, and every check
that depends on the request — its variables, its caller, the limits, trusted documents, a
revoked token — applied as on the general path."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from jiedao.core.identity.roles import GRID_WORKER, RESIDENT, STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema import compiled_reads
from jiedao.schema.ids import encode_global_id

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)

ONE = """query($id: ID!) { building(id: $id) { id name compound { name } units { number owners { name phone } } } }"""
IN_FRAGMENTS = """query One($id: ID!) { building(id: $id) { ...Row } }
fragment Row on Building { id name units { ...Unit } }
fragment Unit on Unit { number owners { name } }
query Other { __typename }"""
PAGE = """query($first: Int) { residents(first: $first) { totalCount edges { node { id name phone partyMember } } } }"""
URL = "/graphql/changqing"
MODERN = "application/graphql-response+json"


def answered_here() -> float:
    """How many queries ``core.known_queries`` has answered in this process."""
    return REGISTRY.get_sample_value("jiedao_known_queries_total", {"outcome": "answered"}) or 0.0


async def _post(client, query: str, variables: dict, token: str, accept: str | None = None, operation: str | None = None):
    headers = {"authorization": f"Bearer {token}", "accept-language": "en"}
    if accept is not None:
        headers["accept"] = accept
    return await client.http.post(URL, json={"query": query, "variables": variables, "operationName": operation}, headers=headers)


async def _general(client, monkeypatch, query: str, variables: dict, token: str) -> dict:
    """The general path's whole answer (compiled reads, hence known queries, off)."""
    monkeypatch.setattr(compiled_reads, "ENABLED", False)
    try:
        return await client.result(query, variables, token=token)
    finally:
        monkeypatch.setattr(compiled_reads, "ENABLED", True)


async def test_a_known_query_answers_the_same_bytes_in_one_statement(client, kernel):
    made = await build_registry(kernel, "changqing", buildings=3, units_per_building=2)
    token = await client.token(STREET_ADMIN)
    variables = {"id": encode_global_id("Building", made["buildings"][1])}
    for query, accept in [(ONE, None), (ONE, MODERN), (IN_FRAGMENTS, None)]:
        first = await _post(client, query, variables, token, accept, operation="One" if query is IN_FRAGMENTS else None)
        before = answered_here()
        again = await _post(client, query, variables, token, accept, operation="One" if query is IN_FRAGMENTS else None)
        assert answered_here() == before + 1
        assert (again.status_code, again.headers["content-type"], again.content) == (first.status_code, first.headers["content-type"], first.content)
        assert again.json()["data"]["building"]["units"][0]["owners"][0]["name"]
        assert again.json()["extensions"]["objects"] > 1  # the units and owners in the fragments counted
    assert (await client.query(ONE, variables, token=token))["building"]["units"][0]["owners"][0]["phone"] == "13812345678"
    assert await client.statements(ONE, variables, token=token) == 1
    other = {"id": encode_global_id("Building", made["buildings"][2])}
    assert (await client.query(ONE, other, token=token))["building"]["id"] == other["id"]


async def test_bad_variables_of_a_known_query_get_the_general_paths_errors(client, kernel, monkeypatch):
    made = await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    token = await client.token(GRID_WORKER)
    await client.query(ONE, {"id": encode_global_id("Building", made["buildings"][0])}, token=token)
    await client.query(PAGE, {"first": 2}, token=token)
    for query, variables in [
        (ONE, {}),
        (ONE, {"id": None}),
        (ONE, {"id": ["a"]}),
        (ONE, {"id": "\x00\u202e' or 1=1 --"}),
        (ONE, {"id": encode_global_id("Unit", made["units"][0])}),
        (PAGE, {"first": 0}),
        (PAGE, {"first": 101}),
        (PAGE, {"first": "2"}),
        (PAGE, {"first": 2**40}),
    ]:
        known = await client.result(query, variables, token=token)
        assert known == await _general(client, monkeypatch, query, variables, token), variables


async def test_each_caller_gets_the_answer_of_their_own_permissions(client, kernel, monkeypatch):
    await build_registry(kernel, "changqing", buildings=2, units_per_building=2)
    for role in (STREET_ADMIN, GRID_WORKER, RESIDENT):
        token = await client.token(role)
        for _ in range(2):  # the second time as a known query
            answer = await client.result(PAGE, {"first": 3}, token=token)
            assert answer == await _general(client, monkeypatch, PAGE, {"first": 3}, token), role
    admin, grid = (await client.token(STREET_ADMIN)), (await client.token(GRID_WORKER))
    assert (await client.query(PAGE, {"first": 1}, token=admin))["residents"]["edges"][0]["node"]["partyMember"] is not None
    assert (await client.query(PAGE, {"first": 1}, token=grid))["residents"]["edges"][0]["node"]["partyMember"] is None


async def _known_to_a_grid_worker(client, kernel) -> tuple[str, dict]:
    """A grid worker's token and the variables of ``ONE``, which has become known."""
    made = await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    token = await client.token(GRID_WORKER)
    variables = {"id": encode_global_id("Building", made["buildings"][0])}
    await client.query(ONE, variables, token=token)
    before = answered_here()
    await client.query(ONE, variables, token=token)
    assert answered_here() == before + 1
    return token, variables


async def test_limits_and_trusted_documents_still_refuse_a_known_query(client, kernel):
    token, variables = await _known_to_a_grid_worker(client, kernel)
    kernel.config.max_objects = 100  # the lowest allowed; ONE estimates more (units and owners)
    assert (await client.errors(ONE, variables, token=token))[0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    kernel.config.max_objects = 100_000
    kernel.config.trusted_documents = "allow-listed"
    refused = await _post(client, ONE, variables, token, MODERN)
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"


async def test_a_revoked_token_is_refused_before_a_known_query(client, kernel):
    token, variables = await _known_to_a_grid_worker(client, kernel)
    assert (await client.query("mutation { logout { revoked } }", token=token))["logout"]["revoked"] == 1
    refused = await _post(client, ONE, variables, token)
    assert refused.status_code == 401 and "data" not in refused.json()


def test_variables_taken_as_they_are_equal_graphql_cores_coercion(kernel):
    """``coerced_plainly`` answers only where graphql-core's coercion gives the same values."""
    from graphql import parse
    from graphql.execution.values import get_variable_values

    from jiedao.core.known_queries import coerced_plainly, plain_variables

    schema = kernel.schemas.by_plugins[kernel.schemas.street_plugins["changqing"]]._schema
    operation = parse("query($id: ID!, $first: Int, $after: String, $open: Boolean) { __typename }").definitions[0]
    plain = plain_variables(schema, operation)
    worst = [None, "", "\x00\u202e'", "1", 1, 0, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 1.0, 1.5, True, False, [], {}, ["a"]]
    answered = 0
    for name in ("id", "first", "after", "open"):
        for value in worst:
            for variables in ({"id": "x", name: value}, {name: value}):
                mine = coerced_plainly(plain, variables)
                theirs = get_variable_values(schema, operation.variable_definitions, variables)
                if mine is not None:
                    answered += 1
                    assert _plainly(mine) == _plainly(theirs), variables
    assert answered >= 15  # most of the worst values go to graphql-core
    assert plain_variables(schema, parse("query($n: Int = 3) { __typename }").definitions[0]) is None


def _plainly(values) -> tuple:
    """Coerced variables comparable across parses: each source's name, type and value, and
    each coerced value with its Python type (1 and True are equal in Python)."""
    sources = [(name, str(source.signature.type), source.value) for name, source in values.sources.items()]
    return sources, [(name, type(value), value) for name, value in values.coerced.items()]


async def test_a_fault_in_answering_a_known_query_leaves_the_answer_to_the_general_path(client, kernel, monkeypatch, caplog):
    from jiedao.core import known_queries

    token, variables = await _known_to_a_grid_worker(client, kernel)
    expected = await client.result(ONE, variables, token=token)

    def broken(*_arguments):
        time.sleep(0.2)  # the known path's time, before it hands the query back
        raise RuntimeError("a fault")

    monkeypatch.setattr(known_queries, "bind_values", broken)
    before = answered_here()
    timed = {"street": "changqing", "operation": "query"}
    count, total = (REGISTRY.get_sample_value(f"jiedao_graphql_request_seconds_{part}", timed) or 0.0 for part in ("count", "sum"))
    assert await client.result(ONE, variables, token=token) == expected
    assert answered_here() == before
    assert "known query answered by the general path after a failure" in caplog.text
    assert REGISTRY.get_sample_value("jiedao_graphql_request_seconds_count", timed) == count + 1, "timed once"
    assert REGISTRY.get_sample_value("jiedao_graphql_request_seconds_sum", timed) - total >= 0.2, "from the known path's start"


async def test_a_known_statement_that_steps_aside_is_not_run_twice(client, kernel, monkeypatch):
    """A building moved to another street's compound (a damaged import) after the query
    became known: the statement steps aside and the general path reports the null, reading
    without running the statement again — as many statements as for a query not known."""
    from sqlalchemy import update

    from jiedao.core import models

    made = await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    other = await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    token = await client.token(STREET_ADMIN)
    query = "{ buildings(first: 2) { edges { node { name compound { name } } } } }"
    await client.query(query, token=token)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await session.execute(update(models.Building).where(models.Building.id == made["buildings"][0]).values(compound_id=other["compound"][0], name="moved"))
    monkeypatch.setenv("JIEDAO_DEBUG", "1")
    before = REGISTRY.get_sample_value("jiedao_known_queries_total", {"outcome": "general"}) or 0.0
    known = await client.result(query, token=token)
    assert REGISTRY.get_sample_value("jiedao_known_queries_total", {"outcome": "general"}) == before + 1
    not_known = await client.result(query.replace("{ name }", "{ name  }"), token=token)
    assert known["data"] is None and known["errors"][0]["path"] == not_known["errors"][0]["path"]
    assert known["extensions"]["statements"] == not_known["extensions"]["statements"]


async def test_a_known_query_without_variables_reads_each_streets_own_rows(make_kernel, password_hash, monkeypatch):
    """Its parameters are bound once per street: another street of the same plugins (the same
    schema, the same known queries) reads its own rows."""
    from jiedao.core.testing.fixtures import app_client

    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": []}, "gongchen": {"name": "拱宸桥街道", "plugins": []}})
    await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    await build_registry(kernel, "gongchen", buildings=3, units_per_building=1)
    query = "{ buildings(first: 5) { totalCount edges { node { id name } } } }"
    counts = {}
    async with app_client(kernel, password_hash) as client:
        for street in ("changqing", "gongchen", "changqing"):
            token = await client.token(STREET_ADMIN, street)
            before = answered_here()
            for _ in range(2):
                answer = await client.result(query, street=street, token=token)
                monkeypatch.setattr(compiled_reads, "ENABLED", False)
                assert answer == await client.result(query, street=street, token=token), street
                monkeypatch.setattr(compiled_reads, "ENABLED", True)
            assert answered_here() > before
            counts[street] = answer["data"]["buildings"]["totalCount"]
    assert counts == {"changqing": 2, "gongchen": 3}
