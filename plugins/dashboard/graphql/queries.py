"""``cockpit { metrics kpis series breakdown hotspots work exportCsv }``. Resolvers parse
arguments and shape results; the work is in ``figures``, ``warning`` and ``export``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from jiedao.api import allow, DomainError
from jiedao.api.graphql import ClientError, computed_node_type
from jiedao.plugins.dashboard.graphql.map import CockpitMap, cockpit_map
from jiedao.api.work import work_figures
from jiedao.plugins.dashboard.service import ranges
from jiedao.plugins.dashboard.service.export import csv_of
from jiedao.plugins.dashboard.service.figures import Figures, visible_metrics
from jiedao.plugins.dashboard.graphql.citations import readable_citations
from jiedao.plugins.dashboard.graphql.types import (
    Hotspot,
    Interval,
    Kpi,
    MetricInfo,
    Point,
    RangeInput,
    RangePreset,
    Slice,
    WorkFiguresType,
    hotspot_of,
    parse_hotspot_key,
    work_figures_of,
)
from jiedao.plugins.dashboard.service.warning import HotspotWatch

VIEW = allow("dashboard.cockpit.view")

RangeArg = Annotated[RangeInput | None, strawberry.argument(description="The time range (时间范围): a preset or a custom start and end; the last 7 days by default.")]
KeyArg = Annotated[str, strawberry.argument(description="The metric's key, as listed by `metrics`.")]
IntervalArg = Annotated[Interval | None, strawberry.argument(description="The length of one time bucket; by default chosen from the range's length.")]
DimensionArg = Annotated[str, strawberry.argument(description="One of the metric's dimensions (`MetricInfo.dimensions`) to break it down by.")]


def _period(ctx, rng: RangeInput | None) -> ranges.Period:
    rng = rng or RangeInput(preset=RangePreset.LAST_7_DAYS)
    settings = ctx.kernel.settings(ctx.street, "dashboard")
    try:
        return ranges.resolve(ranges.Preset(getattr(rng.preset, "value", rng.preset)), settings.timezone, rng.start, rng.end)
    except DomainError as error:
        raise ClientError.of(error) from None


# Enum values are passed as their raw values and read with getattr(..., "value", ...): the
# kernel's derived per-street schemas use plain graphql-core enums, which neither serialise
# Python enum members nor turn input values back into them.


def _interval(interval: Interval | None) -> ranges.Interval | None:
    return None if interval is None else ranges.Interval(getattr(interval, "value", interval))


def _figures(info: strawberry.Info) -> Figures:
    ctx = info.context
    return Figures(ctx.kernel, ctx.street, ctx.execute)


async def _client(awaitable):
    try:
        return await awaitable
    except DomainError as error:
        raise ClientError.of(error) from None


@strawberry.type(description="The digital cockpit (数字驾驶舱): figures every enabled plugin publishes.")
class Cockpit:
    @strawberry.field(description="The metrics available in this street.")
    def metrics(self, info: strawberry.Info) -> list[MetricInfo]:
        ctx = info.context
        return [
            MetricInfo(
                key=p.metric.key, title=p.metric.title_zh, title_en=p.metric.title_en, unit=p.metric.unit,
                kind=p.metric.kind.value, plugin=p.plugin, dimensions=list(p.metric.dimensions),
                description=p.metric.description,
            )
            for p in visible_metrics(ctx.kernel, ctx.street)
        ]

    @strawberry.field(description="Every metric over the range, with the previous period and the trend.")
    async def kpis(self, info: strawberry.Info, range: RangeArg = None) -> list[Kpi]:
        period = _period(info.context, range)
        kpis = await _client(_figures(info).kpis(period))
        return [
            Kpi(
                key=k.metric.metric.key, title=k.metric.metric.title_zh, title_en=k.metric.metric.title_en,
                unit=k.metric.metric.unit, kind=k.metric.metric.kind.value, plugin=k.metric.plugin,
                value=k.value, previous=k.previous, trend=None if k.trend is None else round(k.trend, 4),
            )
            for k in kpis
        ]

    @strawberry.field(description="One metric per time bucket of the range (default interval from the range's length).")
    async def series(self, info: strawberry.Info, key: KeyArg, range: RangeArg = None, interval: IntervalArg = None) -> list[Point]:
        period = _period(info.context, range)
        points = await _client(_figures(info).series(key, period, _interval(interval) or ranges.default_interval(period)))
        return [Point(at=p.at, value=p.value) for p in points]

    @strawberry.field(description="One metric per value of one of its dimensions, largest first.")
    async def breakdown(self, info: strawberry.Info, key: KeyArg, dimension: DimensionArg, range: RangeArg = None) -> list[Slice]:
        period = _period(info.context, range)
        slices = await _client(_figures(info).breakdown(key, dimension, period))
        return [Slice(label=s.label, value=s.value) for s in slices]

    @strawberry.field(
        description="Buildings and compounds whose signals rise above their own baseline, most sources first. "
        "A range longer than the street's max_window_days (7) is looked at over its last days; see Hotspot.window."
    )
    async def hotspots(self, info: strawberry.Info, range: RangeArg = None) -> list[Hotspot]:
        ctx = info.context
        period = _period(ctx, range)
        findings = await _client(HotspotWatch(ctx.kernel, ctx.street, ctx.execute).find(period))
        return [hotspot_of(f) for f in await readable_citations(ctx, findings)]

    @strawberry.field(
        description="The work-item loop: on-time closure rate, median time to close and satisfaction rate of the items "
        "closed in the range; items overdue now by category and by organisation."
    )
    async def work(self, info: strawberry.Info, range: RangeArg = None) -> WorkFiguresType:
        ctx = info.context
        period = _period(ctx, range)
        figures = _figures(info)
        current = period.current
        found = await figures.cached(("work", period.cache_key(figures.ttl)), lambda: work_figures(ctx.execute, figures.dialect, current.start, current.end))
        return work_figures_of(found)

    @strawberry.field(
        description="The street's located buildings for a map (GCJ-02 with WGS-84, see Building.location), each with its hotspot "
        "verdict over the range; open alarms come from Building.alarms where a plugin adds them. Tiles: the street's intranet tile server, if set."
    )
    async def map(self, info: strawberry.Info, range: RangeArg = None) -> CockpitMap:
        ctx = info.context
        period = _period(ctx, range)
        findings = await _client(HotspotWatch(ctx.kernel, ctx.street, ctx.execute).find(period))
        return await cockpit_map(ctx, findings)

    @strawberry.field(description="CSV of a series (give interval) or a breakdown (give dimension); filters in # lines.")
    async def export_csv(
        self, info: strawberry.Info, key: KeyArg, range: RangeArg = None, interval: IntervalArg = None, dimension: Annotated[str | None, strawberry.argument(description="Export a breakdown by this dimension instead of a series.")] = None
    ) -> str:
        ctx = info.context
        return await _client(csv_of(Figures(ctx.kernel, ctx.street, ctx.execute), _period(ctx, range), key, _interval(interval), dimension))


@strawberry.type
class DashboardQuery:
    @strawberry.field(description="The digital cockpit of this street.", permission_classes=VIEW)
    def cockpit(self) -> Cockpit:
        return Cockpit()


async def load_hotspot(ctx, key: tuple[str, int, datetime, datetime]) -> Hotspot | None:
    """The hotspot of a place over a window, recomputed (``node(id:)``); ``None`` when the
    place does not rise over that window (any more)."""
    kind, place_id, start, end = key
    watch = HotspotWatch(ctx.kernel, ctx.street, ctx.execute)
    if end - start > timedelta(days=watch.settings.max_window_days):
        return None  # a window the cockpit never issues: no recomputation for a forged ID
    try:
        period = ranges.resolve(ranges.Preset.CUSTOM, "UTC", start, end)
    except (OverflowError, ValueError):
        return None
    findings = await _client(watch.find(period))
    found = [f for f in findings if f.kind == kind and f.place_id == place_id and f.window.start == start and f.window.end == end]
    return next((hotspot_of(f) for f in await readable_citations(ctx, found)), None)


computed_node_type("Hotspot", read="dashboard.cockpit.view", parse_key=parse_hotspot_key, load=load_hotspot)
