"""Hourly roll-ups of the readings and pruning of old raw readings."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select

from jiedao.core.db import set_street_guc
from jiedao.plugins.sensors.ingest import store
from jiedao.plugins.sensors.models import HourlyReading, Reading
from jiedao.plugins.sensors.service.alarms import utc
from jiedao.plugins.sensors.service.payloads import Address
from jiedao.plugins.sensors.service.retention import rollup_and_prune, rollup_street
from jiedao.plugins.sensors.service.store import Inbound

from .conftest import running, until

NOW = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)


async def send_at(kernel, device_id: str, at: datetime, values: dict) -> None:
    """One telemetry message stamped ``at``, stored as the ingester would."""
    topic = f"jiedao/changqing/devices/{device_id}/telemetry"
    payload = json.dumps({"ts": int(at.timestamp() * 1000), "values": values}).encode()
    await store(kernel, "changqing", [Inbound(Address("changqing", device_id, "telemetry"), topic, payload, at)])


async def rollup(kernel, now: datetime = NOW, **settings):
    street_id = kernel.street_id("changqing")
    config = kernel.settings("changqing", "sensors").model_copy(update=settings)
    async with kernel.db.transaction(street_id) as session:
        return await rollup_and_prune(session, config, now, street_id=street_id)


async def hourly(kernel) -> dict:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        rows = await session.scalars(select(HourlyReading).order_by(HourlyReading.hour, HourlyReading.key))
        return {
            (row.hour.replace(tzinfo=UTC) if row.hour.tzinfo is None else row.hour.astimezone(UTC), row.key): (row.count, row.min, row.max, row.sum, row.sealed)
            for row in rows
        }


async def raw_count(kernel) -> int:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return await session.scalar(select(func.count()).select_from(Reading))


async def test_readings_across_three_hours_are_rolled_up_and_a_rerun_changes_nothing(kernel, registry):
    base = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    for hour, voltages in enumerate([(220, 230), (210, 215, 240), (200,)]):
        for n, voltage in enumerate(voltages):
            await send_at(kernel, "EM-1", base + timedelta(hours=hour, minutes=10 * n + 1), {"voltage": voltage, "current": n})
    await send_at(kernel, "EM-1", NOW - timedelta(minutes=5), {"voltage": 250})  # the current hour: not complete yet
    await rollup(kernel)
    got = await hourly(kernel)
    assert got[(base, "voltage")] == (2, 220, 230, 450, False)
    assert got[(base + timedelta(hours=1), "voltage")] == (3, 210, 240, 665, False)
    assert got[(base + timedelta(hours=2), "voltage")] == (1, 200, 200, 200, False)
    assert got[(base + timedelta(hours=1), "current")] == (3, 0, 2, 3, False)
    assert (datetime(2026, 11, 28, 12, tzinfo=UTC), "voltage") not in got
    assert len(got) == 6
    await rollup(kernel)
    assert await hourly(kernel) == got
    assert await raw_count(kernel) == 13  # nothing is old enough to prune


async def test_old_readings_are_pruned_only_once_rolled_up_and_late_ones_are_added(kernel, registry):
    old = NOW - timedelta(days=31)
    old_hour = old.replace(minute=0, second=0, microsecond=0)
    await send_at(kernel, "EM-1", old, {"voltage": 220})
    await send_at(kernel, "EM-1", old + timedelta(minutes=1), {"voltage": 230})
    recent = NOW - timedelta(days=2)
    await send_at(kernel, "EM-1", recent, {"voltage": 225})
    # A first run whose window covers the old hour rolls it up without pruning it.
    await rollup(kernel, now=old + timedelta(hours=2))
    assert (await hourly(kernel))[(old_hour, "voltage")] == (2, 220, 230, 450, False)
    assert await raw_count(kernel) == 3

    result = await rollup(kernel)
    got = await hourly(kernel)
    assert got[(old_hour, "voltage")] == (2, 220, 230, 450, True)  # recomputed once more, not doubled
    assert result.pruned == 2 and await raw_count(kernel) == 1
    assert (recent.replace(minute=0, second=0, microsecond=0), "voltage") not in got  # outside the 24 h window
    await rollup(kernel)
    assert await hourly(kernel) == got and await raw_count(kernel) == 1

    # A reading arriving late for the pruned hour is added to its roll-up, then pruned.
    await send_at(kernel, "EM-1", old + timedelta(minutes=2), {"voltage": 100})
    await rollup(kernel)
    await rollup(kernel)
    assert (await hourly(kernel))[(old_hour, "voltage")] == (3, 100, 230, 550, True)
    assert await raw_count(kernel) == 1

    # A longer window reaches the recent hour.
    await rollup(kernel, rollup_window=timedelta(days=3))
    assert (await hourly(kernel))[(recent.replace(minute=0, second=0, microsecond=0), "voltage")] == (1, 225, 225, 225, False)


async def test_a_street_sets_its_raw_retention(make_kernel):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"], "sensors": {"raw_retention": "7d"}}})
    assert kernel.settings("changqing", "sensors").raw_retention == timedelta(days=7)


def test_the_rollup_command(jiedao_cli, tmp_path):
    streets = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}
    url = f"sqlite+aiosqlite:///{tmp_path / 'rollup.db'}"
    assert jiedao_cli(["db", "upgrade"], streets=streets, database_url=url).exit_code == 0
    result = jiedao_cli(["sensors", "rollup", "--street", "changqing"], streets=streets, database_url=url)
    assert result.exit_code == 0, result.output
    assert "0 hourly roll-ups written, 0 raw readings" in result.output
    assert jiedao_cli(["sensors", "rollup", "--street", "nowhere"], streets=streets, database_url=url).exit_code != 0


async def test_a_device_shows_its_hourly_roll_ups(kernel, registry, client):
    base = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    for minutes, voltage in ((5, 220), (20, 230), (65, 210)):
        await send_at(kernel, "EM-1", base + timedelta(minutes=minutes), {"voltage": voltage})
    await rollup(kernel)
    token = await client.token("grid_worker")
    monitors = await client.query("{ devices(kind: ELECTRIC_MONITOR) { edges { node { id deviceId } } } }", token=token)
    em1 = monitors["devices"]["edges"][0]["node"]["id"]
    query = "query($id: ID!, $since: DateTime!) { device(id: $id) { hourly(key: \"voltage\", since: $since) { hour count min max sum mean } } }"
    data = await client.query(query, {"id": em1, "since": (base + timedelta(minutes=30)).isoformat()}, token=token)
    assert data["device"]["hourly"] == [{"hour": "2026-11-28T10:00:00+00:00", "count": 1, "min": 210, "max": 210, "sum": 210, "mean": 210}]
    data = await client.query(query, {"id": em1, "since": base.isoformat()}, token=token)
    assert [(h["count"], h["mean"]) for h in data["device"]["hourly"]] == [(2, 225), (1, 210)]


async def test_the_background_task_of_serve_rolls_up(kernel, registry):
    from jiedao.plugins.sensors.serve import retain
    from jiedao.plugins.sensors.service.alarms import now

    await send_at(kernel, "EM-1", now() - timedelta(hours=2), {"voltage": 220})
    async with running(retain(kernel, interval=3600)):
        await until(lambda: hourly(kernel), what="the background task's hourly roll-up")
        assert [value[0] for value in (await hourly(kernel)).values()] == [1]


async def snapshot(session) -> tuple[dict, list]:
    """The hourly roll-ups and the raw readings (device, key, ts, value) as a session sees them."""
    rows = await session.scalars(select(HourlyReading))
    hourly = {(row.device_pk, row.key, utc(row.hour)): (row.count, row.min, row.max, row.sum, row.sealed) for row in rows}
    raw = await session.execute(select(Reading.device_pk, Reading.key, Reading.ts, Reading.value))
    return hourly, sorted((d, k, utc(ts), v) for d, k, ts, v in raw.all())


@contextlib.contextmanager
def recording(kernel):
    """The SQL statements and commits the kernel's engine sees meanwhile."""
    seen: list[str] = []

    def statement(conn, cursor, text, parameters, context, executemany):
        seen.append(text)

    def commit(conn):
        seen.append("COMMIT")

    engine = kernel.db.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


