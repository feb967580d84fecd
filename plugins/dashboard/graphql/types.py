"""The cockpit's GraphQL types: ranges, metrics, KPIs, series, breakdowns and hotspots."""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime

import strawberry

from jiedao.api import Node
from jiedao.api.graphql import encode_global_id
from jiedao.plugins.dashboard.service.warning import Finding


@strawberry.enum(name="CockpitRangePreset", description="A time range relative to now, in the street's calendar.")
class RangePreset(enum.Enum):
    TODAY = strawberry.enum_value("TODAY", description="今天: from midnight in the street's time zone until now.")
    LAST_7_DAYS = strawberry.enum_value("LAST_7_DAYS", description="近7天: today and the 6 days before it.")
    LAST_30_DAYS = strawberry.enum_value("LAST_30_DAYS", description="近30天: today and the 29 days before it.")
    THIS_YEAR = strawberry.enum_value("THIS_YEAR", description="今年: from 1 January (street's time zone) until now; compared with the same part of last year.")
    CUSTOM = strawberry.enum_value("CUSTOM", description="自定义: from `start` to `end` (both required; without a zone read in the street's time zone).")


@strawberry.enum(name="CockpitInterval", description="Bucket width of a time series.")
class Interval(enum.Enum):
    HOUR = strawberry.enum_value("HOUR", description="One bucket per hour.")
    DAY = strawberry.enum_value("DAY", description="One bucket per day (street's time zone).")
    WEEK = strawberry.enum_value("WEEK", description="One bucket per week, from Monday.")
    MONTH = strawberry.enum_value("MONTH", description="One bucket per calendar month.")


@strawberry.enum(name="CockpitMetricKind", description="How a metric's rows make its figure.")
class MetricKindType(enum.Enum):
    COUNTER = strawberry.enum_value("counter", description="A count (or sum) of the events in the range, e.g. alarms raised.")
    GAUGE = strawberry.enum_value("gauge", description="A current state, whatever the range, e.g. devices online or open cases.")
    DISTRIBUTION = strawberry.enum_value("distribution", description="An average of the values in the range, e.g. a time to close.")


@strawberry.input(name="CockpitRange", description="TODAY, LAST_7_DAYS, LAST_30_DAYS, THIS_YEAR, or CUSTOM with start and end.")
class RangeInput:
    preset: RangePreset = strawberry.field(description="A preset range, or CUSTOM with start and end.")
    start: datetime | None = strawberry.field(default=None, description="CUSTOM only; a time without zone is read in the street's zone.")
    end: datetime | None = strawberry.field(default=None, description="CUSTOM only; exclusive.")


@strawberry.type(name="CockpitWindow", description="A half-open time range [start, end).")
class Window:
    start: datetime = strawberry.field(description="The first instant (ISO 8601 UTC).")
    end: datetime = strawberry.field(description="The instant after the last (ISO 8601 UTC).")


@strawberry.type(name="CockpitMetric", description="A figure some enabled plugin publishes.")
class MetricInfo:
    key: str = strawberry.field(description="The metric's key, e.g. `sensors.alarms.raised`.")
    title: str = strawberry.field(description="Its title in Chinese.")
    title_en: str = strawberry.field(description="Its title in English.")
    unit: str = strawberry.field(description="The unit of its values (e.g. 件, h); empty for a plain count.")
    kind: MetricKindType = strawberry.field(description="How its rows make its figure.")
    plugin: str = strawberry.field(description="The plugin publishing it.")
    dimensions: list[str] = strawberry.field(description="The dimensions it can be broken down by (`breakdown`).")
    description: str = strawberry.field(description="What the metric counts, in words.")


@strawberry.type(name="CockpitKpi", description="A metric over the range and the previous period of equal length.")
class Kpi:
    key: str = strawberry.field(description="The metric's key, e.g. `sensors.alarms.raised`.")
    title: str = strawberry.field(description="Its title in Chinese.")
    title_en: str = strawberry.field(description="Its title in English.")
    unit: str = strawberry.field(description="The unit of its values (e.g. 件, h); empty for a plain count.")
    kind: MetricKindType = strawberry.field(description="How its rows make its figure.")
    plugin: str = strawberry.field(description="The plugin publishing it.")
    value: float | None = strawberry.field(description="The figure over the range (null when unknown).")
    previous: float | None = strawberry.field(description="The same figure over the previous period (null for gauges).")
    trend: float | None = strawberry.field(description="Relative change: 0.25 = +25 %; null when the previous value is 0 or unknown.")


