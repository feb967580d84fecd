"""The dashboard plugin (数字驾驶舱): its declaration and hook implementations.

It knows no other plugin by name: every figure comes through the kernel's metrics
contract (``core.metrics``), restricted to the plugins each street enables.
"""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import hookimpl
from core.plugins import PluginInfo
from plugins.dashboard.settings import DashboardSettings

PLUGIN = PluginInfo(
    name="dashboard",
    version="0.1.0",
    title="Digital cockpit (数字驾驶舱)",
    settings=DashboardSettings,
    requires=(),
    description="KPIs, time series and breakdowns of every published metric, hotspot early warning, a web cockpit, /metrics.",
)

PERMISSIONS = {
    "dashboard.cockpit.view": "See the digital cockpit: figures, series, breakdowns and hotspots",
    "dashboard.hotspot.acknowledge": "Acknowledge a hotspot warning",
}
GRANTS = {
    "community_worker": list(PERMISSIONS),
    "grid_worker": list(PERMISSIONS),
}


@hookimpl
def jiedao_models(register):
    """The hotspot acknowledgements table."""
    from plugins.dashboard.models import DASHBOARD_MODELS

    register.models(*DASHBOARD_MODELS)


@hookimpl
def jiedao_migrations(register):
    """The ``dashboard`` Alembic branch."""
    register.migrations(Path(__file__).resolve().parent / "migrations")


@hookimpl
def jiedao_permissions(register):
    """Viewing the cockpit; acknowledging hotspots (street admins hold both automatically)."""
    register.permissions(PERMISSIONS, grants=GRANTS)


@hookimpl
def jiedao_schema(register):
    """``cockpit { ... }`` and ``acknowledgeHotspot``."""
    from plugins.dashboard import graphql

    register.query(graphql.DashboardQuery)
    register.mutation(graphql.DashboardMutation)


@hookimpl
def jiedao_routes(register):
    """The web cockpit, plotly.js, CSV export, the Prometheus ``/metrics`` and its request middleware."""
    from plugins.dashboard.prom import RequestMetrics
    from plugins.dashboard.web import ROUTES

    register.routes(*ROUTES)
    register.middleware(RequestMetrics)


@hookimpl
def jiedao_metrics(register):
    """The dashboard's own figure: hotspot acknowledgements."""
    from plugins.dashboard.metrics import METRICS

    register.metrics(*METRICS)
