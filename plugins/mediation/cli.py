"""``jiedao mediation ...`` commands."""

from __future__ import annotations

import click


@click.group()
def mediation() -> None:
    """People's mediation and rectification task forces."""


@mediation.command("follow-up")
@click.option("--street", required=True, help="The street to report on.")
@click.pass_context
def follow_up_command(ctx: click.Context, street: str) -> None:
    """List what needs following up today: long-open cases, judicial-confirmation deadlines,
    return visits due, findings past their deadline, performance to confirm (Art. 31)."""
    from jiedao.api.cli import in_street
    from jiedao.plugins.mediation.service import follow_up

    report = in_street(ctx, street, follow_up, plugin="mediation")
    sections = (
        ("Cases open more than 30 days", report.open_too_long, "case"),
        ("Judicial confirmation deadlines", report.confirmation_deadlines, "case"),
        ("Return visits due", report.visits_due, "case"),
        ("Findings past their deadline", report.findings_overdue, "task force"),
        ("Performance to confirm", report.performance_unconfirmed, "case"),
    )
    for title, rows, what in sections:
        click.echo(f"{title}: {len(rows)}")
        for ident, name, detail in rows:
            click.echo(f"  {what} {ident} {name} - {detail}")