@strawberry.type(name="CockpitPoint", description="One time bucket of a series.")
class Point:
    at: datetime = strawberry.field(description="Start of the bucket.")
    value: float = strawberry.field(description="The figure in the bucket.")


@strawberry.type(name="CockpitSlice", description="One value of a dimension in a breakdown.")
class Slice:
    label: str = strawberry.field(description="The dimension's value, e.g. a severity.")
    value: float = strawberry.field(description="The figure for it.")


@strawberry.type(description="Why a signal counts as rising at a place: observed vs its own baseline.")
class HotspotSignal:
    key: str = strawberry.field(description="The signal's key.")
    title: str = strawberry.field(description="Its title in Chinese.")
    title_en: str = strawberry.field(description="Its title in English.")
    source: str = strawberry.field(description="The plugin publishing the signal.")
    observed: float = strawberry.field(description="Events in the window.")
    expected: float = strawberry.field(description="Baseline mean per day × window days.")
    baseline_mean: float = strawberry.field(description="Mean events per day over the baseline.")
    baseline_sd: float = strawberry.field(description="Standard deviation used (floored for sparse data).")
    threshold: float = strawberry.field(description="The number of events in the window above which it counts as rising (expected plus k spreads).")
    score: float = strawberry.field(description="Standard deviations above expectation.")


@strawberry.type(description="Something a rising signal's events are about (e.g. an overdue work item), in the window.")
class HotspotCitation:
    node_id: strawberry.ID = strawberry.field(description="The global ID of what is cited (e.g. a WorkItem's): fetch it with `node(id:)`.")
    title: str = strawberry.field(description="Its title, to show.")
    signal: str = strawberry.field(description="The key of the signal that cites it.")


@strawberry.enum(description="What kind of place a hotspot is.")
class HotspotPlace(enum.Enum):
    BUILDING = strawberry.enum_value("BUILDING", description="楼栋 (a building).")
    COMPOUND = strawberry.enum_value("COMPOUND", description="小区 (a compound).")


@strawberry.type(description="A building or compound where signals rise above their baseline over a window; "
                 "`node(id:)` recomputes it over the same window (null once it no longer rises).")
class Hotspot(Node):
    key: strawberry.Private[str]
    place: HotspotPlace = strawberry.field(description="A building or a compound.")

    @strawberry.field(description="The hotspot's own global ID (its place and window).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Hotspot", self.key))

    place_id: strawberry.ID = strawberry.field(description="Global ID of the Building or Compound (the place).")
    name: str = strawberry.field(description="The place's name.")
    compound_name: str = strawberry.field(description="The name of the compound it is in (the compound's own for a compound).")
    sources: int = strawberry.field(description="Independent sources (plugins) rising together.")
    score: float = strawberry.field(description="The sum of the rising signals' scores (standard deviations above expectation).")
    signals: list[HotspotSignal] = strawberry.field(description="The rising signals.")
    window: Window = strawberry.field(description="The window looked at.")
    baseline: Window = strawberry.field(description="The days the baseline was computed over (guard band excluded).")
    explanation: str = strawberry.field(description="The reasons in Chinese: one sentence per rising signal.")
    explanation_en: str = strawberry.field(description="The reasons in English: one sentence per rising signal.")
    acknowledged_at: datetime | None = strawberry.field(description="When someone last took note of it (acknowledgeHotspot); null if nobody has.")
    acknowledged_by: str | None = strawberry.field(description="Who took note (username).")
    acknowledged_note: str | None = strawberry.field(description="Their note.")
    cites: list[HotspotCitation] = strawberry.field(description="What its rising signals cite in the window and you may read, e.g. the overdue work items.")


_HOTSPOT_KEY = re.compile(r"(BUILDING|COMPOUND)\.([1-9][0-9]{0,9})\.([0-9]{1,12})\.([0-9]{1,12})")


