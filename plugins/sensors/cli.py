"""``jiedao sensors ...``: run ingestion alone, simulate devices, issue and revoke device
credentials, retire devices."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click
from sqlalchemy import select

from jiedao.api import now
from jiedao.api.cli import importfile, in_street, kernel_of, report_import_failure, require_street, run_command
from jiedao.api.domain import audit, parse_duration
from jiedao.plugins.sensors.provision import SERVICE_ACCESS


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
@click.option("--client-id", default=lambda: os.environ.get("JIEDAO_MQTT_CLIENT_ID", "jiedao-ingest"), show_default="jiedao-ingest", help="Fixed client id of the persistent session (with a password in the URL, a tag keyed by it is appended: no device can take the session over).")
@click.option("--shared-group", help="Join the MQTT 5 shared subscription $share/GROUP/... to split the load between workers.")
@click.option("--queue-size", default=2000, show_default=True, help="Messages received but not yet stored (back-pressure bound).")
@click.option("--batch-size", default=500, show_default=True, help="Messages stored per transaction at most.")
@click.option("--batch-wait", default=0.05, show_default=True, help="Seconds a batch waits for more messages before it is stored.")
@click.option("--transactions", default=2, show_default=True,
              help="A batch of several streets is stored in at most this many concurrent transactions (groups of streets); 0: one transaction per street, one after another.")
@click.option("--no-watchdog", is_flag=True, help="Leave offline detection and escalation to 'jiedao serve'.")
@click.pass_context
def ingest(ctx: click.Context, url, client_id, shared_group, queue_size, batch_size, batch_wait, transactions, no_watchdog) -> None:
    """Run MQTT ingestion (and the offline/escalation watchdog) until interrupted."""
    from jiedao.plugins.sensors.ingest import Ingester, IngestOptions
    from jiedao.plugins.sensors.serve import watch

    kernel = kernel_of(ctx)
    options = IngestOptions(_mqtt_url(kernel, url), client_id=client_id, shared_group=shared_group, queue_size=queue_size, batch_size=batch_size,
                            batch_wait=batch_wait, transactions=transactions)

    async def main() -> None:
        await kernel.sync_streets()
        from jiedao.plugins.sensors.relay import AlarmRelay

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
        run_command(main())
    except KeyboardInterrupt:
        click.echo("stopped")


def _credential_files(command):
    """The ``--password-file`` and ``--acl-file`` options (defaults: ``provision.password_file()``
    and ``provision.acl_file()``, the files the embedded broker enforces)."""
    from jiedao.plugins.sensors import provision

    command = click.option(
        "--acl-file", default=lambda: str(provision.acl_file()), show_default=f"JIEDAO_MQTT_ACL_FILE or {provision.DEFAULT_ACL_FILE}", type=click.Path(dir_okay=False)
    )(command)
    return click.option(
        "--password-file", default=lambda: str(provision.password_file()),
        show_default=f"JIEDAO_MQTT_PASSWORD_FILE or {provision.DEFAULT_PASSWORD_FILE}", type=click.Path(dir_okay=False),
    )(command)


@sensors.command()
@click.option("--street", "streets", multiple=True, help="A street whose registered devices to simulate (repeat for several with --realistic).")
@click.option("--all-streets", is_flag=True, help="With --realistic: every street enabling sensors.")
@click.option("--rate", default=10.0, show_default=True, help="Messages per second (without --realistic).")
@click.option("--duration", default="60s", show_default=True, help="How long, e.g. 30s, 5m (wall-clock time).")
@click.option("--faults", is_flag=True, help="Mix in alarms (leakage, heat, smoke, low battery) and malformed messages (about 10%; with --realistic see --fault-rate).")
@click.option("--realistic", is_flag=True, help="Every device at its kind's real rate (monitors every 5-15 min, detectors every 3-5 h, charging points every 1-3 min), jittered, bursts on faults.")
@click.option("--speed", default=1.0, show_default=True, help="With --realistic: simulated seconds per wall second (60: an hour a minute).")
@click.option("--seed", default=0, show_default=True, help="With --realistic: the random seed of the schedule.")
@click.option("--fault-rate", default=None, type=float, help="With --realistic: the share of messages that start a fault (default 0.002 with --faults, else 0).")
@click.option("--credentials", type=click.Path(dir_okay=False, exists=True), help="With --realistic: the devices' passwords (provision-fleet --credentials) ...")
@click.option("--own", default=0, show_default=True, help="... and how many devices per street publish through their own connection with them.")
@click.option("--report", type=click.Path(dir_okay=False), help="With --realistic: write what was published (per street, each alarm fault) as JSON.")
@click.option("--url", help="Broker URL (default: JIEDAO_MQTT_URL); an account that may publish for the devices where the broker requires one.")
@click.pass_context
def simulate(ctx: click.Context, streets, all_streets, rate, duration, faults, realistic, speed, seed, fault_rate, credentials, own, report, url) -> None:
    """Publish telemetry of the street's devices through a real MQTT connection."""
    from jiedao.plugins.sensors.models import ACTIVE, Alarm, Device
    from jiedao.plugins.sensors.simulate import SimDevice, simulate as publish

    kernel = kernel_of(ctx)
    seconds = parse_duration(duration).total_seconds()
    if realistic:
        return _simulate_realistic(kernel, _streets_of(kernel, streets, all_streets), seconds, faults, speed, seed, fault_rate, credentials, own, report, url)
    if len(streets) != 1 or all_streets:
        raise click.UsageError("without --realistic, give exactly one --street")
    street = streets[0]
    require_street(kernel, street, "sensors")

    async def main() -> int:
        await kernel.sync_streets()
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            rows = (await session.execute(select(Device.device_id, Device.kind, Device.id.in_(select(Alarm.device_pk).where(ACTIVE))))).all()
        await kernel.close()
        devices = [SimDevice(d, k) for d, k, alarmed in rows if not alarmed]
        if not rows:
            raise click.UsageError(f"street '{street}' has no devices; seed the demo (jiedao serve --demo) first")
        if len(devices) < len(rows):  # their healthy readings would clear the alarms people should see
            click.echo(f"leaving {len(rows) - len(devices)} device(s) with an open alarm alone")
        click.echo(f"publishing {rate:g} msg/s for {seconds:g}s over {len(devices)} devices")
        return await publish(_mqtt_url(kernel, url), street, kernel.settings(street, "sensors").topic_prefix, devices, rate, seconds, faults,
                             progress=lambda n: click.echo(f"\r{n} sent", nl=False))

    sent = run_command(main())
    click.echo(f"\n{sent} messages published")


