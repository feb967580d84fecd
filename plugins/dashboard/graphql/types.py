"""The cockpit's GraphQL types: ranges, metrics, KPIs, series, breakdowns and hotspots."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from jiedao.api import encode_global_id
from jiedao.plugins.dashboard.service.warning import Finding


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


def hotspot_of(finding: Finding) -> Hotspot:
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


@strawberry.type
class HotspotAcknowledgement:
    building_id: strawberry.ID
    at: datetime
    by: str
    note: str
