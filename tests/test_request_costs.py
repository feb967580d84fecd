"""What a request costs the database: a token checked a moment ago costs no statement, changes
to tokens and grants take effect at once in the process, the README list costs the same
statements whatever its page size, and a dead pooled connection fails no request."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select, text

from jiedao.core.identity import service, token_cache
from jiedao.core.identity.models import User
from jiedao.core.identity.roles import STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry

TYPENAME = "{ __typename }"
README_LIST = """query($first: Int) { buildings(first: $first) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name compound { name community { name } } units { number area owners { name phone } } } } } }"""


@contextmanager
def statements_of(kernel):
    """Every statement the kernel's engine runs inside the block (authentication included)."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(kernel.db.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(kernel.db.sync_engine, "before_cursor_execute", count)


async def test_a_token_checked_a_moment_ago_costs_no_statement(client, kernel):
    token = await client.token(STREET_ADMIN)
    with statements_of(kernel) as first:
        assert await client.query(TYPENAME, token=token) == {"__typename": "Query"}
    with statements_of(kernel) as again:
        assert await client.query(TYPENAME, token=token) == {"__typename": "Query"}
    assert len(first) == 1, first  # the token, its user and their roles in one statement
    assert again == []


async def test_without_the_cache_a_token_costs_one_statement(client, kernel, monkeypatch):
    monkeypatch.setenv("JIEDAO_TOKEN_CACHE_SECONDS", "0")
    token = await client.token(STREET_ADMIN)
    for _ in range(2):
        with statements_of(kernel) as seen:
            await client.query(TYPENAME, token=token)
        assert len(seen) == 1, seen


async def test_logout_refuses_the_token_at_once(client):
    token = await client.token(STREET_ADMIN)
    await client.query(TYPENAME, token=token)
    await client.query("mutation { logout { revoked errors { message } } }", token=token)
    response = await client.post(TYPENAME, token=token)
    assert response.status_code == 401
    assert "revoked" in response.json()["errors"][0]["message"]


async def test_logout_everywhere_refuses_every_token_of_the_user_at_once(client, kernel):
    token = await client.token(STREET_ADMIN)
    await client.query(TYPENAME, token=token)
    async with kernel.db.transaction() as session:
        user = await session.scalar(select(User).where(User.username == f"{STREET_ADMIN}-changqing"))
        await service.revoke_all_tokens(session, user.id)
    assert (await client.post(TYPENAME, token=token)).status_code == 401


async def test_a_revoked_role_is_refused_at_once(client, kernel):
    token = await client.token(STREET_ADMIN)
    await client.query(TYPENAME, token=token)
    async with kernel.db.transaction() as session:
        user = await session.scalar(select(User).where(User.username == f"{STREET_ADMIN}-changqing"))
        street = await service.street_by_slug(session, "changqing")
        assert await service.revoke(session, user, street, STREET_ADMIN)
    response = await client.post(TYPENAME, token=token)
    assert response.status_code == 401
    assert "not valid in street" in response.json()["errors"][0]["message"]


async def test_a_deactivated_account_is_refused_at_once(client, kernel):
    token = await client.token(STREET_ADMIN)
    await client.query(TYPENAME, token=token)
    async with kernel.db.transaction() as session:
        user = await session.scalar(select(User).where(User.username == f"{STREET_ADMIN}-changqing"))
        user.is_active = False
    assert (await client.post(TYPENAME, token=token)).status_code == 401


async def test_an_expired_token_is_refused_though_cached(client, monkeypatch):
    token = await client.token(STREET_ADMIN)
    await client.query(TYPENAME, token=token)
    later = service.now() + service.TOKEN_LIFETIME * 2
    monkeypatch.setattr(service, "now", lambda: later)
    response = await client.post(TYPENAME, token=token)
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["message"]


async def test_a_change_by_another_process_takes_effect_within_the_ttl(client, kernel, monkeypatch):
    """Plain SQL stands for another process (the CLI, another worker): this process is not
    told, so the cached answer holds until its TTL runs out, then the token is refused."""
    token = await client.token(STREET_ADMIN)
    await client.query(TYPENAME, token=token)
    async with kernel.db.transaction() as session:
        await session.execute(text("update tokens set revoked_at = created_at"))
    assert (await client.post(TYPENAME, token=token)).status_code == 200
    clock = token_cache.time.monotonic() + token_cache.ttl_seconds() + 0.001
    monkeypatch.setattr(token_cache.time, "monotonic", lambda: clock)
    assert (await client.post(TYPENAME, token=token)).status_code == 401


