"""``jiedao mediation ...`` commands."""

from __future__ import annotations

import asyncio

import click


@click.group()
def mediation() -> None:
    """People's mediation and rectification task forces."""


@mediation.command("follow-up")
@click.option("--street", required=True, help="The street to report on.")
@click.pass_context
def follow_up_command(ctx: click.Context, street: str) -> None:
    """List what needs following up today: long-open cases, judicial-confirmation deadlines,
    return visits due and findings past their deadline."""
    from core.cli import kernel_of
    from plugins.mediation.followup import follow_up

    kernel = kernel_of(ctx)
    if street not in kernel.config.streets:
        raise click.UsageError(f"unknown street '{street}'")
    if "mediation" not in kernel.enabled_plugins(street):
        raise click.UsageError(f"street '{street}' does not enable the mediation plugin")

    async def run():
        await kernel.sync_streets()
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            report = await follow_up(session)
        await kernel.db.dispose()
        return report

    report = asyncio.run(run())
    sections = (
        ("Cases open more than 30 days", report.open_too_long, "case"),
        ("Judicial confirmation deadlines", report.confirmation_deadlines, "case"),
        ("Return visits due", report.visits_due, "case"),
        ("Findings past their deadline", report.findings_overdue, "task force"),
    )
    for title, rows, what in sections:
        click.echo(f"{title}: {len(rows)}")
        for ident, name, detail in rows:
            click.echo(f"  {what} {ident} {name} - {detail}")