def hotspot_key(kind: str, place_id: int, start: datetime, end: datetime) -> str:
    """The key inside a hotspot's global ID: its place and its window (Unix seconds)."""
    return f"{kind}.{place_id}.{int(start.timestamp())}.{int(end.timestamp())}"


def parse_hotspot_key(text: str) -> tuple[str, int, datetime, datetime]:
    """``(kind, place_id, start, end)`` of a hotspot key; ``ValueError`` for anything else."""
    match = _HOTSPOT_KEY.fullmatch(text)
    if match is None or int(match[2]) > 2**31 - 1 or int(match[4]) <= int(match[3]):
        raise ValueError(text)
    return match[1], int(match[2]), datetime.fromtimestamp(int(match[3]), UTC), datetime.fromtimestamp(int(match[4]), UTC)


def hotspot_of(finding: Finding) -> Hotspot:
    kind = "Building" if finding.kind == "BUILDING" else "Compound"
    return Hotspot(
        key=hotspot_key(finding.kind, finding.place_id, finding.window.start, finding.window.end),
        place=finding.kind,
        place_id=strawberry.ID(encode_global_id(kind, finding.place_id)),
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
        cites=[
            HotspotCitation(node_id=strawberry.ID(encode_global_id(c.node_type, c.pk)), title=c.title, signal=c.signal)
            for c in finding.cited
        ],
    )


@strawberry.type(description="A note that someone has seen to a building's hotspot.")
class HotspotAcknowledgement:
    building_id: strawberry.ID = strawberry.field(description="The Building (global ID).")
    at: datetime = strawberry.field(description="When (ISO 8601 UTC).")
    by: str = strawberry.field(description="Who (username).")
    note: str = strawberry.field(description="Their note.")


@strawberry.type(name="CockpitOverdueCount", description="Overdue work items of one category or assignee organisation.")
class OverdueCount:
    label: str = strawberry.field(description="The category, or the organisation's name (（未指派单位） for none).")
    organisation_id: strawberry.ID | None = strawberry.field(description="The Organisation's global ID (by organisation only).")
    count: int = strawberry.field(description="How many items are overdue.")


@strawberry.type(name="CockpitWorkFigures", description="The work-item loop (事项闭环): closures and ratings over the range, overdue items now.")
class WorkFiguresType:
    closed: int = strawberry.field(description="Items closed in the range.")
    closed_on_time: int = strawberry.field(description="Of those, closed no later than their due time.")
    on_time_rate: float | None = strawberry.field(description="closedOnTime / closed (null when none closed).")
    median_hours_to_close: float | None = strawberry.field(description="Median hours from opening to closing of the items closed in the range.")
    rated: int = strawberry.field(description="Items closed in the range that their resident rated.")
    satisfied: int = strawberry.field(description="Of those, rated 满意 or 基本满意.")
    satisfaction_rate: float | None = strawberry.field(description="satisfied / rated (null when none rated).")
    overdue: int = strawberry.field(description="Open items past due and waiting on their handler, now.")
    overdue_by_category: list[OverdueCount] = strawberry.field(description="Overdue items now, by category.")
    overdue_by_organisation: list[OverdueCount] = strawberry.field(description="Overdue items now, by assignee organisation.")


def work_figures_of(figures) -> WorkFiguresType:
    """The GraphQL shape of ``jiedao.api.WorkFigures`` (rates rounded to 4 places)."""
    median = figures.median_seconds_to_close
    return WorkFiguresType(
        closed=figures.closed,
        closed_on_time=figures.closed_on_time,
        on_time_rate=None if figures.on_time_rate is None else round(figures.on_time_rate, 4),
        median_hours_to_close=None if median is None else round(median / 3600, 2),
        rated=figures.rated,
        satisfied=figures.satisfied,
        satisfaction_rate=None if figures.satisfaction_rate is None else round(figures.satisfaction_rate, 4),
        overdue=figures.overdue,
        overdue_by_category=[OverdueCount(label=c.label, organisation_id=None, count=c.count) for c in figures.overdue_by_category],
        overdue_by_organisation=[
            OverdueCount(
                label=c.label, count=c.count,
                organisation_id=None if c.organisation_id is None else strawberry.ID(encode_global_id("Organisation", c.organisation_id)),
            )
            for c in figures.overdue_by_organisation
        ],
    )
