"""Raw readings partitioned by week on PostgreSQL: partitions created ahead, sealed and dropped.

``sensor_readings`` is, on PostgreSQL from ``sensors_0008``, a table partitioned by range of
``ts`` into one partition per UTC week (Monday 00:00 to Monday 00:00), named
``sensor_readings_pYYYYMMDD`` after the week's Monday, plus ``sensor_readings_default``, the
DEFAULT partition, which takes any reading whose week has no partition (a device whose clock is
years off, a replayed buffer older than the oldest kept week), so no reading is ever refused.
SQLite keeps one plain table and nothing here runs there.

Why weekly: a street reports about 10 million raw readings a month and keeps them 30 days
(``raw_retention``); a partition can only be dropped when its newest hour has expired, so raw
history is kept up to one partition longer than the retention: with monthly partitions that is
up to 61 days on disk (twice the retention), with weekly ones at most 37 (+23 %). A week of a
100-street deployment is about 230 million rows (≈ 20 GB with indexes), a size whose indexes
and vacuum stay manageable, and a year is 52 partitions, far below where planning over many
partitions costs anything.

Maintenance (``maintain_partitions``) runs as the schema owner (PostgreSQL lets only the owner
of ``sensor_readings`` create and drop its partitions; ``owner_database``), in one
transaction per partition, so a run killed at any point leaves every partition either wholly
created (its rows moved out of DEFAULT) or not at all, wholly sealed and dropped or untouched;
the next run redoes what is missing:

- ``ensure_partitions``: the partitions of the current week and the next ``AHEAD`` weeks. The
  readings of a new partition's week are moved out of DEFAULT (street by street: row-level
  security binds the owner too, ``FORCE ROW LEVEL SECURITY``) into it; it gets the street
  isolation policy itself, so a role that can name a partition still sees only its street's
  rows (a partition made at run time is not even granted to the application role).
- ``drop_expired_partitions``: every partition whose week ended before ``cutoff``: locked,
  its readings rolled up into ``sensor_readings_hourly`` and sealed (added to an hour already
  sealed by a row delete, replacing an unsealed roll-up: the partition holds all the hour's raw
  readings), street by street, then dropped, all in one transaction: the seal-then-delete
  invariant of ``service.retention`` holds. Its cost is a few statements per street and
  partition, however many readings and hours the partition holds.

Why not pg_partman (``postgresql-15-partman``): its retention drops (or detaches) partitions
on its own schedule, without our roll-up and seal step, so it would lose the hourly history
unless we turned its retention off and kept ours — leaving it only the creation of partitions
ahead, about 40 lines here. It also needs ``CREATE EXTENSION pg_partman`` (a superuser, and the
extension's package in every PostgreSQL image: the official ``postgres`` image has no partman)
in every deployment, and its background worker or a cron to call it. Native declarative
partitioning with the DDL here keeps the deployment a plain PostgreSQL and the sealing under
our test suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

PARENT = "sensor_readings"
DEFAULT = "sensor_readings_default"
PERIOD = timedelta(days=7)
"""One partition per UTC week, Monday 00:00 to Monday 00:00."""
AHEAD = 2
"""Partitions made ahead of the current week, so the roll-up job may miss runs for two weeks."""
_MONDAY = datetime(2000, 1, 3, tzinfo=UTC)
_NAME = re.compile(r"^sensor_readings_p(\d{8})$")
COLUMNS = "id, device_pk, ts, key, value, street_id"
POLICY = "street_id = nullif(current_setting('app.street_id', true), '')::int"
"""The street isolation policy of ``core.migrate.apply_street_isolation``, also on partitions."""


@dataclass(frozen=True, order=True)
class Partition:
    """One weekly partition: ``[lower, upper)``."""

    lower: datetime
    name: str

    @property
    def upper(self) -> datetime:
        """The end of the week (exclusive): the next Monday 00:00 UTC."""
        return self.lower + PERIOD


@dataclass
class MaintenanceResult:
    """What one ``maintain_partitions`` run did."""

    created: list[str]
    dropped: list[str]
    moved: int = 0
    """Readings moved out of DEFAULT into new partitions."""
    sealed: int = 0
    """Hourly roll-up rows written while sealing dropped partitions."""


def week_of(moment: datetime) -> datetime:
    """The start (Monday 00:00 UTC) of the week holding ``moment``."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    weeks = (moment - _MONDAY) // PERIOD
    return _MONDAY + weeks * PERIOD


