"""GraphQL of the platform administrator's figures across every cell (``platformFigures``).

The view of ``jiedao clusters figures``: each cell of the deployment read by ``core.fanout``
(the served one through the kernel's own database, the others through their application URL),
each street's current-state figures, and the totals over the cells that answered. Only a caller
holding the ``platform_admin`` role may read it, whichever street's endpoint is asked.
"""

from __future__ import annotations

import strawberry

from jiedao.core import fanout
from jiedao.core.figures import Metric
from jiedao.core.identity.roles import PLATFORM_ADMIN
from jiedao.core.messages import language_of
from jiedao.schema.cost import list_bound
from jiedao.schema.permissions import allow_role


@strawberry.type(name="PlatformFigure", description="One current-state figure (a cockpit gauge such as open sensor alarms), summed over streets.")
class PlatformFigure:
    key: str = strawberry.field(description="The metric's key, e.g. sensors.alarms.open or core.work.overdue.")
    value: float = strawberry.field(description="Its value now (a count, or the sum of the metric's amounts).")
    label: str | None = strawberry.field(description="The metric's title in the request's language (Chinese or English); null when it has none.")


@strawberry.type(name="PlatformStreet", description="One street of a cell and its figures.")
class PlatformStreet:
    slug: str = strawberry.field(description="The street's slug, as in its endpoint /graphql/{slug}.")
    name: str = strawberry.field(description="The street's display name (plugins.toml).")
    started: bool = strawberry.field(description="Whether the cell's database holds the street (false: never started there, and it counts nothing).")
    figures: list[PlatformFigure] = strawberry.field(description="The current-state figures of the core and the street's plugins, by key.", metadata=list_bound(25))


@strawberry.type(name="PlatformCell", description="One cell (PostgreSQL cluster) of the deployment and its streets, or why it did not answer.")
class PlatformCell:
    name: str = strawberry.field(description="The cell's name (database = \"...\" in plugins.toml; default for the rest).")
    answered: bool = strawberry.field(description="Whether the cell was read in time; false: see problem, and its streets are empty.")
    problem: str | None = strawberry.field(description="Why the cell did not answer (its URL variable unset in this process, a timeout, a connection refused), in the request's language; null when it answered.")
    streets: list[PlatformStreet] = strawberry.field(description="Its streets in plugins.toml order, with their figures; empty when it did not answer.", metadata=list_bound(30))


@strawberry.type(name="PlatformFigures", description="A platform administrator's figures across every cell: each cell's streets and the totals.")
class PlatformFigures:
    cells: list[PlatformCell] = strawberry.field(description="Every cell of the deployment, the default cell first.", metadata=list_bound(8))
    totals: list[PlatformFigure] = strawberry.field(description="Each figure summed over every street of the cells that answered, by key.", metadata=list_bound(25))


def _figures(values: dict[str, float], metrics: dict[str, Metric], chinese: bool) -> list[PlatformFigure]:
    """``values`` as figures sorted by key, labelled in the request's language."""
    return [
        PlatformFigure(key=key, value=value, label=(_label(metrics[key], chinese) if key in metrics else None))
        for key, value in sorted(values.items())
    ]


def _label(metric: Metric, chinese: bool) -> str | None:
    """The metric's title in Chinese or English (the other when that one is empty), else None."""
    first, second = (metric.title_zh, metric.title_en) if chinese else (metric.title_en, metric.title_zh)
    return first or second or None


def platform_figures_of(ctx, cells: list[fanout.CellFigures]) -> PlatformFigures:
    """The GraphQL view of ``cells`` for the request ``ctx`` (its language)."""
    metrics = {metric.key: metric for metric in fanout.gauges(ctx.kernel)}
    chinese = language_of(ctx).lower().startswith("zh")
    return PlatformFigures(
        cells=[
            PlatformCell(
                name=cell.name,
                answered=cell.answered,
                problem=None if cell.problem is None else cell.problem.render(ctx),
                streets=[PlatformStreet(slug=s.slug, name=s.name, started=s.started, figures=_figures(s.figures, metrics, chinese)) for s in cell.streets],
            )
            for cell in cells
        ],
        totals=_figures(fanout.totals(cells), metrics, chinese),
    )


@strawberry.type
class PlatformQuery:
    @strawberry.field(
        description="The platform administrator's figures across every cell (PostgreSQL cluster) of the deployment, read now, "
        "each street through row-level security; a cell that does not answer within a few seconds is reported, the others still answer. "
        "Needs the platform_admin role.",
        permission_classes=allow_role(PLATFORM_ADMIN),
    )
    async def platform_figures(self, info: strawberry.Info) -> PlatformFigures:
        return platform_figures_of(info.context, await fanout.read_cells(info.context.kernel))
