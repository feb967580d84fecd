"""A process keeps a fixed pool of PostgreSQL connections (``JIEDAO_DATABASE_POOL_SIZE``,
``core.db``): more concurrent requests than it holds wait for one instead of each opening and
closing a connection of its own (a backend started and authenticated per request)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

from jiedao.core.identity.roles import STREET_ADMIN
from jiedao.core.testing.fixtures import app_client, build_registry


BUILDINGS = "{ buildings(first: 5) { totalCount } }"
COMMUNITIES = "{ communities { name } grids { totalCount } }"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite has no server connections
async def test_more_concurrent_requests_than_the_pool_holds_open_no_connection_beyond_it(make_kernel, password_hash, monkeypatch):
    monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", "3")
    kernel = await make_kernel()
    assert (kernel.db.engine.pool.size(), kernel.db.engine.pool._max_overflow) == (3, 0)  # noqa: SLF001 - the pool's own figure
    opened: list[object] = []
    event.listen(kernel.db.sync_engine, "connect", lambda dbapi_connection, record: opened.append(dbapi_connection))
    await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    async with app_client(kernel, password_hash) as client:
        token = await client.token(STREET_ADMIN)
        answers = await asyncio.gather(*(client.query(query, token=token) for query in [BUILDINGS, COMMUNITIES] * 12))
    assert [a["buildings"]["totalCount"] for a in answers[::2]] == [2] * 12
    assert all(len(a["communities"]) == 1 for a in answers[1::2])
    assert len(opened) <= 3, f"{len(opened)} connections opened for a pool of 3"


def test_the_pool_size_is_read_from_the_environment(monkeypatch):
    from jiedao.core.config import parse_config
    from jiedao.core.errors import ConfigurationError

    streets = {"streets": {"x": {"name": "x"}}}
    assert parse_config(streets).database_pool_size == 30
    monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", "8")
    assert parse_config(streets).database_pool_size == 8
    for bad in ("0", "1001", "many", "٣", "-1"):
        monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", bad)
        with pytest.raises(ConfigurationError) as refused:
            parse_config(streets)
        assert "JIEDAO_DATABASE_POOL_SIZE" in str(refused.value)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_mutation_with_replicas_gives_its_connection_back_before_its_events_run(kernel):
    """With read replicas a write reads its commit's position afterwards; that read must not
    keep a connection while the mutation's event handlers take their own from the pool. (The
    primary stands in as the replica: only the write's side is exercised.)"""
    from sqlalchemy import text

    from jiedao.core.replicas import Replicas
    from jiedao.schema.context import Context

    kernel.db.replicas = Replicas(kernel.db, [kernel.config.database_url], pool_size=1)
    try:
        context = Context(kernel=kernel, street="changqing", street_id=kernel.street_id("changqing"), request_id="write")
        await context.write(lambda session: session.execute(text("select 1")))
        assert context.read_after is not None, "the commit's position was read"
        assert kernel.db.engine.pool.checkedout() == 0, "no connection held after the write"
        assert await context.scalar(text("select current_setting('app.street_id', true)")) == str(kernel.street_id("changqing"))
        await context.close()
    finally:
        replicas, kernel.db.replicas = kernel.db.replicas, None
        await replicas.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_log_in_after_another_mutation_field_waits_for_no_second_connection(make_kernel, password_hash, monkeypatch):
    """``login`` opens transactions of its own. After a mutation field whose answer read
    through the request's session, that session is ended first: with a pool of one connection
    the document is answered, instead of holding the one connection while waiting for another
    until the pool's timeout."""
    from jiedao.core.testing.fixtures import TEST_PASSWORD

    monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", "1")
    kernel = await make_kernel()
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    document = """mutation($community: ID!, $password: String!) {
      createGrid(input: {code: "G1", name: "一网格", communityId: $community}) { grid { name community { name } } }
      login(input: {username: "street_admin-changqing", password: $password}) { token errors { code } }
    }"""
    async with app_client(kernel, password_hash) as client:
        token = await client.token(STREET_ADMIN)
        community = (await client.query("{ communities { id } }", token=token))["communities"][0]["id"]
        answer = await asyncio.wait_for(client.query(document, {"community": community, "password": TEST_PASSWORD}, token=token), 20)
    assert answer["createGrid"]["grid"]["name"] == "一网格"
    assert answer["login"]["errors"] == [] and answer["login"]["token"]
    assert kernel.db.engine.pool.checkedout() == 0
