"""GraphQL of the cockpit: ``cockpit { metrics kpis series breakdown hotspots exportCsv }``
and the ``acknowledgeHotspot`` mutation. Resolvers parse arguments and shape results; the
work is in ``figures`` and ``warning``."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import strawberry

from core.errors import DomainError
from core.identity.audit import record_for
from core.identity.service import now
from plugins.dashboard import export, ranges
from plugins.dashboard.figures import Figures, visible_metrics
from plugins.dashboard.warning import Finding, HotspotWatch, acknowledge
from schema.errors import ClientError, UserError, user_errors
from schema.ids import decode_id_of, encode_global_id
from schema.permissions import allow

VIEW = allow("dashboard.cockpit.view")
ACKNOWLEDGE = allow("dashboard.hotspot.acknowledge")


@strawberry.enum(name="CockpitRangePreset", description="A time range relative to now, in the street's calendar.")
class RangePreset(enum.Enum):
    TODAY = "TODAY"
    LAST_7_DAYS = "LAST_7_DAYS"
    LAST_30_DAYS = "LAST_30_DAYS"
    THIS_YEAR = "THIS_YEAR"
    CUSTOM = "CUSTOM"


@strawberry.enum(name="CockpitInterval", description="Bucket width of a time series.")
class Interval(enum.Enum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@strawberry.enum(name="CockpitMetricKind")
class MetricKindType(enum.Enum):
    COUNTER = "counter"
    GAUGE = "gauge"
    DISTRIBUTION = "distribution"


@strawberry.input(name="CockpitRange", description="TODAY, LAST_7_DAYS, LAST_30_DAYS, THIS_YEAR, or CUSTOM with start and end.")
class RangeInput:
    preset: RangePreset
    start: datetime | None = strawberry.field(default=None, description="CUSTOM only; a time without zone is read in the street's zone.")
    end: datetime | None = strawberry.field(default=None, description="CUSTOM only; exclusive.")


@strawberry.type(name="CockpitWindow", description="A half-open time range [start, end).")
class Window:
    start: datetime
    end: datetime


@strawberry.type(name="CockpitMetric", description="A figure some enabled plugin publishes.")
class MetricInfo:
    key: str
    title: str
    title_en: str
    unit: str
    kind: MetricKindType
    plugin: str
    dimensions: list[str]
    description: str


@strawberry.type(name="CockpitKpi", description="A metric over the range and the previous period of equal length.")
class Kpi:
    key: str
    title: str
    title_en: str
    unit: str
    kind: MetricKindType
    plugin: str
    value: float | None
    previous: float | None = strawberry.field(description="The same figure over the previous period (null for gauges).")
    trend: float | None = strawberry.field(description="Relative change: 0.25 = +25 %; null when the previous value is 0 or unknown.")


@strawberry.type(name="CockpitPoint")
class Point:
    at: datetime = strawberry.field(description="Start of the bucket.")
    value: float


@strawberry.type(name="CockpitSlice")
class Slice:
    label: str
    value: float


@strawberry.type(description="Why a signal counts as rising at a place: observed vs its own baseline.")
class HotspotSignal:
    key: str
    title: str
    title_en: str
    source: str = strawberry.field(description="The plugin publishing the signal.")
    observed: float = strawberry.field(description="Events in the window.")
    expected: float = strawberry.field(description="Baseline mean per day × window days.")
    baseline_mean: float = strawberry.field(description="Mean events per day over the baseline.")
    baseline_sd: float = strawberry.field(description="Standard deviation used (floored for sparse data).")
    threshold: float
    score: float = strawberry.field(description="Standard deviations above expectation.")


@strawberry.enum
class HotspotPlace(enum.Enum):
    BUILDING = "BUILDING"
    COMPOUND = "COMPOUND"


@strawberry.type(description="A building or compound where signals rise above their baseline.")
class Hotspot:
    place: HotspotPlace
    id: strawberry.ID = strawberry.field(description="Global ID of the Building or Compound.")
    name: str
    compound_name: str
    sources: int = strawberry.field(description="Independent sources (plugins) rising together.")
    score: float
    signals: list[HotspotSignal]
    window: Window
    baseline: Window = strawberry.field(description="The days the baseline was computed over (guard band excluded).")
    explanation: str
    explanation_en: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledged_note: str | None


def _period(ctx, rng: RangeInput | None) -> ranges.Period:
    rng = rng or RangeInput(preset=RangePreset.LAST_7_DAYS)
    settings = ctx.kernel.settings(ctx.street, "dashboard")
    try:
        return ranges.resolve(ranges.Preset(getattr(rng.preset, "value", rng.preset)), settings.timezone, rng.start, rng.end)
    except DomainError as error:
        raise ClientError(error.message, error.code) from None


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
        raise ClientError(error.message, error.code) from None


def _hotspot(finding: Finding) -> Hotspot:
    kind = "Building" if finding.kind == "BUILDING" else "Compound"
    return Hotspot(
        place=finding.kind,
        id=strawberry.ID(encode_global_id(kind, finding.place_id)),
        name=finding.name,
        compound_name=finding.compound_name,
        sources=finding.flagged.sources,
        score=round(finding.flagged.score, 3),
        signals=[
            HotspotSignal(
                key=e.signal,
                title=finding.signals[e.signal].title_zh,
                title_en=finding.signals[e.signal].title_en,
                source=e.source,
                observed=e.detection.observed,
                expected=round(e.detection.expected, 3),
                baseline_mean=round(e.detection.mean, 3),
                baseline_sd=round(e.detection.sd_used, 3),
                threshold=round(e.detection.threshold, 3),
                score=round(e.detection.score, 3),
            )
            for e in finding.flagged.evidence
        ],
        window=Window(start=finding.window.start, end=finding.window.end),
        baseline=Window(start=finding.baseline.start, end=finding.baseline.end),
        explanation=finding.explain("zh"),
        explanation_en=finding.explain("en"),
        acknowledged_at=finding.acknowledged_at,
        acknowledged_by=finding.acknowledged_by,
        acknowledged_note=finding.acknowledged_note,
    )


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
    async def kpis(self, info: strawberry.Info, range: RangeInput | None = None) -> list[Kpi]:
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
    async def series(self, info: strawberry.Info, key: str, range: RangeInput | None = None, interval: Interval | None = None) -> list[Point]:
        period = _period(info.context, range)
        points = await _client(_figures(info).series(key, period, _interval(interval) or ranges.default_interval(period)))
        return [Point(at=p.at, value=p.value) for p in points]

    @strawberry.field(description="One metric per value of one of its dimensions, largest first.")
    async def breakdown(self, info: strawberry.Info, key: str, dimension: str, range: RangeInput | None = None) -> list[Slice]:
        period = _period(info.context, range)
        slices = await _client(_figures(info).breakdown(key, dimension, period))
        return [Slice(label=s.label, value=s.value) for s in slices]

    @strawberry.field(
        description="Buildings and compounds whose signals rise above their own baseline, most sources first. "
        "A range longer than the street's max_window_days (7) is looked at over its last days; see Hotspot.window."
    )
    async def hotspots(self, info: strawberry.Info, range: RangeInput | None = None) -> list[Hotspot]:
        ctx = info.context
        period = _period(ctx, range)
        findings = await _client(HotspotWatch(ctx.kernel, ctx.street, ctx.execute).find(period))
        return [_hotspot(f) for f in findings]

    @strawberry.field(description="CSV of a series (give interval) or a breakdown (give dimension); filters in # lines.")
    async def export_csv(
        self, info: strawberry.Info, key: str, range: RangeInput | None = None, interval: Interval | None = None, dimension: str | None = None
    ) -> str:
        ctx = info.context
        return await _client(csv_of(Figures(ctx.kernel, ctx.street, ctx.execute), _period(ctx, range), key, _interval(interval), dimension))


async def csv_of(figures: Figures, period: ranges.Period, key: str, interval: ranges.Interval | None, dimension: str | None) -> str:
    """The CSV text of a breakdown (when ``dimension`` is given) or of a series."""
    published = figures.metric(key)
    if dimension:
        slices = await figures.breakdown(key, dimension, period)
        return export.breakdown_csv(figures.street, published, period, dimension, slices)
    interval = interval or ranges.default_interval(period)
    points = await figures.series(key, period, interval)
    return export.series_csv(figures.street, published, period, interval.value, points)


@strawberry.type
class DashboardQuery:
    @strawberry.field(description="The digital cockpit of this street.", permission_classes=VIEW)
    def cockpit(self) -> Cockpit:
        return Cockpit()


@strawberry.input
class AcknowledgeHotspotInput:
    building_id: strawberry.ID
    note: str = ""


@strawberry.type
class HotspotAcknowledgement:
    building_id: strawberry.ID
    at: datetime
    by: str
    note: str


@strawberry.type
class AcknowledgeHotspotPayload:
    acknowledgement: HotspotAcknowledgement | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DashboardMutation:
    @strawberry.mutation(description="Take note of a building's hotspot (recorded and audited).", permission_classes=ACKNOWLEDGE)
    async def acknowledge_hotspot(self, info: strawberry.Info, input: AcknowledgeHotspotInput) -> AcknowledgeHotspotPayload:
        ctx = info.context
        try:
            building_id = decode_id_of(input.building_id, "Building", "buildingId")

            async def work(session):
                ack = await acknowledge(session, building_id, ctx.user.username, input.note.strip(), now())
                await record_for(ctx, session, "dashboard.hotspot.acknowledge", str(input.building_id), {"note": ack.note})
                return ack

            ack = await ctx.write(work)
        except DomainError as error:
            return AcknowledgeHotspotPayload(errors=user_errors(error))
        at = ack.at if ack.at.tzinfo else ack.at.replace(tzinfo=UTC)
        return AcknowledgeHotspotPayload(
            acknowledgement=HotspotAcknowledgement(building_id=input.building_id, at=at, by=ack.actor, note=ack.note)
        )
