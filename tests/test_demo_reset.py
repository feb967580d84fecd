"""``jiedao demo reset``: drops and re-seeds the demo database, and only the demo's."""

from __future__ import annotations

import sqlite3

from jiedao.core.identity.passwords import hash_password

STREETS = {"changqing": {"name": "长庆街道", "plugins": []}}


def rows(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_reset_needs_yes_and_touches_nothing_without_it(jiedao_cli, tmp_path):
    result = jiedao_cli(["demo", "reset"], streets=STREETS)
    assert result.exit_code == 2
    assert "add --yes" in result.output and "drops every table" in result.output
    assert not (tmp_path / "cli.db").exists() or rows(tmp_path / "cli.db", "select count(*) from sqlite_master where type = 'table'") == [(0,)]


def test_reset_reseeds_the_demo_and_refuses_a_database_that_is_not_the_demos(jiedao_cli, tmp_path):
    database = tmp_path / "cli.db"
    first = jiedao_cli(["demo", "reset", "--yes"], streets=STREETS)  # an empty database may be seeded
    assert first.exit_code == 0, first.output
    assert "demo seeded again" in first.output and "changqing-admin" in first.output
    communities = rows(database, "select count(*) from communities")[0][0]
    assert communities > 0

    with sqlite3.connect(database) as connection:  # what a demo user did since
        connection.execute("update communities set name = name || ' (renamed by a visitor)'")
    second = jiedao_cli(["demo", "reset", "--yes"], streets=STREETS)
    assert second.exit_code == 0, second.output
    assert rows(database, "select count(*) from communities where name like '%(renamed by a visitor)'") == [(0,)]
    assert rows(database, "select count(*) from communities")[0][0] == communities

    with sqlite3.connect(database) as connection:  # an operator changed the admin's password: real data now
        connection.execute("update users set password_hash = ? where username = 'admin'", (hash_password("a-real-secret"),))
        connection.execute("update communities set name = name || ' (kept)'")
    refused = jiedao_cli(["demo", "reset", "--yes"], streets=STREETS)
    assert refused.exit_code == 1
    assert "not a demo database" in refused.output and "'admin' account does not have the demo password" in refused.output
    assert rows(database, "select count(*) from communities where name like '%(kept)'") == [(communities,)]


def test_a_database_with_accounts_but_no_demo_admin_is_refused(jiedao_cli, tmp_path):
    assert jiedao_cli(["db", "upgrade"], streets=STREETS).exit_code == 0
    created = jiedao_cli(["users", "create", "alice", "--street", "changqing", "--role", "street_admin", "--password-stdin"], streets=STREETS, input="alice-secret-1\n")
    assert created.exit_code == 0, created.output
    refused = jiedao_cli(["demo", "reset", "--yes"], streets=STREETS)
    assert refused.exit_code == 1, (created.output, refused.output)
    assert "no demo 'admin' account" in refused.output


def test_reset_on_postgresql_drops_the_tables_as_the_owner_and_seeds_again(jiedao_cli, postgres, monkeypatch):
    from jiedao.core.testing.fixtures import APP_ROLE, OWNER_ROLE

    name = "demo_reset_pg"
    postgres.create_database(name, owner=OWNER_ROLE)
    try:
        monkeypatch.setenv("JIEDAO_MIGRATION_DATABASE_URL", postgres.url(name, user=OWNER_ROLE))
        app_url = postgres.url(name, user=APP_ROLE)
        first = jiedao_cli(["demo", "reset", "--yes"], streets=STREETS, database_url=app_url)
        assert first.exit_code == 0, first.output
        communities = int(postgres.execute("select count(*) from communities", name))
        postgres.execute("update communities set name = name || ' (renamed by a visitor)'", name)
        second = jiedao_cli(["demo", "reset", "--yes"], streets=STREETS, database_url=app_url)
        assert second.exit_code == 0, second.output
        assert postgres.execute("select count(*) from communities where name like '%(renamed by a visitor)'", name) == "0"
        assert int(postgres.execute("select count(*) from communities", name)) == communities
        owners = postgres.execute("select distinct tableowner from pg_tables where schemaname = 'public'", name)
        assert owners == OWNER_ROLE  # recreated by the owner; the app role is still bound by RLS
        assert postgres.execute(f"select rolbypassrls from pg_roles where rolname = '{APP_ROLE}'") == "f"
    finally:
        postgres.drop_database(name)


def test_an_owner_url_naming_another_database_is_refused_and_that_database_kept(jiedao_cli, tmp_path, monkeypatch):
    """The check reads the app's database; the drop runs as the owner: both must be the demo's."""
    production = tmp_path / "production.db"
    with sqlite3.connect(production) as connection:
        connection.execute("create table communities (name text)")
        connection.execute("insert into communities values ('长庆社区')")
    monkeypatch.setenv("JIEDAO_MIGRATION_DATABASE_URL", f"sqlite+aiosqlite:///{production}")
    refused = jiedao_cli(["demo", "reset", "--yes"], streets=STREETS)  # the app's database: an empty demo
    assert refused.exit_code == 1, refused.output
    assert "JIEDAO_MIGRATION_DATABASE_URL names another database" in refused.output
    assert rows(production, "select name from communities") == [("长庆社区",)]
