"""``jiedao credit ...``: recompute a street's scores (nightly, for time decay), import
enterprises from CSV, and prove a past score reproduces."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from jiedao.api.cli import importfile, in_street, report_import_failure


@click.group()
def credit() -> None:
    """Restaurant credit index: recompute, import, reproduce."""


@credit.command()
@click.option("--street", required=True, help="The street whose enterprises to recompute.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="The day to score for (default: today, China time).")
@click.pass_context
def recompute(ctx: click.Context, street: str, as_of) -> None:
    """Recompute every enterprise of STREET with the active scorecard (run nightly: time decay)."""
    from jiedao.plugins.credit import service

    day: date | None = as_of.date() if as_of else None

    async def work(session) -> int:
        with click.progressbar(length=1, label="recomputing", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            return await service.recompute_all(session, trigger="recompute", as_of=day, progress=progress)

    click.echo(f"{in_street(ctx, street, work, plugin='credit')} enterprise(s) recomputed in {street}")


@credit.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--street", required=True)
@click.pass_context
def import_command(ctx: click.Context, file: Path, street: str) -> None:
    """Import enterprises from a CSV file, all or nothing (see plugins/credit/service/importer.py)."""
    from jiedao.plugins.credit.service.importer import import_enterprises, read_csv

    try:
        report = in_street(ctx, street, lambda session: import_enterprises(session, read_csv(file)), plugin="credit")
    except importfile.ImportFailed as failure:
        report_import_failure(failure)
    click.echo(report.summary())


@credit.command()
@click.argument("score_id", type=int)
@click.option("--street", required=True)
@click.pass_context
def reproduce(ctx: click.Context, score_id: int, street: str) -> None:
    """Recompute stored score SCORE_ID from its inputs and scorecard version; exit 1 if it differs."""
    from jiedao.plugins.credit import service

    result = in_street(ctx, street, lambda session: service.reproduce(session, score_id), plugin="credit")
    click.echo(f"score {score_id} (scorecard v{result.scorecard_version}): stored {result.stored['score']} {result.stored['risk_class']}, "
               f"recomputed {result.recomputed['score']} {result.recomputed['risk_class']}: {'identical' if result.equal else 'DIFFERENT'}")
    if not result.equal:
        sys.exit(1)
