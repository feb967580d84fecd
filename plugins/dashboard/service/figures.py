"""Computing published metrics in SQL: KPIs with trends, time series and breakdowns.

Nothing here knows a plugin by name: the metrics come from ``kernel.contributions.metrics``
and only those of the plugins a street enables (and the core) are visible there. Every
statement runs through ``execute``, a street-scoped session's execute (the street filter
and PostgreSQL row-level security apply), and results are cached for a few seconds per
street and query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, case, cast, func, literal, null, select, union_all

from jiedao.api import DomainError, Metric, Signal
from jiedao.api.domain import MetricKind
from jiedao.plugins.dashboard.service import sql
from jiedao.plugins.dashboard.service.ranges import Interval, Period, Range, bucket_starts

Execute = Callable[[Any], Awaitable[Any]]
FIXED_WIDTH = {Interval.HOUR: 3600.0, Interval.DAY: 86400.0, Interval.WEEK: 7 * 86400.0}


@dataclass(frozen=True)
class Published:
    """A metric and the plugin that published it."""

    plugin: str
    metric: Metric


@dataclass(frozen=True)
class Kpi:
    """A figure over the chosen period, beside its value over the period before."""

    metric: Published
    value: float | None
    previous: float | None

    @property
    def trend(self) -> float | None:
        """Relative change against the previous period (0.25 = +25 %); None when undefined."""
        if self.value is None or self.previous is None or self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)


@dataclass(frozen=True)
class Point:
    """One bucket of a time series: its start and the figure within it."""

    at: datetime
    value: float


@dataclass(frozen=True)
class Slice:
    """One part of a breakdown (a category, a building) and its figure."""

    label: str
    value: float


def visible_metrics(kernel, street: str) -> list[Published]:
    """The metrics of the plugins ``street`` enables, and the core's, in publication order."""
    enabled = {"core", *kernel.enabled_plugins(street)}
    return [Published(plugin, metric) for plugin, metric in kernel.contributions.metrics if plugin in enabled]


def visible_signals(kernel, street: str) -> list[tuple[str, Signal]]:
    """The signals of the plugins ``street`` enables, and the core's."""
    enabled = {"core", *kernel.enabled_plugins(street)}
    return [(plugin, signal) for plugin, signal in kernel.contributions.signals if plugin in enabled]


def columns_of(metric: Metric) -> set[str]:
    """The column names the metric's source selects."""
    return set(metric.source().selected_columns.keys())


