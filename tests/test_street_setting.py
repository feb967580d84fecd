"""The street's row-level-security setting travels with each transaction's BEGIN
(``core.db_street``): one round trip, no statement of its own, never left on a pooled
connection for the next transaction, and a dead connection still fails no request."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core.db_street import StreetConnection
from jiedao.core.identity.roles import STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # the setting is PostgreSQL's

SETTING = text("select current_setting('app.street_id', true)")
CREATE_GRID = """mutation($input: CreateGridInput!) { createGrid(input: $input) { grid { code } errors { code } } }"""


@asynccontextmanager
async def what_the_server_gets(kernel):
    """The simple queries (BEGIN, COMMIT, ...) every pooled connection sends inside the block
    (those parked for reads outside transactions too, ``core.db_parked``), and the statements
    SQLAlchemy runs, as two lists."""
    simple: list[str] = []
    statements: list[str] = []
    watched: list[asyncpg.Connection] = []

    def log(record) -> None:
        simple.append(record.query)

    def checkout(dbapi_connection, record, proxy) -> None:
        driver = dbapi_connection.driver_connection
        driver.add_query_logger(log)
        watched.append(driver)

    def statement(conn, cursor, sql, parameters, context, executemany) -> None:
        statements.append(sql)

    for pooled in kernel.db.parked.connections:
        pooled.driver_connection.add_query_logger(log)
        watched.append(pooled.driver_connection)
    engine = kernel.db.sync_engine
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield simple, statements
    finally:
        await asyncio.sleep(0)  # asyncpg calls its query loggers on the loop's next turn
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "before_cursor_execute", statement)
        for driver in watched:
            driver.remove_query_logger(log)


async def test_a_request_sends_its_street_with_the_begin(kernel, client):
    await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    token = await client.token(STREET_ADMIN)
    community = (await client.query("{ communities { id } }", token=token))["communities"][0]["id"]  # the token is cached
    street_id = kernel.street_id("changqing")
    async with what_the_server_gets(kernel) as (simple, statements):
        created = await client.query(CREATE_GRID, {"input": {"code": "g-1", "name": "一", "communityId": community}}, token=token)
    assert created["createGrid"] == {"grid": {"code": "g-1"}, "errors": []}, "row-level security saw the street"
    begins = [q for q in simple if q.startswith("BEGIN")]
    assert begins == [f"BEGIN; select set_config('app.street_id', '{street_id}', true);"]
    assert not [s for s in statements if "set_config" in s], "no statement of its own"
    async with what_the_server_gets(kernel) as (simple, statements):  # a query the general path answers
        assert (await client.query("{ grids { totalCount } }", token=token))["grids"]["totalCount"] == 1
    assert [q for q in simple if q.startswith("BEGIN")] == [f"BEGIN; select set_config('app.street_id', '{street_id}', true);"]


async def test_a_transaction_without_a_street_begins_with_the_empty_setting(kernel):
    async with what_the_server_gets(kernel) as (simple, _statements):
        async with kernel.db.transaction() as session:
            await session.execute(text("select 1"))
    assert [q for q in simple if q.startswith("BEGIN")] == ["BEGIN; select set_config('app.street_id', '', true);"]


async def test_every_transaction_of_a_street_session_has_its_street(kernel):
    street_id = kernel.street_id("changqing")
    async with kernel.db.transaction(street_id) as session:
        assert await session.scalar(SETTING) == str(street_id)
    async with kernel.db.session(street_id) as session:
        assert await session.scalar(SETTING) == str(street_id)
        await session.commit()
        assert await session.scalar(SETTING) == str(street_id), "the transaction after a commit"
    async with kernel.db.transaction() as session:
        assert await session.scalar(SETTING) in (None, ""), "an unscoped session sees no street"


async def test_a_street_handed_over_but_not_sent_never_reaches_the_next_transaction(kernel):
    street_id = kernel.street_id("changqing")
    async with kernel.db.session(street_id) as session:
        connection = await session.connection()  # begun, the street handed to the connection; nothing sent
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, StreetConnection)
    async with kernel.db.transaction() as session:
        raw = await (await session.connection()).get_raw_connection()
        assert raw.driver_connection is driver, "the pool hands the same connection out again"
        assert await session.scalar(SETTING) in (None, "")


async def test_a_session_joined_to_an_open_transaction_sets_its_street_by_statement(kernel):
    street_id = kernel.street_id("changqing")
    async with kernel.db.engine.connect() as connection:
        await connection.begin()
        await connection.execute(text("select 1"))  # the BEGIN has gone out
        session = AsyncSession(bind=connection, info={"street_id": street_id})
        assert await session.scalar(SETTING) == str(street_id)
        await session.close()
        await connection.rollback()


async def test_a_begin_whose_setting_fails_closes_the_connection(kernel):
    """asyncpg would otherwise believe no transaction is open on a connection the server has in one."""
    url = urlsplit(kernel.config.database_url.replace("+asyncpg", ""))
    connection = await asyncpg.connect(url.geturl(), connection_class=StreetConnection)
    try:
        connection.street_for_next_begin(7)
        with pytest.raises(asyncpg.DivisionByZeroError):
            await connection.execute("BEGIN; select 1/0;")
        assert connection.is_closed()
    finally:
        await connection.close()


async def test_a_mutation_on_a_dead_connection_still_writes(client, kernel, request):
    """The request finds the pooled connection dead at its first statement and starts again on a new one."""
    cluster = request.getfixturevalue("postgres")
    database = urlsplit(kernel.config.database_url).path.lstrip("/")
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    token = await client.token(STREET_ADMIN)
    community = (await client.query("{ communities { id } }", token=token))["communities"][0]["id"]
    cluster.execute(f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{database}' and pid <> pg_backend_pid()")
    created = await client.query(CREATE_GRID, {"input": {"code": "g-9", "name": "九", "communityId": community}}, token=token)
    assert created["createGrid"] == {"grid": {"code": "g-9"}, "errors": []}