def _streets_of(kernel, streets: tuple[str, ...], all_streets: bool) -> list[str]:
    """The streets named (each checked to enable sensors), or every street enabling sensors."""
    if all_streets:
        chosen = [s for s in kernel.config.streets if "sensors" in kernel.enabled_plugins(s)]
    else:
        chosen = list(streets)
    if not chosen:
        raise click.UsageError("give --street (repeatable) or --all-streets")
    for street in chosen:
        require_street(kernel, street, "sensors")
    return chosen


def _simulate_realistic(kernel, streets, seconds, faults, speed, seed, fault_rate, credentials, own, report, url) -> None:
    """``simulate --realistic``: the registered fleets of ``streets`` at their kinds' rates."""
    import json

    from jiedao.plugins.sensors.loadgen.fleet import fleet_of
    from jiedao.plugins.sensors.loadgen.publisher import publish
    from jiedao.plugins.sensors.loadgen.schedule import DEFAULT_FAULT_RATE, schedule

    if speed <= 0:
        raise click.BadParameter("must be above 0", param_hint="--speed")
    rate = fault_rate if fault_rate is not None else (DEFAULT_FAULT_RATE if faults else 0.0)
    prefixes = {kernel.settings(s, "sensors").topic_prefix for s in streets}
    if len(prefixes) > 1:
        raise click.UsageError("the streets use different topic prefixes; simulate them in separate runs")
    passwords = json.loads(Path(credentials).read_text()) if credentials else None

    async def main():
        await kernel.sync_streets()
        try:
            devices = await fleet_of(kernel, streets)
        finally:
            await kernel.close()
        if not devices:
            raise click.UsageError("no registered devices; register some first (jiedao sensors provision-fleet)")
        click.echo(f"{len(devices)} devices in {len(streets)} street(s) for {seconds:g}s at speed {speed:g} ({seconds * speed / 3600:.2f} simulated hours)")
        return await publish(_mqtt_url(kernel, url), prefixes.pop(), schedule(devices, seconds * speed, seed=seed, fault_rate=rate), speed=speed,
                             credentials=passwords, own=own, progress=lambda t: click.echo(f"\r{t.messages} sent", nl=False))

    tally = run_command(main())
    elapsed = max(tally.finished - tally.started, 1e-9)
    click.echo(f"\n{tally.messages} messages published ({tally.messages / elapsed:.1f}/s), {len(tally.faults)} alarm faults, "
               f"{sum(t.refused for t in tally.streets.values())} malformed, {tally.own_connections} devices on their own connections")
    if report:
        Path(report).write_text(json.dumps(tally.as_json()))


