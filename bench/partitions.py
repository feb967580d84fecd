"""Benchmark of raw-reading retention: row deletes (main's code) against partition drops (not
part of the test run).

    .venv/bin/python bench/partitions.py [--devices 100] [--minutes 10] [--months 12]

A throwaway PostgreSQL cluster holds two databases loaded with the same year of history for
one street: ``--devices`` monitors, one reading every ``--minutes`` for ``--months`` months.
The first stays at ``sensors_0007`` (one plain ``sensor_readings``) and its retention run is
main's ``rollup_street`` (expired hours sealed and deleted hour by hour); the second is at
head (weekly partitions, made ahead as the roll-up job does) and its retention run is
``retain_history`` (expired partitions sealed and dropped). Both runs start from no roll-ups
and must end with the same sealed roll-ups of the hours both expired (checked). Printed: rows, the time and statements
of each run, their ratio, and the database size of the raw readings per street per month.

Scale: a real street reports about 10 million readings a month; the defaults load
100 × 6 × 24 × 30 ≈ 0.43 million a month (about 1/23 of that), 5.3 million a year per
database, which this machine loads in minutes. Both sides scale with it: the row delete with
the rows, the partition drop with the number of partitions (and the seal's aggregate).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from jiedao.core import migrate  # noqa: E402
from jiedao.core.config import parse_config  # noqa: E402
from jiedao.core.db import Database  # noqa: E402
from jiedao.core.kernel import Kernel  # noqa: E402
from jiedao.core.testing.fixtures import count_statements  # noqa: E402
from jiedao.plugins.sensors.models import Device  # noqa: E402
from jiedao.plugins.sensors.service.partitions import ensure_partitions, week_of  # noqa: E402
from jiedao.plugins.sensors.service.retention import retain_history, rollup_street  # noqa: E402

STREET = "changqing"
STREETS = {STREET: {"name": "长庆街道", "plugins": ["sensors"]}}
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
REAL_MONTHLY = 10_000_000


async def load(kernel: Kernel, owner: Database, devices: int, minutes: int, start: datetime) -> int:
    """``devices`` monitors and their readings from ``start`` to ``NOW``, one month per statement."""
    street = kernel.street_id(STREET)
    async with kernel.db.transaction(street) as session:
        session.add_all(Device(device_id=f"EM-{n}", kind="ELECTRIC_MONITOR", name=f"monitor {n}", latest={}) for n in range(devices))
    total, month = 0, start
    while month < NOW:
        upper = min(month + timedelta(days=30), NOW)
        async with owner.transaction(street) as session:
            done = await session.execute(
                text(
                    "INSERT INTO sensor_readings (device_pk, ts, key, value, street_id) "
                    "SELECT d.id, g, 'voltage', 200 + (extract(epoch FROM g)::bigint % 40), d.street_id "
                    "FROM sensor_devices d CROSS JOIN generate_series(CAST(:lower AS timestamptz), CAST(:upper AS timestamptz) - interval '1 second', make_interval(mins => :step)) g"
                ),
                {"lower": month, "upper": upper, "step": minutes},
            )
            total += done.rowcount
        month = upper
    async with owner.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.exec_driver_sql("VACUUM ANALYZE")
    return total


async def readings_size(owner: Database) -> int:
    """Bytes of ``sensor_readings`` with its indexes (all partitions)."""
    async with owner.transaction() as session:
        return await session.scalar(text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.oid = 'sensor_readings'::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'sensor_readings'::regclass)"
        ))


async def rolled_up(kernel: Kernel, before: datetime) -> tuple[int, int, int]:
    """(roll-up rows, readings they count, sealed rows) of the hours before ``before``."""
    async with kernel.db.transaction(kernel.street_id(STREET)) as session:
        row = (await session.execute(
            text("SELECT count(*), coalesce(sum(count), 0), count(*) FILTER (WHERE sealed) FROM sensor_readings_hourly WHERE hour < :before"),
            {"before": before},
        )).one()
        return tuple(row)


async def prepare(cluster, name: str, partitioned: bool, args) -> tuple[Kernel, Database, int, int]:
    """Database ``name`` at head (``partitioned``, partitions made for the whole year) or at
    ``sensors_0007``, loaded; (kernel, owner's database, readings, bytes of readings)."""
    cluster.create_database(name, owner="bench_owner")
    owner_url = cluster.url(name, user="bench_owner")
    kernel = await Kernel.load(parse_config({"streets": STREETS}, database_url=cluster.url(name, user="bench_app")))
    await asyncio.to_thread(migrate.upgrade, kernel, "heads", owner_url)
    if not partitioned:
        await asyncio.to_thread(migrate.downgrade, kernel, "sensors_0007", owner_url)
    await kernel.sync_streets()
    owner = Database(owner_url)
    start = week_of(NOW - timedelta(days=30 * args.months))
    if partitioned:
        await ensure_partitions(owner, start, ahead=(NOW - start) // timedelta(days=7) + 2)
    began = time.perf_counter()
    rows = await load(kernel, owner, args.devices, args.minutes, start)
    print(f"[{name}] {rows:,} readings loaded in {time.perf_counter() - began:.0f} s, {await readings_size(owner) / 2**20:.0f} MiB")
    return kernel, owner, rows, await readings_size(owner)


async def main() -> None:
    """Load both databases one after the other, run each retention, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--migration", action="store_true", help="time only the sensors_0008 upgrade of a loaded table")
    args = parser.parse_args()
    from jiedao.core.testing.services import PostgresCluster, postgres_available

    if reason := postgres_available():
        sys.exit(f"no PostgreSQL: {reason}")
    with PostgresCluster() as cluster:
        cluster.create_role("bench_owner")
        cluster.create_role("bench_app")
        os.environ["JIEDAO_DB_APP_ROLE"] = "bench_app"
        if args.migration:
            kernel, owner, rows, _ = await prepare(cluster, "migration", False, args)
            began = time.perf_counter()
            await asyncio.to_thread(migrate.upgrade, kernel, "heads", cluster.url("migration", user="bench_owner"))
            seconds = time.perf_counter() - began
            print(f"[migration] sensors_0008 upgrade of {rows:,} readings: {seconds:.1f} s, ≈ {seconds / rows * 10_000_000 / 60:.1f} min per 10 M readings")
            await kernel.close()
            await owner.dispose()
            return
        results = {}
        for name, partitioned in (("rows", False), ("partitions", True)):
            kernel, owner, rows, size = await prepare(cluster, name, partitioned, args)
            settings = kernel.settings(STREET, "sensors")
            street = kernel.street_id(STREET)
            with count_statements() as counter:
                began = time.perf_counter()
                if partitioned:
                    history = await retain_history(kernel.db, owner, {street: settings}, NOW)
                    detail = f"{len(history.partitions.dropped)} partitions dropped, {history.streets[street].pruned:,} rows deleted"
                else:
                    result = await rollup_street(kernel.db, settings, NOW, street)
                    detail = f"{result.pruned:,} rows deleted"
                seconds = time.perf_counter() - began
            after = await readings_size(owner)
            # Compared: the hours both runs sealed (the partition drop keeps up to a week more raw).
            results[name] = (seconds, counter.count, await rolled_up(kernel, week_of(NOW - settings.raw_retention)))
            months = args.months
            print(f"[{name}] retention: {seconds:.2f} s, {counter.count:,} statements ({detail}); "
                  f"raw readings {size / months / 2**20:.1f} MiB per street per month before, {after / 2**20:.0f} MiB kept after; "
                  f"roll-ups {results[name][2]}")
            print(f"[{name}] at {REAL_MONTHLY:,} readings a month: ≈ {size / rows * REAL_MONTHLY / 2**30:.2f} GiB per street per month")
            await kernel.close()
            await owner.dispose()
        (rows_s, rows_n, rows_up), (parts_s, parts_n, parts_up) = results["rows"], results["partitions"]
        same = rows_up[1] == parts_up[1] and rows_up[2] > 0
        print(f"row delete / partition drop: {rows_s / parts_s:.1f}× the time, {rows_n / max(parts_n, 1):.1f}× the statements; "
              f"roll-ups {'identical in count' if same else 'DIFFER'} ({rows_up[1]:,} vs {parts_up[1]:,} readings rolled up)")


if __name__ == "__main__":
    asyncio.run(main())