class Figures:
    """The cockpit's figures for one street, computed through ``execute``."""

    def __init__(self, kernel, street: str, execute: Execute):
        self.kernel = kernel
        self.street = street
        self.execute = execute
        self.dialect = kernel.db.engine.dialect.name
        self.settings = kernel.settings(street, "dashboard") if "dashboard" in kernel.enabled_plugins(street) else None
        self.ttl = self.settings.cache_seconds if self.settings else 0.0

    def metric(self, key: str) -> Published:
        """The visible metric ``key``; ``DomainError`` NOT_FOUND otherwise."""
        for published in visible_metrics(self.kernel, self.street):
            if published.metric.key == key:
                return published
        raise DomainError("No metric '{key}' in this street.", code="NOT_FOUND", field="key", key=key)

    async def cached(self, key: tuple, compute):
        """``await compute()``, reused for the street's ``cache_seconds`` under ``key``."""
        return await self.kernel.state("dashboard").figures.get((self.street, *key), self.ttl, compute)

    # -- KPIs ------------------------------------------------------------------------

    async def kpis(self, period: Period) -> list[Kpi]:
        """Every visible metric's value in the period and in the previous one (one statement)."""
        published = visible_metrics(self.kernel, self.street)
        key = ("kpis", period.cache_key(self.ttl))
        return await self.cached(key, lambda: self._kpis(published, period))

    async def _kpis(self, published: list[Published], period: Period) -> list[Kpi]:
        if not published:
            return []
        parts = [self._kpi_select(i, p.metric, period) for i, p in enumerate(published)]
        statement = parts[0] if len(parts) == 1 else union_all(*parts)
        rows = {row[0]: (row[1], row[2]) for row in (await self.execute(statement)).all()}
        kpis = []
        for i, p in enumerate(published):
            value, previous = rows.get(i, (None, None))
            if p.metric.kind is MetricKind.COUNTER:
                value, previous = value or 0.0, previous or 0.0
            elif p.metric.kind is MetricKind.GAUGE:
                value = value or 0.0  # nothing to sum is zero; an average of nothing stays unknown
            kpis.append(Kpi(p, _number(value), _number(previous)))
        return kpis

    def _kpi_select(self, index: int, metric: Metric, period: Period):
        source = metric.source().subquery()
        value = sql.amount(source)
        cur, prev = period.current, period.previous
        if metric.kind is MetricKind.GAUGE or "at" not in source.c:
            aggregate = func.sum if metric.kind is not MetricKind.DISTRIBUTION else func.avg
            return select(literal(index).label("i"), cast(aggregate(value), Float).label("cur"), cast(null(), Float).label("prev")).select_from(source)
        at = source.c.at
        in_cur, in_prev = sql.within(at, cur.start, cur.end), sql.within(at, prev.start, prev.end)
        aggregate = func.avg if metric.kind is MetricKind.DISTRIBUTION else func.sum
        return select(
            literal(index).label("i"),
            cast(aggregate(case((in_cur, value))), Float).label("cur"),
            cast(aggregate(case((in_prev, value))), Float).label("prev"),
        ).where(sql.within(at, min(cur.start, prev.start), max(cur.end, prev.end)))

    # -- series ----------------------------------------------------------------------

    async def series(self, key: str, period: Period, interval: Interval) -> list[Point]:
        """The metric per calendar bucket of the range (empty buckets are zero for counters).

        A gauge has no history: its series is one point, now.
        """
        published = self.metric(key)
        return await self.cached(("series", key, period.cache_key(self.ttl), interval), lambda: self._series(published.metric, period, interval))

    async def _series(self, metric: Metric, period: Period, interval: Interval) -> list[Point]:
        source = metric.source().subquery()
        value = sql.amount(source)
        rng = period.current
        if metric.kind is MetricKind.GAUGE or "at" not in source.c:
            total = await self._scalar(select(cast(func.sum(value), Float)).select_from(source))
            return [Point(rng.end, _number(total) or 0.0)]
        starts = bucket_starts(rng, interval, period.zone)
        at = source.c.at
        if interval in FIXED_WIDTH:
            bucket = sql.fixed_bucket(at, starts[0], FIXED_WIDTH[interval], self.dialect)
        else:
            bucket = sql.boundary_bucket(at, starts)
        aggregate = func.avg if metric.kind is MetricKind.DISTRIBUTION else func.sum
        statement = select(bucket.label("b"), cast(aggregate(value), Float).label("v")).where(sql.within(at, rng.start, rng.end)).group_by(bucket)
        found = {int(b): _number(v) for b, v in (await self.execute(statement)).all() if b is not None}
        return [Point(start, found.get(i) or 0.0) for i, start in enumerate(starts)]

    # -- breakdown -------------------------------------------------------------------

    async def breakdown(self, key: str, dimension: str, period: Period) -> list[Slice]:
        """The metric per value of ``dimension`` in the range, largest first."""
        published = self.metric(key)
        if dimension not in published.metric.dimensions:
            dims = ", ".join(published.metric.dimensions) or "none"
            raise DomainError("Metric '{key}' has no dimension '{dimension}' (it has: {dimensions}).", code="NOT_FOUND", field="dimension", key=key, dimension=dimension, dimensions=dims)
        return await self.cached(("breakdown", key, dimension, period.cache_key(self.ttl)), lambda: self._breakdown(published.metric, dimension, period.current))

    async def _breakdown(self, metric: Metric, dimension: str, rng: Range) -> list[Slice]:
        source = metric.source().subquery()
        value = sql.amount(source)
        label = source.c[dimension]
        aggregate = func.avg if metric.kind is MetricKind.DISTRIBUTION else func.sum
        total = cast(aggregate(value), Float)
        statement = select(label.label("label"), total.label("v")).group_by(label).order_by(total.desc(), label)
        if metric.kind is not MetricKind.GAUGE and "at" in source.c:
            statement = statement.where(sql.within(source.c.at, rng.start, rng.end))
        rows = (await self.execute(statement)).all()
        return [Slice("" if lab is None else str(lab.value if hasattr(lab, "value") else lab), _number(v) or 0.0) for lab, v in rows]

    async def _scalar(self, statement):
        return (await self.execute(statement)).scalar()


def _number(value) -> float | None:
    return None if value is None else float(value)