@sensors.command("provision-fleet")
@click.option("--street", "streets", multiple=True, help="A street to provision (repeatable).")
@click.option("--all-streets", is_flag=True, help="Every street enabling sensors.")
@click.option("--devices", default=1500, show_default=True, help="Simulated devices per street (Changqing's mix of monitors, detectors and charging points).")
@click.option("--credentials", type=click.Path(dir_okay=False), help="Also issue every device's MQTT account and keep the passwords in this JSON file (0600) for 'simulate --credentials'.")
@_credential_files
@click.pass_context
def provision_fleet(ctx: click.Context, streets, all_streets, devices, credentials, password_file, acl_file) -> None:
    """Register a simulated fleet in bulk (one INSERT per street; devices already there are kept)
    and, with --credentials, issue their MQTT accounts in one pass."""
    from jiedao.plugins.sensors.loadgen.fleet import fleet_of, register_fleet, write_credentials

    kernel = kernel_of(ctx)
    chosen = _streets_of(kernel, streets, all_streets)

    async def main():
        await kernel.sync_streets()
        try:
            added = await register_fleet(kernel, chosen, devices)
            return added, (await fleet_of(kernel, chosen) if credentials else [])
        finally:
            await kernel.close()

    added, fleet = run_command(main())
    click.echo(f"{sum(added.values())} devices registered in {len(chosen)} street(s)")
    if credentials:
        prefixes = {kernel.settings(s, "sensors").topic_prefix for s in chosen}
        if len(prefixes) > 1:
            raise click.UsageError("the streets use different topic prefixes; provision them in separate runs")
        issued = write_credentials(fleet, prefixes.pop(), password_file, acl_file, credentials)
        click.echo(f"{len(issued)} MQTT accounts issued (passwords in {credentials}; reload Mosquitto: kill -HUP <pid>)")


@sensors.command()
@click.option("--street", required=True, help="The street whose registered devices' history to write.")
@click.option("--days", default=30.0, show_default=True, help="Days of history, ending now.")
@click.option("--seed", default=0, show_default=True)
@click.pass_context
def replay(ctx: click.Context, street, days, seed) -> None:
    """Write DAYS of readings of the street's devices straight into the database at their kinds'
    rates (to size the database and time the roll-up and retention)."""
    from jiedao.plugins.sensors.loadgen.replay import replay as write_history

    kernel = kernel_of(ctx)
    require_street(kernel, street, "sensors")

    async def main():
        await kernel.sync_streets()
        try:
            return await write_history(kernel, street, days, end=now().replace(second=0, microsecond=0), seed=seed,
                                       progress=lambda r: click.echo(f"\r{r.readings} readings", nl=False))
        finally:
            await kernel.close()

    result = run_command(main())
    click.echo(f"\n{result.readings} readings of {result.messages} messages written in {result.seconds:.1f}s")


@sensors.command()
@click.option("--street", required=True, help="The street whose readings to roll up and prune.")
@click.pass_context
def rollup(ctx: click.Context, street) -> None:
    """Roll up complete hours of readings and delete raw readings older than ``raw_retention``;
    on PostgreSQL also create the readings' partitions ahead and drop the expired ones (as the
    schema owner: ``JIEDAO_MIGRATION_DATABASE_URL``)."""
    from jiedao.api.migrations import owner_database
    from jiedao.plugins.sensors.ingest import sensor_streets
    from jiedao.plugins.sensors.service.retention import retain_history

    kernel = kernel_of(ctx)
    require_street(kernel, street, "sensors")

    async def main():
        await kernel.sync_streets()
        retention = {kernel.street_id(s): kernel.settings(s, "sensors") for s in sensor_streets(kernel)}
        try:  # one transaction per partition and per PRUNE_BATCH pruned readings
            async with owner_database(kernel) as owner_db:
                return await retain_history(kernel.db, owner_db, retention, now(), only=kernel.street_id(street))
        finally:
            await kernel.db.dispose()

    history = run_command(main())
    if history.failures:
        raise click.ClickException(f"the roll-up failed: {next(iter(history.failures.values()))}")
    if history.partitions is not None:
        click.echo(f"partitions created: {', '.join(history.partitions.created) or 'none'}; "
                   f"sealed and dropped: {', '.join(history.partitions.dropped) or 'none'}")
    elif history.partition_error:
        click.echo(f"partitions not maintained ({history.partition_error}): expired weeks kept until the owner runs maintenance")
    result = next(iter(history.streets.values()))
    click.echo(f"{result.rolled_up} hourly roll-ups written, {result.pruned} raw readings older than {result.cutoff:%Y-%m-%d %H:%M} UTC deleted")


