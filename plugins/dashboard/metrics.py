"""What the dashboard itself publishes through the metrics contract (it eats its own food)."""

from __future__ import annotations

from sqlalchemy import select

from jiedao.api import Metric
from jiedao.api.domain import MetricKind
from jiedao.plugins.dashboard.models import HotspotAck


def _acks():
    return select(HotspotAck.at.label("at"))


METRICS = (
    Metric(
        key="dashboard.hotspots.acknowledged",
        title_zh="热点处置确认",
        title_en="Hotspots acknowledged",
        kind=MetricKind.COUNTER,
        source=_acks,
        unit="次",
        description="Acknowledgements of hotspot warnings in the cockpit.",
    ),
)
