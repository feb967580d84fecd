"""The dashboard's runtime state: one per kernel, made at start-up (``PluginInfo(state=...)``)
and reached as ``kernel.state("dashboard")``."""

from __future__ import annotations

from dataclasses import dataclass, field

from jiedao.plugins.dashboard.service.cache import FigureCache
from jiedao.plugins.dashboard.service.prometheus import RequestStats


@dataclass
class DashboardState:
    figures: FigureCache = field(default_factory=FigureCache)
    """Computed figures and hotspots, reused for the street's ``cache_seconds``."""
    requests: RequestStats = field(default_factory=RequestStats)
    """The Prometheus request series that ``/metrics`` exposes."""


def make_state(_kernel) -> DashboardState:
    """``PluginInfo(state=...)``: a fresh cache and request series for each kernel."""
    return DashboardState()
