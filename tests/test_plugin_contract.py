"""The plugin contract, proven with a real installed plugin (tests/plugins/hello)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect

from jiedao.core import migrate
from jiedao.core.testing.fixtures import build_registry


@pytest.fixture
async def hello_kernel(make_kernel, hello_plugin_path, request):
    """changqing enables hello; gongchen does not. The hello branch is migrated first."""
    kernel = await make_kernel(
        streets={
            "changqing": {"name": "长庆街道", "plugins": ["hello"], "hello": {"greeting": "您好"}},
            "gongchen": {"name": "拱宸桥街道", "plugins": []},
        },
        extra_plugin_paths=[hello_plugin_path],
    )
    owner_url = getattr(request.node, "jiedao_owner_url", None)
    await asyncio.to_thread(migrate.upgrade, kernel, "hello@head", owner_url or kernel.config.database_url)
    return kernel


@pytest.fixture
async def hello_client(hello_kernel, password_hash):
    from jiedao.core.testing.fixtures import app_client

    async with app_client(hello_kernel, password_hash) as c:
        yield c


async def test_plugin_adds_query_using_its_street_settings(hello_client):
    data = await hello_client.query('{ hello(name: "潘大姐") }')
    assert data == {"hello": "您好, 潘大姐"}


async def test_plugin_mutation_and_building_field(hello_kernel, hello_client):
    ids = await build_registry(hello_kernel, "changqing", buildings=1)
    token = await hello_client.token("community_worker")
    building = (await hello_client.query("{ buildings(first: 1) { edges { node { id } } } }", token=token))["buildings"]["edges"][0]["node"]["id"]
    added = await hello_client.query(
        "mutation($b: ID!) { addGreeting(input: {buildingId: $b, text: \"早上好\"}) { greeting { text } errors { code } } }",
        {"b": building},
        token=token,
    )
    assert added["addGreeting"] == {"greeting": {"text": "早上好"}, "errors": []}
    data = await hello_client.query("query($id: ID!) { building(id: $id) { greetings { text } } }", {"id": building}, token=token)
    assert data["building"]["greetings"] == [{"text": "早上好"}]
    assert ids["buildings"]


async def test_plugin_mutation_reports_user_errors_from_settings(hello_kernel, hello_client):
    await build_registry(hello_kernel, "changqing", buildings=1)
    token = await hello_client.token("community_worker")
    building = (await hello_client.query("{ buildings(first: 1) { edges { node { id } } } }", token=token))["buildings"]["edges"][0]["node"]["id"]
    result = await hello_client.query(
        "mutation($b: ID!, $t: String!) { addGreeting(input: {buildingId: $b, text: $t}) { greeting { text } errors { field code } } }",
        {"b": building, "t": "长" * 41},
        token=token,
    )
    assert result["addGreeting"] == {"greeting": None, "errors": [{"field": "text", "code": "TOO_LONG"}]}


async def test_street_without_the_plugin_does_not_see_it(hello_client):
    token = await hello_client.token("community_worker", "gongchen")  # introspection needs a logged-in caller
    sdl_fields = await hello_client.query('{ __type(name: "Building") { fields { name } } }', street="gongchen", token=token)
    assert "greetings" not in {f["name"] for f in sdl_fields["__type"]["fields"]}
    query_fields = await hello_client.query("{ __schema { queryType { fields { name } } mutationType { fields { name } } } }", street="gongchen", token=token)
    assert "hello" not in {f["name"] for f in query_fields["__schema"]["queryType"]["fields"]}
    assert "addGreeting" not in {f["name"] for f in query_fields["__schema"]["mutationType"]["fields"]}
    errors = await hello_client.errors('{ hello(name: "x") }', street="gongchen")
    assert "plugin 'hello'" in errors[0]["message"] and "gongchen" in errors[0]["message"]
    assert errors[0]["extensions"]["plugin"] == "hello"


async def test_streets_with_the_same_plugins_share_one_schema(hello_kernel):
    schemas = hello_kernel.schemas
    assert len(schemas.by_plugins) == 2
    assert schemas.for_street("changqing") is not schemas.for_street("gongchen")


async def test_plugin_table_lives_on_its_own_migration_branch(hello_kernel, request):
    owner_url = getattr(request.node, "jiedao_owner_url", None) or hello_kernel.config.database_url
    kernel = hello_kernel

    async def tables() -> set[str]:
        from jiedao.core.db import create_engine

        engine = create_engine(owner_url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    assert "hello_greetings" in await tables()
    await asyncio.to_thread(migrate.downgrade, kernel, "hello@base", owner_url)
    remaining = await tables()
    assert "hello_greetings" not in remaining and "buildings" in remaining


def test_plugin_cli_command_joins_the_jiedao_cli(hello_plugin_path, jiedao_cli):
    streets = {"changqing": {"name": "长庆街道", "plugins": ["hello"]}}
    result = jiedao_cli(["hello", "世界"], streets=streets, extra_paths=[hello_plugin_path])
    assert result.exit_code == 0, result.output
    assert "hello from a plugin, 世界" in result.output
    listed = jiedao_cli(["plugins", "list"], streets=streets, extra_paths=[hello_plugin_path])
    assert "hello" in listed.output and "changqing" in listed.output


async def test_unexpected_failures_are_masked_with_a_request_id(hello_client, caplog):
    body = await hello_client.result("{ boom }")
    error = body["errors"][0]
    assert "password_hash" not in str(body) and "Traceback" not in str(body)
    assert error["extensions"]["code"] == "INTERNAL"
    request_id = error["extensions"]["requestId"]
    assert request_id in error["message"]
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records), "the failure is logged with its request id"


async def test_enums_keep_their_values_in_street_schemas(hello_client):
    assert (await hello_client.query("{ mood }")) == {"mood": "HAPPY"}
    assert (await hello_client.query("{ mood(mood: GRUMPY) }")) == {"mood": "GRUMPY"}
    token = await hello_client.token("community_worker")  # introspection needs a logged-in caller
    sdl = await hello_client.query('{ __type(name: "Query") { fields { name args { defaultValue } } } }', token=token)
    mood = next(f for f in sdl["__type"]["fields"] if f["name"] == "mood")
    assert mood["args"][0]["defaultValue"] == "HAPPY"
