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
    "sensors.device.manage": "Register and retire sensor devices and issue their credentials",
    "sensors.alarm.read": "See sensor alarms",
    "sensors.alarm.acknowledge": "Acknowledge sensor alarms",
    "sensors.alarm.clear": "Clear acknowledged sensor alarms by hand",
    "sensors.quarantine.read": "See messages the ingester refused",
}
GRANTS = {
    "grid_worker": [p for p in PERMISSIONS if p != "sensors.device.manage"],
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
    """``jiedao sensors ingest|simulate|provision|retire|rollup``."""
    from plugins.sensors.cli import sensors

    register.cli(sensors)


@hookimpl
def jiedao_metrics(register):
    """Alarms raised and open, devices by status, quarantined messages; alarms per building as a signal."""
    from plugins.sensors.metrics import METRICS, SIGNALS

    register.metrics(*METRICS)
    register.signals(*SIGNALS)


@hookimpl
def jiedao_seed(register):
    """The demo's devices and a few open alarms."""
    from plugins.sensors.seed import seed

    register.seed(seed)


@hookimpl
def jiedao_background(register):
    """During ``jiedao serve``: ingestion (from JIEDAO_MQTT_URL or an embedded broker), offline and escalation
    checks, hourly roll-ups and pruning of old readings; ``jiedao serve --mqtt-port N``."""
    import click

    register.background(run_in_server)
    register.readiness("ingestion", _ingestion_problem)
    register.serve_option(
        click.Option(
            ["--mqtt-port"], type=click.IntRange(1, 65535), default=None, show_default="1883, or the port of JIEDAO_MQTT_EMBEDDED_BIND",
            help="Port of the embedded MQTT broker started when JIEDAO_MQTT_URL is not set.",
        )
    )
    register.serve_option(
        click.Option(
            ["--embedded-broker"], is_flag=True, callback=_embedded_broker_choice,
            help=(
                "Without JIEDAO_MQTT_URL, start the embedded amqtt broker: for the demo and single-machine trials only "
                "(implied by --demo). Production uses Mosquitto or EMQX through JIEDAO_MQTT_URL."
            ),
        )
    )


def _ingestion_problem(kernel) -> str | None:
    """For ``/readyz``: why MQTT ingestion in this process is down, if it is."""
    from plugins.sensors.ingest import ingestion_problem

    return ingestion_problem(kernel)


EMBEDDED_REFUSED = (
    "no MQTT broker for sensors ingestion: set JIEDAO_MQTT_URL to your Mosquitto or EMQX broker (production), "
    "or pass --embedded-broker to start the embedded amqtt broker (demo and single-machine trials only: it may lose "
    "acknowledged messages when the process is killed), or set JIEDAO_MQTT_EMBEDDED=0 to serve without ingestion"
)


def _embedded_broker_choice(ctx, _param, value: bool) -> bool:
    """``--embedded-broker``'s value: true with ``--demo``; refuses to serve when neither is
    given, no ``JIEDAO_MQTT_URL`` is set and a street enables sensors (``EMBEDDED_REFUSED``)."""
    import os

    import click

    from plugins.sensors.ingest import sensor_streets

    if value or ctx.params.get("demo"):
        return True
    kernel = ctx.find_root().command.kernel
    if kernel.config.mqtt_url or os.environ.get("JIEDAO_MQTT_EMBEDDED", "1") == "0" or not sensor_streets(kernel):
        return False
    raise click.UsageError(EMBEDDED_REFUSED, ctx)


async def run_in_server(kernel) -> None:
    """Run the watchdog, the roll-ups and ingestion until cancelled: from ``kernel.config.mqtt_url`` if
    set, otherwise, with ``--embedded-broker`` or ``--demo``, from an embedded amqtt broker on
    ``--mqtt-port`` (``embedded_bind``; unless ``JIEDAO_MQTT_EMBEDDED=0``), enforcing the provisioning files if they exist. With a
    broker, the alarm relay also runs: alarm changes of other processes reach this one's
    ``alarmChanged`` subscribers, and this one's reach theirs."""
    import asyncio
    import contextlib
    import os

    from plugins.sensors.embedded import embedded_bind, embedded_broker
    from plugins.sensors.ingest import Ingester, IngestOptions, retain, sensor_streets, watch

    if not sensor_streets(kernel):
        return  # no street enables sensors in this deployment
    async with contextlib.AsyncExitStack() as stack:
        tasks = [asyncio.create_task(watch(kernel)), asyncio.create_task(retain(kernel))]
        url = kernel.config.mqtt_url
        if not url and os.environ.get("JIEDAO_MQTT_EMBEDDED", "1") != "0":
            if not kernel.serve_options.get("embedded_broker"):
                log.error("%s", EMBEDDED_REFUSED)
            else:
                try:
                    url = await stack.enter_async_context(embedded_broker(embedded_bind(kernel.serve_options.get("mqtt_port"))))
                except Exception as error:  # noqa: BLE001 - e.g. the port is taken; the API still serves
                    log.error("cannot start the embedded MQTT broker (%s); set JIEDAO_MQTT_URL", error)
        if url:
            from plugins.sensors.relay import AlarmRelay

            tasks.append(asyncio.create_task(Ingester(kernel, IngestOptions(url)).run()))
            tasks.append(asyncio.create_task(AlarmRelay(kernel, url).run()))
        else:
            log.warning("no MQTT broker: sensors ingestion is off (set JIEDAO_MQTT_URL)")
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
