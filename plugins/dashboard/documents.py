"""The GraphQL documents the web cockpit sends, in one place: the page receives them with its
configuration and sends them verbatim, and the plugin registers them as trusted documents, so
the cockpit works for every account allowed to see it when a server runs only registered
documents (``JIEDAO_TRUSTED_DOCUMENTS=allow-listed``), not for administrators alone.
"""

from __future__ import annotations

_MAP = (
    "query CockpitMap($range: CockpitRange) { cockpit { map(range: $range) { tiles unlocated "
    "buildings { compoundName hotspotSources compoundHotspot building { id name location { longitude latitude }%s } } } } }"
)

COCKPIT_DOCUMENTS: dict[str, str] = {
    "login": "mutation GraphiqlLogin($input: LoginInput!) { login(input: $input) { errors { code field message } retryAfter token } }",
    "logout": "mutation GraphiqlLogout { logout { errors { message } revoked } }",
    "metrics": "query CockpitMetrics { cockpit { metrics { key title titleEn unit kind dimensions } } }",
    "buildingFields": 'query CockpitBuildingFields { __type(name: "Building") { fields { name } } }',
    "subscriptionFields": "query CockpitSubscriptionFields { __schema { subscriptionType { fields { name } } } }",
    "refresh": (
        "query CockpitRefresh($range: CockpitRange, $series: String!, $withSeries: Boolean!, $bkey: String!, $bdim: String!, $withBreakdown: Boolean!) {\n"
        "  cockpit {\n"
        "    kpis(range: $range) { key title titleEn unit value previous trend }\n"
        "    series(key: $series, range: $range) @include(if: $withSeries) { at value }\n"
        "    breakdown(key: $bkey, dimension: $bdim, range: $range) @include(if: $withBreakdown) { label value }\n"
        "    hotspots(range: $range) { place id placeId name compoundName sources explanation explanationEn acknowledgedBy cites { nodeId title } }\n"
        "    work(range: $range) { closed closedOnTime onTimeRate medianHoursToClose rated satisfied satisfactionRate overdue\n"
        "      overdueByCategory { label count } overdueByOrganisation { label count } }\n"
        "  }\n"
        "}"
    ),
    "mapWithAlarms": _MAP % " alarms { severity }",
    "map": _MAP % "",
    "alarmFeed": "subscription CockpitAlarmFeed { alarmChanged { change alarm { id message severity status raisedAt } } }",
    "acknowledgeHotspot": (
        "mutation CockpitAcknowledgeHotspot($input: AcknowledgeHotspotInput!) { acknowledgeHotspot(input: $input) { errors { message } } }"
    ),
}
"""The cockpit's documents by the name the page uses (``DOCUMENTS.refresh`` …)."""
