"""The dashboard plugin (数字驾驶舱): its declaration and hook implementations.

It knows no other plugin by name: every figure comes through the kernel's cockpit-figures
contract (``Metric`` and ``Signal``), restricted to the plugins each street enables.
"""

from __future__ import annotations

from jiedao.api import hookimpl, PluginInfo
from jiedao.plugins.dashboard.metrics import METRICS
from jiedao.plugins.dashboard.models import HotspotAck
from jiedao.plugins.dashboard.settings import DashboardSettings
from jiedao.plugins.dashboard.state import make_state

PERMISSIONS = {
    "dashboard.cockpit.view": "See the digital cockpit: figures, series, breakdowns and hotspots",
    "dashboard.hotspot.acknowledge": "Acknowledge a hotspot warning",
}

PLUGIN = PluginInfo(
    name="dashboard",
    version="0.1.0",
    title="Digital cockpit (数字驾驶舱)",
    settings=DashboardSettings,
    description="KPIs, time series and breakdowns of every published metric, hotspot early warning, a web cockpit, /metrics.",
    permissions=PERMISSIONS,
    grants={"community_worker": list(PERMISSIONS), "grid_worker": list(PERMISSIONS)},
    models=(HotspotAck,),
    metrics=METRICS,
    error_codes={
        "INVALID_RANGE": "A custom time range needs a start before its end.",
        "TOO_LONG": "The note is too long.",
        "TOO_MANY_BUCKETS": "The range holds too many buckets for the interval; choose a wider one.",
    },
    state=make_state,
)


@hookimpl
def jiedao_schema(register):
    """``cockpit { ... }`` and ``acknowledgeHotspot``."""
    from jiedao.plugins.dashboard.graphql.mutations import DashboardMutation
    from jiedao.plugins.dashboard.graphql.queries import DashboardQuery

    register.query(DashboardQuery)
    register.mutation(DashboardMutation)


@hookimpl
def jiedao_routes(register):
    """The web cockpit (and its GraphQL documents, trusted), plotly.js, CSV export, the
    Prometheus ``/metrics`` and its request middleware."""
    from jiedao.plugins.dashboard.documents import COCKPIT_DOCUMENTS
    from jiedao.plugins.dashboard.service.prometheus import PrometheusRequests
    from jiedao.plugins.dashboard.web import ROUTES

    register.routes(*ROUTES)
    register.trusted_documents(COCKPIT_DOCUMENTS)
    register.middleware(PrometheusRequests)
