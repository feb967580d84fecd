"""A query answered by one compiled statement is read outside any transaction, in one round
trip (``core.db_alone``): no BEGIN, no ROLLBACK — and never for the wrong street, whatever the
pooled connection's session-level setting says, nor leaving that setting to a transaction."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import asyncpg
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from jiedao.core.db_alone import read_alone
from jiedao.core.identity.roles import STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry, count_statements

from tests.test_street_setting import SETTING, what_the_server_gets

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # the setting is PostgreSQL's

BUILDINGS = "{ buildings(first: 5) { totalCount edges { node { name } } } }"
TWO_ROOTS = "{ communities { name } buildings(first: 1) { totalCount edges { node { name units { number } } } } }"


async def two_streets(kernel, client) -> dict[str, str]:
    """changqing with 2 buildings, gongchen with 3; a street admin's token for each (cached)."""
    await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    await build_registry(kernel, "gongchen", buildings=3, units_per_building=1)
    tokens = {street: await client.token(STREET_ADMIN, street) for street in ("changqing", "gongchen")}
    for street, token in tokens.items():
        await client.query("{ __typename }", street=street, token=token)  # the tokens are cached
    return tokens


def outcomes() -> dict[str, float]:
    """The reads outside a transaction counted so far, by outcome (``/metrics``' series)."""
    names = ("read", "read_after_setting", "read_after_mismatch", "in_transaction", "not_a_street_connection", "connection_lost",
             "setting_changed", "no_row", "refused")
    return {name: REGISTRY.get_sample_value("jiedao_reads_outside_transactions_total", {"outcome": name}) or 0.0 for name in names}


def counted_since(before: dict[str, float]) -> dict[str, float]:
    """The outcomes counted since ``before`` (only those that moved)."""
    return {name: value - before[name] for name, value in outcomes().items() if value != before[name]}


async def buildings_of(client, tokens, street: str) -> int:
    """The number of buildings ``street``'s admin sees."""
    return (await client.query(BUILDINGS, street=street, token=tokens[street]))["buildings"]["totalCount"]


async def test_a_compiled_query_is_one_statement_without_begin_or_rollback(kernel, client):
    tokens = await two_streets(kernel, client)
    assert await buildings_of(client, tokens, "changqing") == 2  # the connection now has the street
    before = outcomes()
    async with what_the_server_gets(kernel) as (simple, _statements):
        with count_statements() as counter:
            assert await buildings_of(client, tokens, "changqing") == 2
    assert counter.count == 1
    assert counted_since(before) == {"read": 1}
    assert len(simple) == 1 and simple[0].startswith("select current_setting('app.street_id', true)"), simple


async def test_a_query_of_several_root_fields_is_one_statement_too(kernel, client):
    tokens = await two_streets(kernel, client)
    await client.query(TWO_ROOTS, token=tokens["changqing"])
    async with what_the_server_gets(kernel) as (simple, _statements):
        answer = await client.query(TWO_ROOTS, token=tokens["changqing"])
    assert (len(answer["communities"]), answer["buildings"]["totalCount"]) == (1, 2)
    assert len(simple) == 1 and simple[0].startswith("select current_setting"), simple


async def test_a_statement_the_server_refuses_is_reported_once_and_the_connection_kept(kernel):
    street_id = kernel.street_id("changqing")
    assert await read_alone(kernel.db.parked, street_id, "select $1::int + 1", (1,)) == (2,)
    [kept] = kernel.db.parked.connections
    before = outcomes()
    async with what_the_server_gets(kernel) as (simple, _statements):
        with pytest.raises(asyncpg.DivisionByZeroError):
            await read_alone(kernel.db.parked, street_id, "select 1 / $1::int", (0,))
    assert len(simple) == 1, "not run again in a transaction"
    assert counted_since(before) == {"refused": 1}
    assert kernel.db.parked.connections == [kept], "the same connection, kept for the next read"
    assert kept.driver_connection.session_street == street_id