def partition_for(lower: datetime) -> Partition:
    """The partition of the week starting at ``lower``."""
    return Partition(lower, f"{PARENT}_p{lower:%Y%m%d}")


def _literal(moment: datetime) -> str:
    return "'" + moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00") + "'"


async def is_partitioned(session: AsyncSession) -> bool:
    """True on PostgreSQL when ``sensor_readings`` is a partitioned table (after ``sensors_0008``)."""
    if session.bind.dialect.name != "postgresql":
        return False
    kind = await session.scalar(text("SELECT relkind::text FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT})
    return kind == "p"


async def partitions(session: AsyncSession) -> list[Partition]:
    """The weekly partitions of ``sensor_readings``, oldest first (DEFAULT not included)."""
    names = await session.scalars(
        text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:t)"),
        {"t": PARENT},
    )
    found = []
    for name in names:
        if match := _NAME.match(name):
            found.append(Partition(datetime.strptime(match[1], "%Y%m%d").replace(tzinfo=UTC), name))
    return sorted(found)


LOCK_TIMEOUT = "10s"
"""How long a maintenance transaction waits for a lock (creating or dropping a partition locks
``sensor_readings`` whole for a moment): past it, the transaction gives up, rolls back and the
next run tries again, so a long reader never holds ingestion up behind the maintenance."""


async def _serialise(session: AsyncSession) -> None:
    """One maintenance transaction at a time (two roll-up jobs may run at once), none waiting
    on a lock longer than ``LOCK_TIMEOUT``: the timeout is set first, so waiting for the
    advisory lock itself is bounded too (past it the run fails and the next one retries)."""
    await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('jiedao sensor_readings partitions'))"))


class NotOwner(Exception):
    """The connected role does not own ``sensor_readings``: it can neither create nor drop partitions."""


