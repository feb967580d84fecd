"""A platform administrator's cross-street figures, fanned out over every cluster (cell).

No Jiedao process connects to more than its own cluster; this one-shot reader (``jiedao
clusters figures``) opens each cluster's *application* URL in turn — the RLS-bound role, never
the owner — reads every street of that cluster in its own street transaction (``app.street_id``
set, so row-level security limits each read to the street) and sums. The figures are the
current-state metrics (``MetricKind.GAUGE``) the core and the street's plugins publish for the
cockpit (``register.metrics``), e.g. ``sensors.alarms.open``, ``core.work.overdue``: the core
names no plugin's table. A street absent from its cluster's ``streets`` table (never started
there) counts nothing and is reported as such.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from jiedao.core.db import Database
from jiedao.core.figures import Metric, MetricKind
from jiedao.core.kernel import Kernel


def gauges(kernel: Kernel, plugins: tuple[str, ...] | None = None) -> list[Metric]:
    """The current-state metrics of the core and of ``plugins`` (every plugin when None)."""
    return [m for owner, m in kernel.contributions.metrics if m.kind is MetricKind.GAUGE and (plugins is None or owner == "core" or owner in plugins)]


async def street_figures(db: Database, street_id: int, metrics: list[Metric]) -> dict[str, float]:
    """Each metric's current value in one street, read in a transaction of that street (the
    street filter, and RLS on PostgreSQL): the sum of its rows' ``value`` (1 a row without one)."""
    figures: dict[str, float] = {}
    async with db.transaction(street_id) as session:
        for metric in metrics:
            source = metric.source().subquery()
            amount = func.sum(source.c.value) if "value" in source.c else func.count()
            total = (await session.execute(select(func.coalesce(amount, 0)).select_from(source))).scalar_one()
            figures[metric.key] = int(total) if float(total).is_integer() else float(total)
    return figures


async def cluster_figures(kernel: Kernel, cluster: str, url: str) -> dict[str, dict[str, int]]:
    """``{street: figures}`` of every street of ``cluster``, read through its application URL."""
    streets = {slug: s for slug, s in kernel.config.all_streets.items() if s.database == cluster}
    db = Database(url, pool_size=2, max_overflow=0) if not url.startswith("sqlite") else Database(url)
    try:
        async with db.transaction() as session:
            rows = (await session.execute(text("select slug, id from streets"))).all()
        ids = {slug: street_id for slug, street_id in rows if slug in streets}
        return {slug: (await street_figures(db, ids[slug], gauges(kernel, streets[slug].plugins)) if slug in ids else {}) for slug in streets}
    finally:
        await db.dispose()


async def fan_out(kernel: Kernel, urls: dict[str, str]) -> dict[str, Any]:
    """``{"clusters": {cluster: {street: figures}}, "total": {figure: sum}}`` over ``urls``
    (``{cluster: application URL}``)."""
    per_cluster = {cluster: await cluster_figures(kernel, cluster, url) for cluster, url in urls.items()}
    total: dict[str, float] = {}
    for streets in per_cluster.values():
        for figures in streets.values():
            for name, value in figures.items():
                total[name] = total.get(name, 0) + value
    return {"clusters": per_cluster, "total": total}
