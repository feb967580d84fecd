"""The sensors plugin: its declaration and hook implementations."""

from __future__ import annotations

import logging
from pathlib import Path

from core.hookspecs import hookimpl
from core.plugins import PluginInfo
from plugins.sensors.settings import SensorsSettings

log = logging.getLogger("jiedao.sensors")

PLUGIN = PluginInfo(
    name="sensors",
    version="0.1.0",
    title="Sensors: electricity monitors, smoke detectors, EV-charger fire devices",
    settings=SensorsSettings,
    requires=(),
    description="MQTT ingestion, thresholds and alarms with acknowledgement, offline detection and escalation.",
)

PERMISSIONS = {
    "sensors.device.read": "See sensor devices, their latest values and readings",
    "sensors.alarm.read": "See sensor alarms",
    "sensors.alarm.acknowledge": "Acknowledge sensor alarms",
    "sensors.alarm.clear": "Clear acknowledged sensor alarms by hand",
    "sensors.quarantine.read": "See messages the ingester refused",
}
GRANTS = {
    "grid_worker": list(PERMISSIONS),
    "community_worker": ["sensors.device.read", "sensors.alarm.read", "sensors.alarm.acknowledge"],
}


@hookimpl
def jiedao_models(register):
    """Devices, readings, alarms and the quarantine."""
    from plugins.sensors.models import SENSOR_MODELS

    register.models(*SENSOR_MODELS)


@hookimpl
def jiedao_migrations(register):
    """The ``sensors`` Alembic branch."""
    register.migrations(Path(__file__).resolve().parent / "migrations")


@hookimpl
def jiedao_permissions(register):
    """Reading devices and alarms; acknowledging and clearing alarms."""
    register.permissions(PERMISSIONS, grants=GRANTS)


@hookimpl
def jiedao_schema(register):
    """Queries, mutations, the ``alarmChanged`` subscription and fields on core types."""
    from plugins.sensors import graphql

    register.query(graphql.SensorsQuery)
    register.mutation(graphql.SensorsMutation)
    register.subscription(graphql.SensorsSubscription)
    register.extend("Building", graphql.BuildingSensors)
    register.extend("Unit", graphql.UnitSensors)
    register.extend("Resident", graphql.ResidentSensors)


@hookimpl
def jiedao_cli(register):
    """``jiedao sensors ingest|simulate|provision``."""
    from plugins.sensors.cli import sensors

    register.cli(sensors)


@hookimpl
def jiedao_seed(register):
    """The demo's devices and a few open alarms."""
    from plugins.sensors.seed import seed

    register.seed(seed)


@hookimpl
def jiedao_background(register):
    """During ``jiedao serve``: ingestion when JIEDAO_MQTT_URL is set; offline and escalation checks always."""
    register.background(run_in_server)


async def run_in_server(kernel) -> None:
    """Ingest from ``kernel.config.mqtt_url`` (if set) and run the watchdog until cancelled."""
    import asyncio

    from plugins.sensors.ingest import Ingester, IngestOptions, watch

    tasks = [asyncio.create_task(watch(kernel))]
    if kernel.config.mqtt_url:
        tasks.append(asyncio.create_task(Ingester(kernel, IngestOptions(kernel.config.mqtt_url)).run()))
    else:
        log.warning("JIEDAO_MQTT_URL is not set: sensors ingestion is off (run 'jiedao sensors ingest' with a broker)")
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
