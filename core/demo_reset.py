"""``jiedao demo reset``: drop the demo database's tables and seed the demo again.

Only a demo database may be reset: one without accounts yet, or one whose ``admin``
account still has the demo's password (``core.demo.DEMO_PASSWORD``), which no real
deployment keeps. Anything else is refused before a table is touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from sqlalchemy import inspect, select

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel


class NotADemoDatabase(Exception):
    """The database holds accounts other than the demo's: resetting it would lose real data."""


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


@click.group()
def demo() -> None:
    """The demo database."""


@demo.command("reset")
@click.option("--yes", is_flag=True, help="Really drop every table of the demo database and seed it again.")
@click.pass_context
def demo_reset(ctx: click.Context, yes: bool) -> None:
    """Drop the demo database's tables (every migration down to base) and seed the demo again.

    Refuses without --yes, and on a database that is not the demo's (its 'admin' account
    does not have the demo password)."""
    from jiedao.core import migrate
    from jiedao.core.cli import _refuse_orphans, kernel_of, run
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
    _refuse_orphans(kernel)
    migrate.downgrade(kernel, "base")
    migrate.upgrade(kernel)
    accounts = run(seed_demo(kernel))
    click.echo(f"reset {where}: demo seeded again; accounts (password 'jiedao-demo'): {', '.join(accounts)}")
