"""``jiedao demo reset``: drop the demo database's tables and seed the demo again.

Dropping: the SQLite file is deleted; on PostgreSQL every table of the schema is dropped as
the owner (``JIEDAO_MIGRATION_DATABASE_URL``). Migrating down instead would trip over the
demo's own rows (a downgrade is for schemas, not for data). Then ``db upgrade`` and the seed.

Only a demo database may be reset: one without accounts yet, or one whose ``admin``
account still has the demo's password (``core.demo.DEMO_PASSWORD``), which no real
deployment keeps; and the owner's URL (``JIEDAO_MIGRATION_DATABASE_URL``), which drops the
tables, must name the very database that was checked. Anything else is refused before a
table is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from sqlalchemy import inspect, select

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel


async def demo_database_problem(kernel: Kernel) -> str | None:
    """Why the database of ``kernel`` is not a demo database, or None when it may be reset."""
    from jiedao.core.demo import DEMO_PASSWORD
    from jiedao.core.identity.models import User
    from jiedao.core.identity.passwords import verify_password

    async with kernel.db.engine.connect() as connection:
        has_users = await connection.run_sync(lambda sync: inspect(sync).has_table(User.__tablename__))
    if not has_users:
        return None  # nothing migrated yet: nothing to lose
    async with kernel.db.transaction() as session:
        if not await session.scalar(select(User.id).limit(1)):
            return None
        admin_hash = await session.scalar(select(User.password_hash).where(User.username == "admin"))
    if admin_hash is None:
        return "it has accounts but no demo 'admin' account"
    if not await verify_password(admin_hash, DEMO_PASSWORD):
        return "its 'admin' account does not have the demo password"
    return None


def same_database(first: str, second: str) -> bool:
    """Whether two URLs name the same database (backend, host, port and name; the account and
    password may differ: the app role and the owner reach one database)."""
    from sqlalchemy.engine import make_url

    a, b = make_url(first), make_url(second)
    return (a.get_backend_name(), a.host, a.port, a.database) == (b.get_backend_name(), b.host, b.port, b.database)


async def drop_everything(url: str) -> None:
    """Remove every table of the database at ``url``: the SQLite file (and its WAL), or every
    table of the connection's schema on PostgreSQL (with what depends on them)."""
    from pathlib import Path

    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = create_async_engine(parsed)
    try:
        async with engine.begin() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            if tables:
                quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in tables)
                await connection.execute(text(f"DROP TABLE IF EXISTS {quoted} CASCADE"))
    finally:
        await engine.dispose()


@click.group()
def demo() -> None:
    """The demo database."""


@demo.command("reset")
@click.option("--yes", is_flag=True, help="Really drop every table of the demo database and seed it again.")
@click.pass_context
def demo_reset(ctx: click.Context, yes: bool) -> None:
    """Drop every table of the demo database and seed the demo again (migrations, demo data, accounts).

    Refuses without --yes, and on a database that is not the demo's (its 'admin' account
    does not have the demo password)."""
    from jiedao.core import migrate
    from jiedao.core.cli import kernel_of, run
    from jiedao.core.demo import seed_demo

    kernel = kernel_of(ctx)
    where = kernel.db.engine.url.render_as_string(hide_password=True)
    if not yes:
        raise click.UsageError(f"this drops every table of {where} and seeds the demo again; add --yes to do it", ctx)

    async def check() -> str | None:
        try:
            return await demo_database_problem(kernel)
        finally:
            await kernel.db.dispose()

    if problem := run(check()):
        raise click.ClickException(f"refusing to reset {where}: not a demo database ({problem})")
    owner_url = migrate.migration_url(kernel)
    if not same_database(owner_url, kernel.config.database_url):
        # the check above read the app's database: never drop another one
        raise click.ClickException(
            f"refusing to reset: JIEDAO_MIGRATION_DATABASE_URL names another database than {where}; unset it or make both name the demo's"
        )
    run(drop_everything(owner_url))
    migrate.upgrade(kernel)
    accounts = run(seed_demo(kernel))
    click.echo(f"reset {where}: demo seeded again; accounts (password 'jiedao-demo'): {', '.join(accounts)}")
