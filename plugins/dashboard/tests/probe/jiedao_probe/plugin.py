"""A third-party plugin the dashboard does not know: it publishes figures about residents.

It owns no table; its metrics read the core registry, which is enough to prove that
whatever a plugin publishes through ``jiedao_metrics`` appears in the cockpit.
"""

from __future__ import annotations

from sqlalchemy import case, select

from jiedao.api import hookimpl, Metric, PluginInfo, registry, Signal
from jiedao.api.domain import MetricKind

PLUGIN = PluginInfo(name="probe", version="0.0.1", title="Probe (dashboard test plugin)")


def registrations():
    """One row per resident registered: when, and whether elderly."""
    return select(
        registry.Resident.created_at.label("at"),
        case((registry.Resident.elderly.is_(True), "elderly"), else_="other").label("age_group"),
    )


def floor_area():
    """The exclusive floor area of every unit, in m² (a gauge)."""
    return select((registry.Unit.area_dm2 / 100.0).label("value"))


def registrations_by_building():
    """Registrations of owners, tied to the building of the unit they own."""
    return (
        select(registry.Resident.created_at.label("at"), registry.Unit.building_id.label("building_id"))
        .join(registry.Ownership, registry.Ownership.resident_id == registry.Resident.id)
        .join(registry.Unit, registry.Unit.id == registry.Ownership.unit_id)
    )


@hookimpl
def jiedao_metrics(register):
    """One counter with a dimension, one gauge, one signal."""
    register.metrics(
        Metric(
            key="probe.residents.registered", title_zh="新登记居民", title_en="Residents registered",
            kind=MetricKind.COUNTER, source=registrations, unit="人", dimensions=("age_group",),
        ),
        Metric(key="probe.units.area", title_zh="住宅面积", title_en="Floor area", kind=MetricKind.GAUGE, source=floor_area, unit="m²"),
    )
    register.signals(Signal(key="probe.registrations", title_zh="居民登记", title_en="Registrations", source=registrations_by_building))
