"""Raw readings partitioned by week on PostgreSQL (``service.partitions``, ``sensors_0008``):
the conversion, DEFAULT and its moves, retention by partition drop, isolation, history
queries across partitions, and a run killed half-way."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from jiedao.core import migrate
from jiedao.core.testing.fixtures import count_statements
from jiedao.plugins.sensors.models import HourlyReading, Reading
from jiedao.plugins.sensors.service import partitions
from jiedao.plugins.sensors.service.partitions import PERIOD, ensure_partitions, partition_for, week_of
from jiedao.plugins.sensors.service.retention import hour_of, retain_history

from .conftest import register_devices
from .test_retention import send_at

POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
NOW = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)


@pytest.fixture
def jiedao_streets():
    """Two streets with sensors (the isolation test needs readings in both)."""
    return {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}, "gongchen": {"name": "拱宸桥街道", "plugins": ["sensors"]}}


async def add_readings(kernel, street: str, device_pk: int, times: list[datetime], key: str = "voltage") -> None:
    """Raw readings of one device at ``times`` (value: the hour of day), written as the application."""
    rows = [{"device_pk": device_pk, "ts": at, "key": key, "value": float(at.hour), "street_id": kernel.street_id(street)} for at in times]
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Reading), rows[start : start + 5000])


async def months(db, street_id: int) -> Counter:
    """The readings of the street per calendar month (UTC), read through ``sensor_readings``."""
    async with db.transaction(street_id) as session:
        rows = await session.execute(text("SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FROM sensor_readings GROUP BY 1"))
        return Counter(dict(rows.all()))


async def relkind(db, table: str) -> str | None:
    async with db.transaction() as session:
        return await session.scalar(text("SELECT relkind::text FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table})


async def in_table(db, table: str, street_id: int) -> int:
    async with db.transaction(street_id) as session:
        return await session.scalar(text(f'SELECT count(*) FROM "{table}"'))


def every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    times, at = [], start
    while at < end:
        times.append(at)
        at += step
    return times


@POSTGRES
async def test_upgrade_from_sensors_0007_keeps_every_reading_and_downgrade_converts_back(kernel, owner_db, request):
    owner_url = request.node.jiedao_owner_url
    registry = await register_devices(kernel)
    street = kernel.street_id("changqing")
    await asyncio.to_thread(migrate.downgrade, kernel, "sensors_0007", owner_url)
    assert await relkind(owner_db, "sensor_readings") == "r"
    times = every(datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 9, 15, tzinfo=UTC), timedelta(hours=5))
    times += [datetime(1999, 5, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)]  # outside any week made: DEFAULT
    await add_readings(kernel, "changqing", registry.devices["EM-1"], times)
    await add_readings(kernel, "changqing", registry.devices["SD-1"], times[::3], key="temperature")
    before = await months(kernel.db, street)
    assert sum(before.values()) == len(times) + len(times[::3])

    await asyncio.to_thread(migrate.upgrade, kernel, "heads", owner_url)

    assert await relkind(owner_db, "sensor_readings") == "p"
    assert await months(kernel.db, street) == before
    async with owner_db.transaction() as session:
        made = await partitions.partitions(session)
        assert {p.lower for p in made} >= {week_of(at) for at in times if at.year >= 2000}
        assert partition_for(week_of(datetime.now(UTC))) in made
        constraints = set(await session.scalars(text("SELECT conname FROM pg_constraint WHERE conrelid = 'sensor_readings'::regclass")))
        assert constraints == {
            "pk_sensor_readings", "uq_sensor_readings_device_pk_ts_key",
            "fk_sensor_readings_device_pk_sensor_devices", "fk_sensor_readings_street_id_streets",
        }
        indexes = set(await session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'sensor_readings'")))
        assert {"ix_sensor_readings_street_id", "ix_sensor_readings_ts"} <= indexes
        guarded = await session.execute(
            text("SELECT c.relname, c.relforcerowsecurity, (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
                 "FROM pg_class c WHERE c.relname LIKE 'sensor_readings%' AND c.relkind IN ('r', 'p') AND c.relname <> 'sensor_readings_hourly'")
        )
        assert all(forced and policies == 1 for _, forced, policies in guarded.all())
    before_2000 = [at for at in times + times[::3] if at.year < 2000]  # every other week got its partition
    assert before_2000 and await in_table(owner_db, "sensor_readings_default", street) == len(before_2000)
    # Ingestion goes on: the id sequence was kept.
    await send_at(kernel, "EM-1", datetime.now(UTC) - timedelta(minutes=1), {"voltage": 221})
    assert sum((await months(kernel.db, street)).values()) == sum(before.values()) + 1

    await asyncio.to_thread(migrate.downgrade, kernel, "sensors_0007", owner_url)
    assert await relkind(owner_db, "sensor_readings") == "r"
    assert sum((await months(kernel.db, street)).values()) == sum(before.values()) + 1
    await asyncio.to_thread(migrate.upgrade, kernel, "heads", owner_url)
    assert sum((await months(kernel.db, street)).values()) == sum(before.values()) + 1


@POSTGRES
async def test_a_reading_of_a_week_without_partition_lands_in_default_and_moves_when_it_is_made(kernel, owner_db, registry):
    street = kernel.street_id("changqing")
    old = datetime(2025, 3, 12, 8, 0, tzinfo=UTC)  # no partition for that week
    await send_at(kernel, "EM-1", old, {"voltage": 230})
    assert await in_table(owner_db, "sensor_readings_default", street) == 1
    created, moved = await ensure_partitions(owner_db, old, ahead=0)
    assert created == [partition_for(week_of(old)).name] and moved == 1
    assert await in_table(owner_db, "sensor_readings_default", street) == 0
    assert await in_table(owner_db, partition_for(week_of(old)).name, street) == 1
    async with kernel.db.transaction(street) as session:  # still read through the parent
        assert await session.scalar(select(func.count()).select_from(Reading).where(Reading.ts == old)) == 1
    assert await ensure_partitions(owner_db, old, ahead=0) == ([], 0)  # a rerun changes nothing


@POSTGRES
async def test_retention_over_a_year_drops_expired_partitions_in_bounded_statements_with_every_hour_sealed(kernel, owner_db, registry):
    street = kernel.street_id("changqing")
    start = week_of(NOW - timedelta(days=365))
    await ensure_partitions(owner_db, start, ahead=55)
    times = every(start, NOW - timedelta(hours=2), timedelta(minutes=90))
    for device in ("EM-1", "EM-2", "SD-1"):
        await add_readings(kernel, "changqing", registry.devices[device], times)
    total = 3 * len(times)
    settings = kernel.settings("changqing", "sensors")
    retention = {street: settings, kernel.street_id("gongchen"): kernel.settings("gongchen", "sensors")}
    cutoff = hour_of(NOW - settings.raw_retention)
    expired = [p.name for p in await _partitions(owner_db) if p.upper <= cutoff]
    assert len(expired) >= 47

    with count_statements() as counter:
        result = await retain_history(kernel.db, owner_db, retention, NOW)
    statements = counter.count

    assert result.partitions is not None and sorted(result.partitions.dropped) == sorted(expired)
    assert result.streets[street].pruned == 0  # nothing deleted row by row
    # Per dropped partition: detaching (lock timeout, advisory lock, partition list, detach,
    # its foreign keys listed and dropped),
    # then sealing (lock timeout, advisory lock, detached list, the lock, the street list, a GUC
    # and a seal per street, the GUC reset, the drop); a constant for the rest (partitions
    # ahead, the street's roll-up): not proportional to hours or rows.
    async with kernel.db.transaction() as session:
        streets = await session.scalar(text("SELECT count(*) FROM streets"))
    assert statements <= len(expired) * (14 + 2 * streets) + 60, statements
    kept_from = week_of(cutoff)
    kept = [at for at in times if at >= kept_from]
    async with kernel.db.transaction(street) as session:
        assert await session.scalar(select(func.count()).select_from(Reading)) == 3 * len(kept)
        rows = (await session.execute(
            select(HourlyReading.hour, func.sum(HourlyReading.count), func.bool_and(HourlyReading.sealed))
            .where(HourlyReading.hour < kept_from).group_by(HourlyReading.hour)
        )).all()
    expected = Counter(hour_of(at) for at in times if at < kept_from)
    assert {utc_hour(h): n for h, n, _ in rows} == {h: 3 * n for h, n in expected.items()}
    assert all(sealed for _, _, sealed in rows)
    assert sum(3 * n for n in expected.values()) + 3 * len(kept) == total  # nothing lost

    again = await retain_history(kernel.db, owner_db, retention, NOW)  # a rerun changes nothing
    assert again.partitions.dropped == [] and again.streets[street].pruned == 0


def utc_hour(value) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _partitions(db):
    async with db.transaction() as session:
        return await partitions.partitions(session)


@POSTGRES
async def test_a_street_with_a_shorter_retention_still_deletes_its_expired_rows(kernel, owner_db, registry):
    street, other = kernel.street_id("changqing"), kernel.street_id("gongchen")
    start = week_of(NOW - timedelta(days=60))
    await ensure_partitions(owner_db, start, ahead=10)
    times = every(start, NOW - timedelta(hours=2), timedelta(hours=3))
    await add_readings(kernel, "changqing", registry.devices["EM-1"], times)
    short = kernel.settings("changqing", "sensors").model_copy(update={"raw_retention": timedelta(days=7)})
    retention = {street: short, other: kernel.settings("gongchen", "sensors")}  # 30 days
    result = await retain_history(kernel.db, owner_db, retention, NOW)
    assert result.streets[street].pruned > 0
    async with kernel.db.transaction(street) as session:
        oldest = await session.scalar(select(func.min(Reading.ts)))
    assert utc_hour(oldest) >= hour_of(NOW - timedelta(days=7))


@POSTGRES
async def test_a_straggler_in_default_older_than_every_kept_partition_is_deleted_once_sealed(kernel, owner_db, registry):
    street = kernel.street_id("changqing")
    straggler = NOW - timedelta(days=200)  # its week has no partition: DEFAULT
    await send_at(kernel, "EM-1", straggler, {"voltage": 231})
    await send_at(kernel, "EM-1", NOW - timedelta(days=3), {"voltage": 232})
    assert await in_table(owner_db, "sensor_readings_default", street) >= 1
    retention = {street: kernel.settings("changqing", "sensors"), kernel.street_id("gongchen"): kernel.settings("gongchen", "sensors")}
    result = await retain_history(kernel.db, owner_db, retention, NOW)
    assert result.partitions is not None and result.streets[street].pruned == 1
    async with kernel.db.transaction(street) as session:
        assert await session.scalar(select(func.count()).select_from(Reading).where(Reading.ts < NOW - timedelta(days=30))) == 0
        sealed = (await session.execute(select(HourlyReading.count, HourlyReading.sealed).where(HourlyReading.hour == hour_of(straggler)))).one()
    assert tuple(sealed) == (1, True)


@POSTGRES
async def test_the_app_role_of_one_street_sees_no_reading_of_another_through_the_parent_or_a_partition(kernel, owner_db, registry):
    other = await register_devices(kernel, "gongchen", tag="G")
    a, b = kernel.street_id("changqing"), kernel.street_id("gongchen")
    at = datetime.now(UTC) - timedelta(minutes=5)
    await add_readings(kernel, "changqing", registry.devices["EM-1"], [at])
    await add_readings(kernel, "gongchen", other.devices["EM-G1"], [at, at - timedelta(seconds=1)])
    old = datetime(2025, 3, 12, 8, 0, tzinfo=UTC)
    await add_readings(kernel, "gongchen", other.devices["EM-G1"], [old])
    await ensure_partitions(owner_db, old, ahead=0)  # a partition made at run time
    async with kernel.db.transaction(a) as session:
        assert set(await session.scalars(select(Reading.street_id))) == {a}
        current = partition_for(week_of(at)).name  # made by the migration: the app role may name it
        assert set(await session.scalars(text(f'SELECT street_id FROM "{current}"'))) == {a}
    async with kernel.db.transaction(a) as session:
        try:
            seen = await session.scalar(text(f'SELECT count(*) FROM "{partition_for(week_of(old)).name}"'))
        except DBAPIError as error:  # not granted to the application at all
            assert "permission denied" in str(error)
        else:
            assert seen == 0
    async with kernel.db.transaction() as session:  # no street: nothing
        assert await session.scalar(select(func.count()).select_from(Reading)) == 0
    async with kernel.db.transaction(b) as session:
        assert await session.scalar(select(func.count()).select_from(Reading)) == 3


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_a_device_history_reads_across_partition_boundaries(kernel, registry, client, owner_db):
    monday = week_of(datetime.now(UTC))
    if kernel.db.is_postgres:  # last week's and this week's partitions
        await ensure_partitions(owner_db, monday - PERIOD, ahead=1)
    times = [monday - timedelta(hours=2), monday - timedelta(minutes=1), monday + timedelta(minutes=1)]
    for n, at in enumerate(times):
        await send_at(kernel, "EM-1", at, {"voltage": 200 + n})
    token = await client.token("grid_worker")
    device = _device_id(registry.devices["EM-1"])
    data = await client.query("query($id: ID!) { device(id: $id) { recentReadings(limit: 10) { key value ts } } }", {"id": device}, token=token)
    assert [r["value"] for r in data["device"]["recentReadings"]] == [202, 201, 200]
    retention = {kernel.street_id("changqing"): kernel.settings("changqing", "sensors")}
    await retain_history(kernel.db, owner_db if kernel.db.is_postgres else None, retention, monday + timedelta(hours=2))
    hourly = await client.query(
        "query($id: ID!, $since: DateTime!) { device(id: $id) { hourly(key: \"voltage\", since: $since) { count } } }",
        {"id": device, "since": (monday - timedelta(hours=3)).isoformat()}, token=token,
    )
    assert [h["count"] for h in hourly["device"]["hourly"]] == [1, 1, 1]


def _device_id(pk: int) -> str:
    from jiedao.schema.ids import encode_global_id

    return encode_global_id("Device", pk)


KILLED_RUN = textwrap.dedent('''
    import asyncio, sys
    from datetime import datetime
    from jiedao.core.db import Database
    from jiedao.plugins.sensors.service import partitions

    async def main():
        db = Database(sys.argv[1])
        real = partitions._as_street
        async def stall(session, street_id):
            await real(session, street_id)
            if street_id is None:  # every street sealed, the partition not yet dropped
                print("sealed", flush=True)
                await asyncio.Event().wait()
        partitions._as_street = stall
        await partitions.drop_expired_partitions(db, datetime.fromisoformat(sys.argv[2]))

    asyncio.run(main())
''')


@POSTGRES
async def test_a_drop_killed_half_way_leaves_nothing_done_and_the_next_run_does_it(kernel, owner_db, registry, request):
    street = kernel.street_id("changqing")
    start = week_of(NOW - timedelta(days=70))
    await ensure_partitions(owner_db, start, ahead=1)
    times = every(start, start + PERIOD, timedelta(hours=1))
    await add_readings(kernel, "changqing", registry.devices["EM-1"], times)
    first = partition_for(start)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, request.node.jiedao_owner_url, first.upper.isoformat()],
        stdout=subprocess.PIPE, text=True, env={**os.environ},
    )
    try:
        assert process.stdout.readline().strip() == "sealed"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    # Detached (first transaction, committed), the seal rolled back: nothing sealed, no row lost.
    assert first not in await _partitions(owner_db)
    async with owner_db.transaction() as session:
        assert await partitions.detached(session) == [first.name]
    assert await in_table(owner_db, first.name, street) == len(times)
    async with kernel.db.transaction(street) as session:
        assert await session.scalar(select(func.count()).select_from(HourlyReading)) == 0
    dropped, _ = await partitions.drop_expired_partitions(owner_db, first.upper)  # finishes the detached table
    assert dropped == [first.name]
    async with kernel.db.transaction(street) as session:
        rows = (await session.execute(select(func.sum(HourlyReading.count), func.bool_and(HourlyReading.sealed)))).one()
        assert rows == (len(times), True)
        assert await session.scalar(select(func.count()).select_from(Reading)) == 0
    async with owner_db.transaction() as session:
        assert await partitions.detached(session) == []


@POSTGRES
async def test_a_reader_and_a_late_insert_on_the_parent_during_a_seal_neither_block_it_nor_lose_a_reading(kernel, owner_db, registry, monkeypatch):
    street = kernel.street_id("changqing")
    start = week_of(NOW - timedelta(days=70))
    await ensure_partitions(owner_db, start, ahead=1)
    times = every(start, start + PERIOD, timedelta(hours=1))
    await add_readings(kernel, "changqing", registry.devices["EM-1"], times)
    first = partition_for(start)
    late = start + timedelta(days=3, minutes=30)  # a late reading of the expiring week
    real = partitions.seal_and_drop
    seen = {}

    async def with_reader_and_insert(session, name):
        # After the detach: another connection reads the parent without a ts bound and inserts
        # the late reading, and keeps its transaction (and its locks on the parent) open while
        # the seal and the drop run; a lock wait would fail at lock_timeout, not pass.
        async with kernel.db.transaction(street) as reader:
            seen["count"] = await reader.scalar(text("SELECT count(*) FROM sensor_readings"))
            await reader.execute(insert(Reading), [{"device_pk": registry.devices["EM-1"], "ts": late, "key": "voltage", "value": 1.0, "street_id": street}])
            seen["sealed"] = await real(session, name)
        return seen["sealed"]

    monkeypatch.setattr(partitions, "seal_and_drop", with_reader_and_insert)
    dropped, _ = await partitions.drop_expired_partitions(owner_db, first.upper)
    monkeypatch.setattr(partitions, "seal_and_drop", real)

    assert dropped == [first.name] and seen["sealed"] > 0
    assert seen["count"] == 0  # detached: the expired week is no longer read through the parent
    assert await relkind(owner_db, first.name) is None
    assert await in_table(owner_db, "sensor_readings_default", street) == 1  # the late reading
    retention = {street: kernel.settings("changqing", "sensors"), kernel.street_id("gongchen"): kernel.settings("gongchen", "sensors")}
    result = await retain_history(kernel.db, owner_db, retention, NOW)
    assert result.partition_error is None and result.streets[street].pruned == 1  # the late reading, as a straggler
    async with kernel.db.transaction(street) as session:
        rows = (await session.execute(
            select(func.sum(HourlyReading.count), func.bool_and(HourlyReading.sealed))
            .where(HourlyReading.hour >= start, HourlyReading.hour < first.upper)
        )).one()
        assert await session.scalar(select(func.count()).select_from(Reading).where(Reading.ts < first.upper)) == 0
    assert tuple(rows) == (len(times) + 1, True)  # nothing lost, nothing counted twice


@POSTGRES
async def test_a_week_skipped_while_the_job_was_down_and_a_week_held_in_default_get_their_partitions(kernel, owner_db, registry):
    street = kernel.street_id("changqing")
    start = week_of(NOW - timedelta(days=70))
    await ensure_partitions(owner_db, start, ahead=0)
    gap = start + 3 * PERIOD
    await send_at(kernel, "EM-1", gap + timedelta(hours=5), {"voltage": 230})  # no partition: DEFAULT
    newest = (await _partitions(owner_db))[-1].lower
    later = newest + 4 * PERIOD  # the job was down for four weeks
    created, moved = await ensure_partitions(owner_db, later, ahead=1)
    made = {p.lower for p in await _partitions(owner_db)}
    assert {newest + n * PERIOD for n in range(6)} <= made  # every skipped week up to later + 1
    assert partition_for(gap).name in created and moved == 1
    assert await in_table(owner_db, partition_for(gap).name, street) == 1
    assert await in_table(owner_db, "sensor_readings_default", street) == 0


@POSTGRES
def test_the_rollup_command_maintains_partitions_as_the_owner_and_falls_back_without(jiedao_cli, database_url, request, monkeypatch):
    streets = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}
    owner_url = request.node.jiedao_owner_url
    old = week_of(datetime.now(UTC) - timedelta(days=70))

    async def make_old_partition():
        db = partitions_db(owner_url)
        try:
            await ensure_partitions(db, old, ahead=0)
        finally:
            await db.dispose()

    asyncio.run(make_old_partition())
    monkeypatch.delenv("JIEDAO_MIGRATION_DATABASE_URL", raising=False)
    as_app = jiedao_cli(["sensors", "rollup", "--street", "changqing"], streets=streets, database_url=database_url)
    assert as_app.exit_code == 0, as_app.output
    assert "partitions not maintained (role " in as_app.output and "does not own sensor_readings" in as_app.output
    assert "expired weeks kept until the owner runs maintenance" in as_app.output
    assert "0 raw readings older than" in as_app.output  # the expired week is kept whole, not deleted row by row
    monkeypatch.setenv("JIEDAO_MIGRATION_DATABASE_URL", owner_url)
    as_owner = jiedao_cli(["sensors", "rollup", "--street", "changqing"], streets=streets, database_url=database_url)
    assert as_owner.exit_code == 0, as_owner.output
    assert f"sealed and dropped: {partition_for(old).name}" in as_owner.output
    assert "0 raw readings older than" in as_owner.output


def partitions_db(url: str):
    from jiedao.core.db import Database

    return Database(url)


@POSTGRES
async def test_maintenance_as_a_role_not_owning_the_table_is_skipped_with_one_warning_and_keeps_expired_weeks(kernel, owner_db, registry, caplog, monkeypatch):
    from jiedao.plugins.sensors.service import retention as retention_module

    monkeypatch.setattr(retention_module, "_warned_not_owner", False)
    street = kernel.street_id("changqing")
    start = week_of(NOW - timedelta(days=70))
    await ensure_partitions(owner_db, start, ahead=0)
    times = every(start, start + PERIOD, timedelta(hours=6))
    await add_readings(kernel, "changqing", registry.devices["EM-1"], times)
    retention = {street: kernel.settings("changqing", "sensors"), kernel.street_id("gongchen"): kernel.settings("gongchen", "sensors")}
    caplog.set_level("WARNING", logger="jiedao.sensors.retention")
    for _ in range(2):  # the application's role as the "owner": nothing attempted, twice
        with count_statements() as counter:
            result = await retain_history(kernel.db, kernel.db, retention, NOW)
        assert result.partitions is None and "does not own sensor_readings" in result.partition_error
        assert result.streets[street].pruned == 0  # the expired week is kept whole
        assert counter.count < 60
    warnings = [r for r in caplog.records if r.name == "jiedao.sensors.retention" and "not maintained" in r.getMessage()]
    assert len(warnings) == 1 and "no partition is created ahead" in warnings[0].getMessage()
    assert partition_for(start) in await _partitions(owner_db)
    assert await in_table(owner_db, partition_for(start).name, street) == len(times)


@POSTGRES
async def test_creating_a_partition_locks_the_parent_then_default_before_moving_readings_out(kernel, owner_db, registry, monkeypatch):
    street = kernel.street_id("changqing")
    old = datetime(2025, 3, 12, 8, 0, tzinfo=UTC)
    await send_at(kernel, "EM-1", old, {"voltage": 230})  # in DEFAULT
    real, held = partitions._street_ids, []

    async def street_ids_seeing_locks(session):
        async with owner_db.transaction() as other:  # another connection looks at the locks
            held.append(set(await other.scalars(text(
                "SELECT relation::regclass::text FROM pg_locks WHERE granted AND mode = 'ExclusiveLock' "
                "AND relation IN ('sensor_readings'::regclass, 'sensor_readings_default'::regclass)"
            ))))
        return await real(session)

    monkeypatch.setattr(partitions, "_street_ids", street_ids_seeing_locks)
    created, moved = await ensure_partitions(owner_db, old, ahead=0)
    monkeypatch.setattr(partitions, "_street_ids", real)
    assert created == [partition_for(week_of(old)).name] and moved == 1
    # While the readings move out (inserts into DEFAULT wait; readers do not), both are locked.
    assert {"sensor_readings", "sensor_readings_default"} in held
    await send_at(kernel, "EM-1", old + timedelta(minutes=5), {"voltage": 231})  # now into the new partition
    assert await in_table(owner_db, partition_for(week_of(old)).name, street) == 2
