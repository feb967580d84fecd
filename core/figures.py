"""Cockpit figures: the metrics and spatial signals that plugins publish for dashboards.

A plugin describes *what* to count as an SQLAlchemy select; a dashboard decides *how*
(ranges, buckets, breakdowns, caching) and runs it in a session scoped to one street, so
the street filter and row-level security apply to every metric.

``Metric.source()`` returns a select whose columns are named:

- ``at`` (datetime): when the event happened - required for ``COUNTER`` metrics, which
  count (or sum ``value`` over) the rows whose ``at`` falls in the range;
- ``value`` (number, optional): the amount a row contributes (1 when absent);
- one column per name in ``dimensions`` (e.g. ``severity``), for breakdowns.

A ``GAUGE`` metric is a current state (devices online, open cases): it sums ``value``
over all rows the select returns, whatever the range; ``at`` is not needed.

``Signal.source()`` returns a select of events with columns ``at`` and ``building_id``:
the raw material of hotspot early warning. A signal whose rows are things a reader can open
names their node type in ``Signal.cites`` (e.g. ``"WorkItem"``) and selects ``cited_id`` (the
primary key) and ``cited_title``: a hotspot then lists what it cites.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Select


class MetricKind(str, Enum):
    COUNTER = "counter"
    GAUGE = "gauge"
    DISTRIBUTION = "distribution"


@dataclass(frozen=True)
class Metric:
    """One figure a plugin publishes, e.g. ``sensors.alarms.raised``."""

    key: str
    title_zh: str
    title_en: str
    kind: MetricKind
    source: Callable[[], Select]
    unit: str = ""
    dimensions: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Signal:
    """Events tied to a building, e.g. alarms or disputes, for hotspot detection."""

    key: str
    title_zh: str
    title_en: str
    source: Callable[[], Select]
    cites: str = ""
    """The node type of the rows' ``cited_id`` (their global IDs), or "" when rows cite nothing."""
