"""The sensors plugin's part in ``jiedao serve``: ingestion, the watchdog, roll-ups and the
alarm relay as background work, ``/readyz``'s ingestion check, and the serve options."""

from __future__ import annotations

import asyncio
import logging

import click

from jiedao.api import now
from jiedao.api.care import care_settings_of
from jiedao.api.domain import street_transaction

log = logging.getLogger("jiedao.sensors")
tasks_log = logging.getLogger("jiedao.sensors.ingest")
"""The watchdog's and the roll-ups' logger (the name they have always logged under)."""

def _check_embedded_port(ctx, embedded: bool, port: int | None) -> None:
    """Refuse to serve when the embedded broker will start on a port something else holds."""
    from jiedao.api.web import port_problem
    from jiedao.plugins.sensors.embedded import embedded_bind

    if not embedded:
        return
    host, _, bind_port = embedded_bind(port).rpartition(":")
    if problem := port_problem(host, int(bind_port)):
        raise click.UsageError(
            f"the embedded MQTT broker cannot listen on {host}:{bind_port} ({problem}): choose another port with --mqtt-port, "
            "or set JIEDAO_MQTT_URL to a running broker",
            ctx,
        )


def _mqtt_port_choice(ctx, _param, value: int | None) -> int | None:
    """``--mqtt-port``'s value, checked when ``--embedded-broker`` was decided before it."""
    if "embedded_broker" in ctx.params:
        _check_embedded_port(ctx, ctx.params["embedded_broker"], value)
    return value


MQTT_PORT = click.Option(
    ["--mqtt-port"], type=click.IntRange(1, 65535), default=None, show_default="1883, or the port of JIEDAO_MQTT_EMBEDDED_BIND",
    callback=_mqtt_port_choice, help="Port of the embedded MQTT broker started when JIEDAO_MQTT_URL is not set.",
)


def ingestion_check(kernel) -> str | None:
    """For ``/readyz``: why MQTT ingestion in this process is down, if it is (the ingester's
    module is imported only when asked)."""
    from jiedao.plugins.sensors.ingest import ingestion_problem

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

    from jiedao.plugins.sensors.ingest import sensor_streets

    kernel = ctx.find_root().command.kernel
    if kernel.config.mqtt_url or os.environ.get("JIEDAO_MQTT_EMBEDDED", "1") == "0" or not sensor_streets(kernel):
        return bool(value or ctx.params.get("demo"))  # no embedded broker will start
    if not (value or ctx.params.get("demo")):
        raise click.UsageError(EMBEDDED_REFUSED, ctx)
    if "mqtt_port" in ctx.params:
        _check_embedded_port(ctx, True, ctx.params["mqtt_port"])
    return True


async def run_in_server(kernel) -> None:
    """Run the watchdog, the roll-ups and ingestion until cancelled: from ``kernel.config.mqtt_url`` if
    set, otherwise, with ``--embedded-broker`` or ``--demo``, from an embedded amqtt broker on
    ``--mqtt-port`` (``embedded_bind``; unless ``JIEDAO_MQTT_EMBEDDED=0``), enforcing the provisioning files if they exist. With the
    embedded broker, the alarm relay runs here too; with ``JIEDAO_MQTT_URL`` it is ``run_relay``'s,
    which every serving process runs (``serve --no-background`` included)."""
    import contextlib
    import os

    from jiedao.plugins.sensors.embedded import embedded_bind, embedded_broker
    from jiedao.plugins.sensors.ingest import Ingester, IngestOptions, sensor_streets

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
            from jiedao.plugins.sensors.relay import AlarmRelay

            tasks.append(asyncio.create_task(Ingester(kernel, IngestOptions(url)).run()))
            if url != kernel.config.mqtt_url:  # the embedded broker's: run_relay does not know it
                tasks.append(asyncio.create_task(AlarmRelay(kernel, url).run()))
        else:
            log.warning("no MQTT broker: sensors ingestion is off (set JIEDAO_MQTT_URL)")
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def run_relay(kernel) -> None:
    """The alarm relay on ``JIEDAO_MQTT_URL`` until cancelled, in every serving process (also
    ``serve --no-background``): alarm changes made by ingesters and other API processes reach
    this process's ``alarmChanged`` subscribers, and this one's reach theirs."""
    from jiedao.plugins.sensors.ingest import sensor_streets
    from jiedao.plugins.sensors.relay import AlarmRelay

    if sensor_streets(kernel) and kernel.config.mqtt_url:
        await AlarmRelay(kernel, kernel.config.mqtt_url).run()


EMBEDDED_BROKER = click.Option(
    ["--embedded-broker"], is_flag=True, callback=_embedded_broker_choice,
    help=(
        "Without JIEDAO_MQTT_URL, start the embedded amqtt broker: for the demo and single-machine trials only "
        "(implied by --demo). Production uses Mosquitto or EMQX through JIEDAO_MQTT_URL."
    ),
)


async def watch(kernel, interval: float = 30.0) -> None:
    """Every ``interval`` seconds: offline detection and escalation in every sensors street, and
    the work items of alarms that have none (lost to a crash between the alarm and its item)."""
    from jiedao.plugins.sensors.ingest import sensor_streets
    from jiedao.plugins.sensors.service.alarms import sweep
    from jiedao.plugins.sensors.service.publish import publish
    from jiedao.plugins.sensors.service.alerts import raise_missing_alerts
    from jiedao.plugins.sensors.service.work import open_missing_work_items

    while True:
        for street in sensor_streets(kernel):
            try:
                async with kernel.db.transaction(kernel.street_id(street)) as session:
                    changes = await sweep(session, kernel.settings(street, "sensors"), care=care_settings_of(kernel, street))
                await publish(kernel, street, changes)
                async with street_transaction(kernel, street) as session:
                    await open_missing_work_items(session)
                    await raise_missing_alerts(session, kernel, street)
            except Exception:  # noqa: BLE001 - try again next round
                tasks_log.exception("sensors watchdog failed in %s", street)
        await asyncio.sleep(interval)


async def retain(kernel, interval: float = 600.0) -> None:
    """Every ``interval`` seconds: the readings' partitions maintained (PostgreSQL: created
    ahead, sealed and dropped past retention, as the schema owner), then hourly roll-ups and
    pruning of old raw readings in every sensors street (``service.retention.retain_history``,
    in bounded transactions)."""
    from jiedao.api.migrations import owner_database
    from jiedao.plugins.sensors.ingest import sensor_streets
    from jiedao.plugins.sensors.service.retention import retain_history

    async with owner_database(kernel) as owner_db:
        while True:
            retention = {kernel.street_id(street): kernel.settings(street, "sensors") for street in sensor_streets(kernel)}
            try:
                result = await retain_history(kernel.db, owner_db, retention, now())
                if result.partitions and (result.partitions.created or result.partitions.dropped):
                    tasks_log.info("sensor_readings partitions created %s, sealed and dropped %s", result.partitions.created, result.partitions.dropped)
                for street_id, rolled in result.streets.items():
                    if rolled.pruned:
                        tasks_log.info("street %s: %d raw readings older than %s pruned", street_id, rolled.pruned, rolled.cutoff)
            except Exception:  # noqa: BLE001 - try again next round
                tasks_log.exception("sensors roll-up failed")
            await asyncio.sleep(interval)
