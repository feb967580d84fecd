"""A platform administrator's cross-street figures, fanned out over every cluster (cell).

No Jiedao process holds more than one pool on its own cluster; to read the others, the
``platformFigures`` query and the one-shot ``jiedao clusters figures`` open each other cell's
*application* URL (the RLS-bound role, never the owner) through a small pool kept per kernel
(``core.cell_engines``); the cell the process serves through a small pool of its own too on
PostgreSQL (not the kernel's pool, from which the request may already hold a connection). Every street is read in its own street transaction (``app.street_id`` set, so
row-level security limits each read to the street), cells concurrently and each within
``CELL_TIMEOUT_SECONDS``: a cell whose URL variable is unset here, or that does not answer, is
reported with its problem and the others still answer. The figures are the current-state
metrics (``MetricKind.GAUGE``) the core and the street's plugins publish for the cockpit
(``register.metrics``), e.g. ``sensors.alarms.open``, ``core.work.overdue``: the core names no
plugin's table. A street absent from its cluster's ``streets`` table (never started there)
counts nothing and is reported as such.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from jiedao.core.cell_engines import CELL_TIMEOUT_SECONDS, cell_database
from jiedao.core.clusters import url_variable
from jiedao.core.db import Database
from jiedao.core.figures import Metric, MetricKind
from jiedao.core.kernel import Kernel
from jiedao.core.messages import Translatable

log = logging.getLogger("jiedao.fanout")


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


@dataclass(frozen=True)
class StreetFigures:
    """One street of a cell and its figures (``{metric key: value}``)."""

    slug: str
    name: str
    started: bool
    """Whether the cell's ``streets`` table holds it (a street never started there counts nothing)."""
    figures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CellFigures:
    """One cell: its streets' figures, or the problem that kept it from answering."""

    name: str
    streets: list[StreetFigures] = field(default_factory=list)
    problem: Translatable | None = None

    @property
    def answered(self) -> bool:
        """Whether the cell was read (its streets' figures are then complete)."""
        return self.problem is None


async def _read_streets(kernel: Kernel, db: Database, cluster: str) -> list[StreetFigures]:
    """Every street of ``cluster`` (plugins.toml order) read through ``db``, one street transaction each."""
    streets = {slug: s for slug, s in kernel.config.all_streets.items() if s.database == cluster}
    async with db.transaction() as session:
        ids = {slug: street_id for slug, street_id in (await session.execute(text("select slug, id from streets"))).all() if slug in streets}
    return [
        StreetFigures(slug, street.name, slug in ids, await street_figures(db, ids[slug], gauges(kernel, street.plugins)) if slug in ids else {})
        for slug, street in streets.items()
    ]


def _error_text(error: BaseException) -> str:
    """A short account of a failed read: the exception's type and the first line of its
    message (a driver's own error rather than SQLAlchemy's wrapper with its statement)."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    first = (str(cause).strip().splitlines() or [""])[0][:200]
    return f"{type(cause).__name__}: {first}" if first else type(cause).__name__


async def read_cell(kernel: Kernel, cluster: str, timeout: float = CELL_TIMEOUT_SECONDS) -> CellFigures:
    """``cluster``'s figures, or the problem that kept it from answering (never raises but on cancellation)."""
    db = cell_database(kernel, cluster)
    if db is None:
        return CellFigures(cluster, problem=Translatable("{variable} is not set in this process: set it to the cell's application URL.",
                                                         variable=url_variable(cluster)))
    try:
        return CellFigures(cluster, await asyncio.wait_for(_read_streets(kernel, db, cluster), timeout))
    except TimeoutError:
        log.warning("cell '%s' did not answer within %s seconds", cluster, timeout)
        return CellFigures(cluster, problem=Translatable("The cell did not answer within {seconds} seconds.", seconds=f"{timeout:g}"))
    except Exception as error:  # noqa: BLE001 - reported per cell, the others still answer
        log.warning("cell '%s' could not be read: %s", cluster, error)
        return CellFigures(cluster, problem=Translatable("The cell's database could not be read: {error}", error=_error_text(error)))


async def read_cells(kernel: Kernel, clusters: list[str] | None = None, timeout: float = CELL_TIMEOUT_SECONDS) -> list[CellFigures]:
    """Every cell of plugins.toml (or ``clusters``), read concurrently, the default cell first."""
    names = list(kernel.config.clusters()) if clusters is None else clusters
    return list(await asyncio.gather(*(read_cell(kernel, cluster, timeout) for cluster in names)))


def totals(cells: list[CellFigures]) -> dict[str, float]:
    """Each figure summed over the streets of the cells that answered."""
    total: dict[str, float] = {}
    for cell in cells:
        for street in cell.streets:
            for key, value in street.figures.items():
                total[key] = total.get(key, 0) + value
    return total


def as_json(cells: list[CellFigures]) -> dict[str, Any]:
    """``{"clusters": {cluster: {street: figures}}, "total": {figure: sum}}`` over the cells that
    answered, and ``"unreachable": {cluster: problem}`` (English) when some did not."""
    result: dict[str, Any] = {
        "clusters": {cell.name: {s.slug: s.figures for s in cell.streets} for cell in cells if cell.answered},
        "total": totals(cells),
    }
    unreachable = {cell.name: str(cell.problem) for cell in cells if not cell.answered}
    if unreachable:
        result["unreachable"] = unreachable
    return result