async def test_a_long_history_is_pruned_in_bounded_transactions_with_the_same_result(kernel, registry):
    street_id = kernel.street_id("changqing")
    config = kernel.settings("changqing", "sensors")
    first = (NOW - timedelta(days=31)).replace(minute=0)
    for hour in range(6):  # six expired hours, three readings each
        at = first + timedelta(hours=hour)
        await send_at(kernel, "EM-1", at + timedelta(minutes=1), {"voltage": 200 + hour})
        await send_at(kernel, "EM-1", at + timedelta(minutes=2), {"voltage": 210 + hour})
        await send_at(kernel, "EM-2", at + timedelta(minutes=3), {"voltage": 220 + hour})
    await send_at(kernel, "EM-1", NOW - timedelta(hours=3), {"voltage": 230})  # recent, in the roll-up window
    await send_at(kernel, "EM-2", NOW - timedelta(days=2), {"voltage": 240})  # kept raw, outside the window
    await rollup(kernel, now=first + timedelta(hours=3))  # an earlier run rolled up the first hours, unsealed
    await send_at(kernel, "EM-1", first + timedelta(minutes=30), {"voltage": 190})  # then a late reading came

    # What one unchunked run leaves, rolled back afterwards.
    async with kernel.db.session(street_id) as session, session.begin() as transaction:
        await set_street_guc(session, street_id)
        with recording(kernel) as unchunked:
            whole = await rollup_and_prune(session, config, NOW, street_id=street_id)
        expected = await snapshot(session)
        await transaction.rollback()
    assert (whole.pruned, whole.more) == (19, False)
    assert sum("DELETE FROM sensor_readings " in s for s in unchunked) == 6  # one statement per hour

    with recording(kernel) as chunked:
        result = await rollup_street(kernel.db, config, NOW, street_id, max_rows=5)
    # At most 5 readings per transaction, rounded up to a whole hour: hours (1, 2), (3, 4), (5, 6).
    assert chunked.count("COMMIT") == 3
    assert sum("DELETE FROM sensor_readings " in s for s in chunked) == 6
    assert (result.pruned, result.rolled_up, result.more) == (19, whole.rolled_up, False)
    async with kernel.db.transaction(street_id) as session:
        assert await snapshot(session) == expected
    hours, raw = expected
    em1 = registry.devices["EM-1"]
    assert hours[(em1, "voltage", first)] == (3, 190, 210, 600, True)  # the late reading is in, nothing doubled
    assert all(sealed for (_, _, hour), (*_, sealed) in hours.items() if hour < result.cutoff)
    assert sorted((ts, value) for _, _, ts, value in raw) == [(NOW - timedelta(days=2), 240), (NOW - timedelta(hours=3), 230)]