async def test_the_applications_pool_refuses_autocommit(kernel):
    """A statement outside a transaction there would run under the street the last query left."""
    async with kernel.db.engine.connect() as connection:
        with pytest.raises(RuntimeError, match="nothing outside a transaction"):
            await connection.execution_options(isolation_level="AUTOCOMMIT")


async def test_streets_taking_turns_each_read_their_own_rows(kernel, client):
    tokens = await two_streets(kernel, client)
    counts = [await buildings_of(client, tokens, street) for street in ("changqing", "gongchen") * 3]
    assert counts == [2, 3] * 3
    # the setting goes out once more when the pooled connection last read for the other street
    assert await buildings_of(client, tokens, "gongchen") == 3
    async with what_the_server_gets(kernel) as (simple, _statements):
        assert await buildings_of(client, tokens, "changqing") == 2
        assert await buildings_of(client, tokens, "changqing") == 2
    changqing = kernel.street_id("changqing")
    assert [q.split(" from ")[0] for q in simple] == [
        f"select set_config('app.street_id', '{changqing}', false)",
        "select current_setting('app.street_id', true), alone.*",
        "select current_setting('app.street_id', true), alone.*",
    ]


async def test_many_requests_of_two_streets_at_once_each_read_their_own_rows(kernel, client):
    tokens = await two_streets(kernel, client)
    streets = ["changqing", "gongchen"] * 20
    counts = await asyncio.gather(*(buildings_of(client, tokens, street) for street in streets))
    assert list(counts) == [{"changqing": 2, "gongchen": 3}[street] for street in streets]


async def test_a_setting_changed_behind_its_back_is_noticed_and_the_street_read_again(kernel, client):
    """A transaction-pooling proxy, or a RESET, may leave the connection with another street."""
    tokens = await two_streets(kernel, client)
    assert await buildings_of(client, tokens, "changqing") == 2
    gongchen = kernel.street_id("gongchen")
    driver = kernel.db.parked.connections[-1].driver_connection  # the connection the next request gets
    assert driver.session_street == kernel.street_id("changqing")
    await driver.execute(f"select set_config('app.street_id', '{gongchen}', false)")
    before = outcomes()
    async with what_the_server_gets(kernel) as (simple, _statements):
        assert await buildings_of(client, tokens, "changqing") == 2, "gongchen's 3 buildings were thrown away"
    assert counted_since(before) == {"read_after_mismatch": 1}
    assert len(simple) == 3 and "set_config" in simple[1]  # read under gongchen, set changqing, read again
    assert kernel.db.parked.connections[-1].driver_connection is driver


async def test_a_transaction_without_a_street_never_runs_under_the_setting_a_query_left(kernel, client):
    tokens = await two_streets(kernel, client)
    assert await buildings_of(client, tokens, "changqing") == 2
    await kernel.db.parked.release()  # the query's connection back in the pool: the transaction's (LIFO)
    async with kernel.db.transaction() as session:
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
        assert driver.session_street == kernel.street_id("changqing"), "the connection the query left its street on"
        assert await session.scalar(SETTING) == ""
        assert await session.scalar(text("select count(*) from buildings")) == 0, "row-level security: no street, no rows"
    async with kernel.db.transaction(kernel.street_id("gongchen")) as session:
        assert await session.scalar(text("select count(*) from buildings")) == 3


async def test_a_query_on_dead_connections_is_still_answered(kernel, client, request):
    tokens = await two_streets(kernel, client)
    assert await buildings_of(client, tokens, "changqing") == 2
    cluster = request.getfixturevalue("postgres")
    database = urlsplit(kernel.config.database_url).path.lstrip("/")
    cluster.execute(f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{database}' and pid <> pg_backend_pid()")
    before = outcomes()
    assert await buildings_of(client, tokens, "changqing") == 2
    assert counted_since(before).get("connection_lost", 0) >= 1, "the fallback is counted, not silent"
    assert await buildings_of(client, tokens, "gongchen") == 3
    async with what_the_server_gets(kernel) as (simple, _statements):  # the dead ones are gone: read alone again
        assert await buildings_of(client, tokens, "changqing") == 2
    assert not [q for q in simple if q.startswith(("BEGIN", "ROLLBACK"))], simple
