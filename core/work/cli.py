"""``jiedao work escalate``: one escalation sweep, for cron and tests."""

from __future__ import annotations

import click

from jiedao.core import clock


@click.group()
def work() -> None:
    """Work items (事项)."""


@work.command("escalate")
@click.option("--street", help="Only this street (default: every street).")
@click.pass_context
def escalate(ctx: click.Context, street: str | None) -> None:
    """Escalate overdue work items one level (at most once per working day; nothing on a day off)."""
    from jiedao.core.cli import kernel_of, require_street, run
    from jiedao.core.work.calendar import covers
    from jiedao.core.work.escalation import sweep_street

    kernel = kernel_of(ctx)
    if street is not None:
        require_street(kernel, street)
    if not covers(clock.today()):
        click.echo(f"warning: the holiday calendar does not cover {clock.today().year}; counting Monday to Friday as working days "
                   "(upgrade chinese-calendar)", err=True)

    async def go():
        await kernel.sync_streets()
        try:
            for slug in [street] if street else list(kernel.config.streets):
                for escalation in await sweep_street(kernel, slug):
                    click.echo(f"{slug}: {escalation.work_item} escalated to {escalation.level}; notified {', '.join(escalation.recipients)}")
        finally:
            await kernel.db.dispose()

    run(go())
