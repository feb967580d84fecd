"""A platform administrator's cross-street figures, fanned out over every cluster (cell).

No Jiedao process connects to more than its own cluster; this one-shot reader (``jiedao
clusters figures``) opens each cluster's *application* URL in turn — the RLS-bound role, never
the owner — reads every street of that cluster in its own street transaction (``app.street_id``
set, so row-level security limits each read to the street) and sums. A street's figures are
those of the plugins it enables; a street absent from its cluster's ``streets`` table (never
started there) counts nothing and is reported as such.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from jiedao.core.db import Database
from jiedao.core.kernel import Kernel

FIGURES: dict[str, tuple[str | None, str]] = {
    "work_items": (None, "select count(*) from work_items where street_id = :street"),
    "devices": ("sensors", "select count(*) from sensor_devices where street_id = :street"),
    "alarms_open": ("sensors", "select count(*) from sensor_alarms where street_id = :street and status <> 'CLEARED'"),
}
"""Figure → (the plugin a street must enable, or None for every street; its count, one street)."""


async def street_figures(db: Database, street_id: int, plugins: tuple[str, ...]) -> dict[str, int]:
    """The figures of one street, read in a transaction of that street (RLS on PostgreSQL)."""
    figures: dict[str, int] = {}
    async with db.transaction(street_id) as session:
        for name, (plugin, sql) in FIGURES.items():
            if plugin is not None and plugin not in plugins:
                continue
            figures[name] = int((await session.execute(text(sql), {"street": street_id})).scalar_one())
    return figures


async def cluster_figures(kernel: Kernel, cluster: str, url: str) -> dict[str, dict[str, int]]:
    """``{street: figures}`` of every street of ``cluster``, read through its application URL."""
    streets = {slug: s for slug, s in kernel.config.all_streets.items() if s.database == cluster}
    db = Database(url, pool_size=2, max_overflow=0) if not url.startswith("sqlite") else Database(url)
    try:
        async with db.transaction() as session:
            rows = (await session.execute(text("select slug, id from streets"))).all()
        ids = {slug: street_id for slug, street_id in rows if slug in streets}
        return {slug: (await street_figures(db, ids[slug], streets[slug].plugins) if slug in ids else {}) for slug in streets}
    finally:
        await db.dispose()


async def fan_out(kernel: Kernel, urls: dict[str, str]) -> dict[str, Any]:
    """``{"clusters": {cluster: {street: figures}}, "total": {figure: sum}}`` over ``urls``
    (``{cluster: application URL}``)."""
    per_cluster = {cluster: await cluster_figures(kernel, cluster, url) for cluster, url in urls.items()}
    total: dict[str, int] = {name: 0 for name in FIGURES}
    for streets in per_cluster.values():
        for figures in streets.values():
            for name, value in figures.items():
                total[name] += value
    return {"clusters": per_cluster, "total": total}
