"""The figures a dashboard reads: their columns, and what they count."""

from __future__ import annotations

from jiedao.core.figures import MetricKind
from jiedao.plugins.sensors.metrics import METRICS, SIGNALS

from .test_alarms import deliver


async def test_metrics_count_alarms_devices_and_quarantine_per_street(kernel, registry):
    await deliver(kernel, "EM-1", {"residual_current": 520})
    await deliver(kernel, "SD-1", {"smoke": True})
    await deliver(kernel, "NOPE", {"voltage": 1})
    results = {}
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        for metric in METRICS:
            result = await session.execute(metric.source())
            columns = set(result.keys())
            assert set(metric.dimensions) <= columns
            assert ("at" in columns) if metric.kind == MetricKind.COUNTER else ("value" in columns)
            results[metric.key] = [dict(row._mapping) for row in result]
        [signal] = SIGNALS
        assert {row.building_id for row in await session.execute(signal.source())} == {registry.buildings[0]}

    assert sorted((r["type"], r["severity"], r["value"]) for r in results["sensors.alarms.open"]) == [("RESIDUAL_CURRENT", "CRITICAL", 1), ("SMOKE", "CRITICAL", 1)]
    assert len(results["sensors.alarms.raised"]) == 2
    assert [r["reason"] for r in results["sensors.messages.quarantined"]] == ["unknown_device"]
    online = {(r["kind"], r["status"]): r["value"] for r in results["sensors.devices.by_status"]}
    assert online[("ELECTRIC_MONITOR", "ONLINE")] == 1 and online[("ELECTRIC_MONITOR", "UNKNOWN")] == 1