async def test_a_lookup_that_raced_a_revocation_is_not_kept(client, kernel):
    """A look-up that began before a change of tokens must not store its (old) answer."""
    cache = token_cache.cache_of(kernel)
    started = token_cache.generation()
    token_cache.forget_all()
    cache.put("digest", "changqing", {"user_columns": {}, "roles": frozenset({"x"}), "permissions": frozenset(),
                                      "token_id": 1, "token_expires_at": service.now()}, started)
    assert cache.get("digest", "changqing") is None


def test_a_bad_ttl_is_refused_at_start_naming_the_setting(monkeypatch):
    from jiedao.core.config import ConfigurationError, parse_config

    monkeypatch.setenv("JIEDAO_TOKEN_CACHE_SECONDS", "soon")
    with pytest.raises(ConfigurationError, match="JIEDAO_TOKEN_CACHE_SECONDS must be a number of seconds from 0 to 60"):
        parse_config({"streets": {"x": {"name": "x"}}})


async def test_the_readme_list_costs_the_same_statements_whatever_its_page_size(client, kernel, monkeypatch):
    # The token stays cached for the whole test even on a loaded machine (default 5 s: a slow
    # page would re-read it and count one statement more).
    monkeypatch.setenv("JIEDAO_TOKEN_CACHE_SECONDS", "60")
    await build_registry(kernel, "changqing", buildings=6, units_per_building=3)
    token = await client.token(STREET_ADMIN)
    await client.query(TYPENAME, token=token)  # the token is now cached
    counts = []
    for first in (1, 3, 6):
        with statements_of(kernel) as seen:
            page = await client.query(README_LIST, {"first": first}, token=token)
        assert len(page["buildings"]["edges"]) == first
        counts.append(len(seen))
    assert counts[0] == counts[1] == counts[2], counts


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite has no server connections to lose
async def test_a_terminated_backend_fails_no_request(client, kernel, request):
    """The pool does not ping a connection used a moment ago: one PostgreSQL dropped is found
    at its first statement, discarded with the pool's others, and the request starts again on a new one."""
    cluster = request.getfixturevalue("postgres")
    database = urlsplit(kernel.config.database_url).path.lstrip("/")
    cached = await client.token(STREET_ADMIN)
    assert await client.query("{ buildings(first: 1) { totalCount } }", token=cached)

    def terminate() -> None:
        cluster.execute(f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{database}' and pid <> pg_backend_pid()")

    terminate()
    # The token is cached: the first statement is the request's own (street and reads).
    assert await client.query("{ buildings(first: 1) { totalCount } }", token=cached)
    fresh = await client.token(STREET_ADMIN, username="second-admin")
    terminate()
    # A token not cached: the first statement is authentication's.
    assert await client.query("{ buildings(first: 1) { totalCount } }", token=fresh)
    assert await client.query("{ buildings(first: 1) { totalCount } }", token=fresh)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_an_idle_connection_dropped_by_the_server_fails_no_transaction(kernel, request, monkeypatch):
    """Outside a request's retry (a commit's next transaction, a job, a log-in), a pooled
    connection idle for a while is pinged at checkout and replaced if it was dropped."""
    from sqlalchemy import text

    from jiedao.core import db

    cluster = request.getfixturevalue("postgres")
    database = urlsplit(kernel.config.database_url).path.lstrip("/")
    async with kernel.db.transaction() as session:  # a pooled connection, now idle
        assert await session.scalar(text("select 1")) == 1
    cluster.execute(f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{database}' and pid <> pg_backend_pid()")
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", -1.0)  # it has been idle "long enough"
    async with kernel.db.transaction() as session:
        assert await session.scalar(text("select 2")) == 2


async def test_a_requests_statement_counter_ends_with_the_request(client):
    """Each request counts its statements (``JIEDAO_DEBUG``, ``client.statements``) with a
    counter of its own that ends with it. An in-process client awaits the app in its own
    task, so a counter left behind would be the next request's outer one: a chain growing by
    one per request, walked by every statement (it took 15 % of an in-process benchmark's
    CPU after 10,000 requests)."""
    from jiedao.core.testing.fixtures import count_statements
    from jiedao.schema.statements import current_statements

    token = await client.token("community_worker")
    before = current_statements()
    one = await client.statements("{ buildings(first: 1) { edges { cursor } } }", token=token)
    assert current_statements() is before
    with count_statements() as counter:
        assert await client.statements("{ buildings(first: 1) { edges { cursor } } }", token=token) == one
        assert current_statements() is counter and counter.count >= one  # the request's statements count here too
    assert current_statements() is before
