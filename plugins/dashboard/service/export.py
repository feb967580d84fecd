"""CSV of a series or a breakdown, with the filters that produced it as ``#`` comment lines."""

from __future__ import annotations

import io
from collections.abc import Iterable

from jiedao.api import now
from jiedao.api.web import csv_writer
from jiedao.plugins.dashboard.service import ranges
from jiedao.plugins.dashboard.service.figures import Figures, Point, Published, Slice
from jiedao.plugins.dashboard.service.ranges import Period


def _header(street: str, published: Published, period: Period, filters: dict[str, str]) -> list[str]:
    metric = published.metric
    lines = [
        f"# street: {street}",
        f"# metric: {metric.key} ({metric.title_zh} / {metric.title_en}) from plugin {published.plugin}",
        f"# kind: {metric.kind.value}" + (f", unit: {metric.unit}" if metric.unit else ""),
        f"# range: {period.current.start.isoformat()} .. {period.current.end.isoformat()} (UTC, end exclusive; calendar {period.zone.key})",
    ]
    lines += [f"# {name}: {value}" for name, value in filters.items()]
    lines.append(f"# generated_at: {now().isoformat(timespec='seconds')}")
    return lines


def _table(header: list[str], columns: tuple[str, str], rows: Iterable[tuple]) -> str:
    buffer = io.StringIO()
    buffer.write("\n".join(header) + "\n")
    writer = csv_writer(buffer, lineterminator="\n")  # no cell can start a formula
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def series_csv(street: str, published: Published, period: Period, interval: str, points: list[Point]) -> str:
    """``at,value`` per bucket (bucket starts in UTC, ISO 8601)."""
    header = _header(street, published, period, {"interval": interval})
    return _table(header, ("at", "value"), ((p.at.isoformat(), _plain(p.value)) for p in points))


def breakdown_csv(street: str, published: Published, period: Period, dimension: str, slices: list[Slice]) -> str:
    """``label,value`` per value of the dimension."""
    header = _header(street, published, period, {"dimension": dimension})
    return _table(header, (dimension, "value"), ((s.label, _plain(s.value)) for s in slices))


def _plain(value: float) -> int | float:
    """A whole number without ``.0``; numbers stay numbers (a negative one is not neutralised)."""
    return int(value) if float(value).is_integer() else float(value)


async def csv_of(figures: Figures, period: Period, key: str, interval: ranges.Interval | None, dimension: str | None) -> str:
    """The CSV text of a breakdown (when ``dimension`` is given) or of a series."""
    published = figures.metric(key)
    if dimension:
        slices = await figures.breakdown(key, dimension, period)
        return breakdown_csv(figures.street, published, period, dimension, slices)
    interval = interval or ranges.default_interval(period)
    points = await figures.series(key, period, interval)
    return series_csv(figures.street, published, period, interval.value, points)