@sensors.command()
@click.option("--street", required=True)
@click.argument("device_id")
@_credential_files
@click.pass_context
def provision(ctx: click.Context, street, device_id, password_file, acl_file) -> None:
    """Issue MQTT credentials for DEVICE_ID: a Mosquitto password entry and an ACL limiting it to its own topics."""
    from jiedao.plugins.sensors.models import Device
    from jiedao.plugins.sensors.provision import issue

    kernel = kernel_of(ctx)

    async def known(session) -> bool:
        return await session.scalar(select(Device.id).where(Device.device_id == device_id)) is not None

    if not in_street(ctx, street, known, plugin="sensors"):
        raise click.UsageError(f"no device '{device_id}' is registered in street '{street}'")
    try:
        username, password = issue(street, device_id, kernel.settings(street, "sensors").topic_prefix, password_file, acl_file)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(
        f"username: {username}\npassword: {password}\n(shown once; reload Mosquitto to apply: kill -HUP <pid>. The embedded broker of "
        "'jiedao serve' re-reads the files if it started with a password file; if it started without one it is open: restart it.)"
    )


@sensors.command()
@click.option("--street", required=True)
@click.argument("device_id")
@click.option("--note", default="retired from the command line", show_default=True, help="Why; written on the alarms it clears.")
@_credential_files
@click.pass_context
def retire(ctx: click.Context, street, device_id, note, password_file, acl_file) -> None:
    """Retire DEVICE_ID: status RETIRED, its open alarms cleared, its MQTT credentials revoked."""
    import getpass

    from jiedao.plugins.sensors.provision import revoke
    from jiedao.plugins.sensors.service.devices import retire_device
    from jiedao.plugins.sensors.service.publish import publish

    kernel = kernel_of(ctx)
    actor = f"cli:{getpass.getuser()}"

    async def work(session):
        retirement = await retire_device(session, device_id, actor, note)
        await audit(session, kernel.street_id(street), actor, "sensors.device.retire", device_id, {"note": note})
        return retirement

    retirement = in_street(ctx, street, work, plugin="sensors")

    async def announce() -> None:
        try:
            await publish(kernel, street, retirement.changes)
        finally:
            await kernel.close()

    run_command(announce())
    cleared = sum(change.what == "cleared" for change in retirement.changes)
    revoked = revoke(street, device_id, password_file, acl_file)
    click.echo(f"retired {device_id}: {cleared} open alarm(s) cleared; MQTT credentials {'revoked' if revoked else 'not found (nothing to revoke)'}")


@sensors.command("provision-service")
@click.argument("name")
@click.option("--access", type=click.Choice(SERVICE_ACCESS), default="readwrite", show_default=True,
              help="read for 'sensors ingest', write for 'sensors simulate' (device topics only), readwrite for both and the alarm relay.")
@click.option("--topic-prefix", default="jiedao", show_default=True, help="The streets' topic_prefix.")
@_credential_files
def provision_service(name, access, topic_prefix, password_file, acl_file) -> None:
    """Issue credentials for NAME, an account of Jiedao's own processes run apart from 'jiedao serve'
    (ingest workers, the simulator), with ACCESS to the topics under the prefix (write: the devices' topics only)."""
    from jiedao.plugins.sensors.provision import issue_service

    try:
        username, password = issue_service(name, topic_prefix, access, password_file, acl_file)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"username: {username}\npassword: {password}\n(shown once; use JIEDAO_MQTT_URL=mqtt://{username}:<password>@host:1883; reload Mosquitto to apply: kill -HUP <pid>)")


@sensors.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--street", required=True)
@click.option("--encoding", default="utf-8", show_default=True, type=click.Choice(["utf-8", "gbk"]), help="The file's encoding (GBK: Excel's CSV on Chinese Windows).")
@click.pass_context
def import_command(ctx: click.Context, file: Path, street: str, encoding: str) -> None:
    """Register devices from a CSV file, all or nothing (see plugins/sensors/service/device_import.py)."""
    import getpass

    from jiedao.plugins.sensors.service.device_import import import_devices, read_devices

    kernel = kernel_of(ctx)

    async def work(session):
        report = await import_devices(session, rows, problems)
        await audit(session, kernel.street_id(street), f"cli:{getpass.getuser()}", "sensors.device.import", file.name, {"registered": report.registered})
        return report

    try:
        rows, problems = read_devices(file, encoding)
        report = in_street(ctx, street, work, plugin="sensors")
    except importfile.ImportFailed as failure:
        report_import_failure(failure)
    click.echo(report.summary())
