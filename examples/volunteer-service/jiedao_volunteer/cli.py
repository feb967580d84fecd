"""``jiedao volunteer ...`` commands."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from jiedao.api.cli import in_street
from jiedao_volunteer.models import Participation, ServiceEvent


@click.group(name="volunteer")
def commands() -> None:
    """Volunteer service."""


@commands.command()
@click.option("--street", required=True)
@click.pass_context
def stats(ctx: click.Context, street: str) -> None:
    """Services held and hours served in a street."""

    async def count(session) -> tuple[int, float]:
        services = await session.scalar(select(func.count()).select_from(ServiceEvent))
        minutes = await session.scalar(select(func.coalesce(func.sum(Participation.minutes), 0)))
        return services, minutes / 60

    services, hours = in_street(ctx, street, count, plugin="volunteer")
    click.echo(f"{services} services, {hours:g} volunteer hours in {street}")
