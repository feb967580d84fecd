"""``jiedao sensors ...``: run ingestion alone, simulate devices, issue device credentials."""

from __future__ import annotations

import asyncio
import os

import click
from sqlalchemy import select

from core.cli import in_street, kernel_of, require_street, run
from core.settings import parse_duration


@click.group()
def sensors() -> None:
    """Sensors: MQTT ingestion, device simulator, device credentials, history roll-ups."""


def _mqtt_url(kernel, url: str | None) -> str:
    url = url or kernel.config.mqtt_url
    if not url:
        raise click.UsageError("no broker: pass --url mqtt://host:port or set JIEDAO_MQTT_URL")
    return url


@sensors.command()
@click.option("--url", help="Broker URL (default: JIEDAO_MQTT_URL).")
@click.option("--client-id", default=lambda: os.environ.get("JIEDAO_MQTT_CLIENT_ID", "jiedao-ingest"), show_default="jiedao-ingest", help="Fixed client id of the persistent session.")
@click.option("--shared-group", help="Join the MQTT 5 shared subscription $share/GROUP/... to split the load between workers.")
@click.option("--queue-size", default=2000, show_default=True, help="Messages received but not yet stored (back-pressure bound).")
@click.option("--batch-size", default=500, show_default=True, help="Messages stored per transaction at most.")
@click.option("--no-watchdog", is_flag=True, help="Leave offline detection and escalation to 'jiedao serve'.")
@click.pass_context
def ingest(ctx: click.Context, url, client_id, shared_group, queue_size, batch_size, no_watchdog) -> None:
    """Run MQTT ingestion (and the offline/escalation watchdog) until interrupted."""
    from plugins.sensors.ingest import Ingester, IngestOptions, watch

    kernel = kernel_of(ctx)
    options = IngestOptions(_mqtt_url(kernel, url), client_id=client_id, shared_group=shared_group, queue_size=queue_size, batch_size=batch_size)

    async def main() -> None:
        await kernel.sync_streets()
        from plugins.sensors.relay import AlarmRelay

        ingester = Ingester(kernel, options)
        # The relay carries this worker's alarm changes to the subscribers of 'jiedao serve'.
        tasks = [asyncio.create_task(ingester.run()), asyncio.create_task(AlarmRelay(kernel, options.url).run())]
        if not no_watchdog:
            tasks.append(asyncio.create_task(watch(kernel)))
        try:
            while True:
                await asyncio.sleep(60)
                s = ingester.stats
                click.echo(f"received {s.received}, stored {s.accepted} ({s.readings} readings), quarantined {sum(s.quarantined.values())} {dict(s.quarantined)}, unroutable {s.unroutable}, alarm changes {s.alarm_changes}")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await kernel.close()

    try:
        run(main())
    except KeyboardInterrupt:
        click.echo("stopped")


@sensors.command()
@click.option("--street", required=True, help="The street whose registered devices to simulate.")
@click.option("--rate", default=10.0, show_default=True, help="Messages per second.")
@click.option("--duration", default="60s", show_default=True, help="How long, e.g. 30s, 5m.")
@click.option("--faults", is_flag=True, help="Mix in alarms and malformed messages (about 10%).")
@click.option("--url", help="Broker URL (default: JIEDAO_MQTT_URL).")
@click.pass_context
def simulate(ctx: click.Context, street, rate, duration, faults, url) -> None:
    """Publish telemetry of the street's devices through a real MQTT connection."""
    from plugins.sensors.models import Device
    from plugins.sensors.simulate import SimDevice, simulate as publish

    kernel = kernel_of(ctx)
    require_street(kernel, street, "sensors")
    seconds = parse_duration(duration).total_seconds()

    async def main() -> int:
        await kernel.sync_streets()
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            devices = [SimDevice(d, k) for d, k in (await session.execute(select(Device.device_id, Device.kind))).all()]
        await kernel.close()
        if not devices:
            raise click.UsageError(f"street '{street}' has no devices; seed the demo (jiedao serve --demo) first")
        click.echo(f"publishing {rate:g} msg/s for {seconds:g}s over {len(devices)} devices")
        return await publish(_mqtt_url(kernel, url), street, kernel.settings(street, "sensors").topic_prefix, devices, rate, seconds, faults,
                             progress=lambda n: click.echo(f"\r{n} sent", nl=False))

    sent = run(main())
    click.echo(f"\n{sent} messages published")


@sensors.command()
@click.option("--street", required=True, help="The street whose readings to roll up and prune.")
@click.pass_context
def rollup(ctx: click.Context, street) -> None:
    """Roll up complete hours of readings and delete raw readings older than ``raw_retention``."""
    from plugins.sensors.service.alarms import now
    from plugins.sensors.service.retention import rollup_and_prune

    kernel = kernel_of(ctx)

    async def work(session):
        return await rollup_and_prune(session, kernel.settings(street, "sensors"), now(), street_id=kernel.street_id(street))

    result = in_street(ctx, street, work, plugin="sensors")
    click.echo(f"{result.rolled_up} hourly roll-ups written, {result.pruned} raw readings older than {result.cutoff:%Y-%m-%d %H:%M} UTC deleted")


@sensors.command()
@click.option("--street", required=True)
@click.argument("device_id")
@click.option("--password-file", default="var/mosquitto/passwords", show_default=True, type=click.Path(dir_okay=False))
@click.option("--acl-file", default="var/mosquitto/acl", show_default=True, type=click.Path(dir_okay=False))
@click.pass_context
def provision(ctx: click.Context, street, device_id, password_file, acl_file) -> None:
    """Issue MQTT credentials for DEVICE_ID: a Mosquitto password entry and an ACL limiting it to its own topics."""
    from plugins.sensors.models import Device
    from plugins.sensors.provision import issue

    kernel = kernel_of(ctx)

    async def known(session) -> bool:
        return await session.scalar(select(Device.id).where(Device.device_id == device_id)) is not None

    if not in_street(ctx, street, known, plugin="sensors"):
        raise click.UsageError(f"no device '{device_id}' is registered in street '{street}'")
    username, password = issue(street, device_id, kernel.settings(street, "sensors").topic_prefix, password_file, acl_file)
    click.echo(f"username: {username}\npassword: {password}\n(shown once; reload Mosquitto to apply: kill -HUP <pid>)")