async def owns_readings(session: AsyncSession) -> bool:
    """True when the connected role owns ``sensor_readings`` (or is a member of its owner)."""
    return bool(await session.scalar(text("SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT}))


async def _street_ids(session: AsyncSession) -> list[int]:
    return list(await session.scalars(text("SELECT id FROM streets ORDER BY id")))


async def _as_street(session: AsyncSession, street_id: int | None) -> None:
    await session.execute(text("SELECT set_config('app.street_id', :v, true)"), {"v": "" if street_id is None else str(street_id)})


async def protect(session: AsyncSession, table: str) -> None:
    """Row-level security forced on ``table`` with the street isolation policy."""
    await session.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
    await session.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
    await session.execute(text(f'DROP POLICY IF EXISTS street_isolation ON "{table}"'))
    await session.execute(text(f'CREATE POLICY street_isolation ON "{table}" USING ({POLICY})'))


async def create_partition(session: AsyncSession, lower: datetime) -> int:
    """Create the partition of the week starting at ``lower`` (in the caller's transaction),
    moving its week's readings out of DEFAULT; the number of readings moved.

    The readings are set aside in a temporary table, street by street, the partition is
    created, and they are inserted back through ``sensor_readings`` (so that foreign keys are
    checked row by row: validating them on ``ATTACH`` would read ``sensor_devices`` under
    row-level security, which binds the owner too)."""
    partition = partition_for(lower)
    # Parent first, as every inserter does, then DEFAULT: no reading enters DEFAULT between
    # the move and the CREATE (which would then fail validating DEFAULT). Readers still read.
    await session.execute(text(f"LOCK TABLE ONLY {PARENT} IN EXCLUSIVE MODE"))
    await session.execute(text(f"LOCK TABLE {DEFAULT} IN EXCLUSIVE MODE"))
    streets = await _street_ids(session)
    await session.execute(text(f"CREATE TEMPORARY TABLE moving_readings (LIKE {PARENT}) ON COMMIT DROP"))
    moved = 0
    move_out = text(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE ts >= :lower AND ts < :upper RETURNING {COLUMNS}) "
        f"INSERT INTO moving_readings ({COLUMNS}) SELECT {COLUMNS} FROM moved"
    )
    holding = []
    for street_id in streets:
        await _as_street(session, street_id)
        count = (await session.execute(move_out, {"lower": partition.lower, "upper": partition.upper})).rowcount or 0
        if count:
            holding.append(street_id)
            moved += count
    await session.execute(
        text(f'CREATE TABLE "{partition.name}" PARTITION OF {PARENT} FOR VALUES FROM ({_literal(partition.lower)}) TO ({_literal(partition.upper)})')
    )
    await protect(session, partition.name)
    move_in = text(f"INSERT INTO {PARENT} ({COLUMNS}) SELECT {COLUMNS} FROM moving_readings WHERE street_id = :street")
    for street_id in holding:
        await _as_street(session, street_id)
        await session.execute(move_in, {"street": street_id})
    await _as_street(session, None)
    await session.execute(text("DROP TABLE moving_readings"))
    return moved


_SEAL = """
INSERT INTO sensor_readings_hourly AS h (street_id, device_pk, key, hour, count, min, max, sum, sealed)
SELECT street_id, device_pk, key, date_trunc('hour', ts, 'UTC'), count(*), min(value), max(value), sum(value), true
FROM "{partition}" WHERE street_id = :street
GROUP BY street_id, device_pk, key, date_trunc('hour', ts, 'UTC')
ON CONFLICT (device_pk, hour, key) DO UPDATE SET
    count = CASE WHEN h.sealed THEN h.count + excluded.count ELSE excluded.count END,
    min = CASE WHEN h.sealed THEN least(h.min, excluded.min) ELSE excluded.min END,
    max = CASE WHEN h.sealed THEN greatest(h.max, excluded.max) ELSE excluded.max END,
    sum = CASE WHEN h.sealed THEN h.sum + excluded.sum ELSE excluded.sum END,
    sealed = true
"""


async def detached(session: AsyncSession) -> list[str]:
    """Weekly tables detached from ``sensor_readings`` but not yet sealed and dropped (a run
    stopped between its two transactions), oldest first."""
    names = await session.scalars(
        text(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname ~ '^sensor_readings_p[0-9]{8}$' "
            "AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass(:t)) "
            "AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) ORDER BY c.relname"
        ),
        {"t": PARENT},
    )
    return list(names)


async def detach(session: AsyncSession, partition: Partition) -> None:
    """Detach ``partition`` from ``sensor_readings`` (its own short transaction: the parent is
    locked ACCESS EXCLUSIVE only for this, within ``LOCK_TIMEOUT``). ``CONCURRENTLY`` is not
    possible while a DEFAULT partition exists. Its foreign keys are dropped in the same
    transaction: dropping the table later would otherwise lock ``sensor_devices`` and
    ``streets``, which every inserter holds a lock on."""
    await session.execute(text(f'ALTER TABLE {PARENT} DETACH PARTITION "{partition.name}"'))
    keys = await session.scalars(
        text("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:t) AND contype = 'f'"), {"t": f'"{partition.name}"'}
    )
    for key in list(keys):
        await session.execute(text(f'ALTER TABLE "{partition.name}" DROP CONSTRAINT "{key}"'))


async def seal_and_drop(session: AsyncSession, name: str) -> int:
    """Roll every reading of the detached table ``name`` up into sealed hourly rows, then drop
    it (in the caller's transaction); the number of roll-up rows written. Only this table is
    locked: readers and inserters of ``sensor_readings`` no longer reach it."""
    await session.execute(text(f'LOCK TABLE "{name}" IN ACCESS EXCLUSIVE MODE'))
    sealed = 0
    for street_id in await _street_ids(session):
        await _as_street(session, street_id)
        sealed += (await session.execute(text(_SEAL.format(partition=name)), {"street": street_id})).rowcount or 0
    await _as_street(session, None)
    await session.execute(text(f'DROP TABLE "{name}"'))
    return sealed


async def _weeks_in_default(session: AsyncSession, since: datetime) -> set[datetime]:
    """The weeks (from ``since``) DEFAULT holds readings of, read street by street (forced RLS)."""
    weeks: set[datetime] = set()
    query = text(f"SELECT DISTINCT date_trunc('week', ts, 'UTC') FROM {DEFAULT} WHERE ts >= :since")
    for street_id in await _street_ids(session):
        await _as_street(session, street_id)
        weeks.update(week_of(w) for w in await session.scalars(query, {"since": since}))
    await _as_street(session, None)
    return weeks


async def ensure_partitions(db, now: datetime, ahead: int = AHEAD) -> tuple[list[str], int]:
    """The partitions of the current week and ``ahead`` more, and of every week skipped since
    the newest existing one (the job was down) or held in DEFAULT since the oldest existing
    one, each created in its own transaction on ``db`` (the owner's); the names created and
    the readings moved."""
    last = week_of(now) + ahead * PERIOD
    async with db.transaction() as session:
        existing = await partitions(session)
        wanted = {week_of(now) + n * PERIOD for n in range(ahead + 1)}
        if existing:
            week = existing[-1].upper
            while week <= last:  # weeks skipped while the job was down
                wanted.add(week)
                week += PERIOD
            wanted |= {w for w in await _weeks_in_default(session, existing[0].lower) if w <= last}
    created, moved = [], 0
    for lower in sorted(wanted):
        async with db.transaction() as session:
            await _serialise(session)
            if partition_for(lower) in await partitions(session):
                continue
            moved += await create_partition(session, lower)
        created.append(partition_for(lower).name)
    return created, moved


async def finish_detached(db) -> tuple[list[str], int]:
    """Seal and drop the tables a stopped run detached but did not drop; names and roll-up rows."""
    dropped, sealed = [], 0
    async with db.transaction() as session:
        names = await detached(session)
    for name in names:
        async with db.transaction() as session:
            await _serialise(session)
            if name not in await detached(session):  # another run finished it meanwhile
                continue
            sealed += await seal_and_drop(session, name)
        dropped.append(name)
    return dropped, sealed


async def drop_expired_partitions(db, cutoff: datetime) -> tuple[list[str], int]:
    """Seal and drop every partition whose week ended at or before ``cutoff``, oldest first,
    in two transactions each: a short one detaching it, then one sealing and dropping the
    detached table; tables left detached by an earlier run are finished first. The names
    dropped and the roll-up rows written.

    Between the two, the week's raw readings are no longer visible through
    ``sensor_readings`` (they are past every street's retention anyway); its hours keep the
    roll-ups the recent-hours runs wrote until the seal replaces them with sealed ones from the
    detached table. A late reading of that week inserted meanwhile lands in DEFAULT and is
    sealed (added to the hour) by the row delete of stragglers (``retention.retain_history``)."""
    dropped, sealed = await finish_detached(db)
    async with db.transaction() as session:
        expired = [p for p in await partitions(session) if p.upper <= cutoff]
    for partition in expired:
        async with db.transaction() as session:
            await _serialise(session)
            if partition not in await partitions(session):  # another run dropped it meanwhile
                continue
            await detach(session, partition)
        async with db.transaction() as session:
            await _serialise(session)
            if partition.name not in await detached(session):
                continue
            sealed += await seal_and_drop(session, partition.name)
        dropped.append(partition.name)
    return dropped, sealed


async def maintain_partitions(db, now: datetime, cutoff: datetime) -> MaintenanceResult | None:
    """Partitions ahead of ``now`` created and those expired at ``cutoff`` sealed and dropped,
    on ``db`` connected as the owner of ``sensor_readings``; None when the table is not
    partitioned (SQLite, or PostgreSQL before ``sensors_0008``). Raises ``NotOwner`` before
    doing anything when the role does not own the table."""
    async with db.transaction() as session:
        if not await is_partitioned(session):
            return None
        if not await owns_readings(session):
            role = await session.scalar(text("SELECT current_user"))
            raise NotOwner(f"role {role} does not own {PARENT}")
    created, moved = await ensure_partitions(db, now)
    dropped, sealed = await drop_expired_partitions(db, cutoff)
    return MaintenanceResult(created, dropped, moved, sealed)
