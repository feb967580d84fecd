"""``jiedao notify run|status``: the outbox worker on its own, and what waits in the outbox."""

from __future__ import annotations

import click


@click.group()
def notify() -> None:
    """Notifications: the outbox and its worker."""


@notify.command("run")
@click.option("--once", is_flag=True, help="One cycle over every street, then exit (cron, tests).")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 5000), help="Messages taken per batch.")
@click.pass_context
def run_command(ctx: click.Context, once: bool, batch: int) -> None:
    """Deliver the outbox (several workers may run at once on PostgreSQL)."""
    from jiedao.core.cli import kernel_of, run
    from jiedao.core.notify.delivery import worker_name
    from jiedao.core.notify.runtime import runtime
    from jiedao.core.notify.worker import cycle, run_worker

    kernel = kernel_of(ctx)

    async def go():
        await kernel.sync_streets()
        try:
            if once:
                handled = await cycle(kernel, worker_name(), batch=batch)
                await runtime(kernel).close()
                click.echo(f"handled {handled} message(s)")
            else:
                await run_worker(kernel, batch=batch)
        finally:
            await kernel.db.dispose()

    run(go())


@notify.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """Messages in the outbox by street, channel and status."""
    from sqlalchemy import func, select

    from jiedao.core.cli import kernel_of, run
    from jiedao.core.notify.models import OutboxMessage

    kernel = kernel_of(ctx)

    async def go():
        await kernel.sync_streets()
        try:
            for street in kernel.config.streets:
                async with kernel.db.transaction(kernel.street_id(street)) as session:
                    rows = await session.execute(
                        select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(OutboxMessage.channel, OutboxMessage.status).order_by(OutboxMessage.channel, OutboxMessage.status)
                    )
                    for channel, status, count in rows.all():
                        click.echo(f"{street}\t{channel}\t{status}\t{count}")
        finally:
            await kernel.db.dispose()

    run(go())
