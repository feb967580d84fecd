"""History retention: hourly roll-ups of the readings, and pruning of old raw readings.

``rollup_and_prune`` keeps ``sensor_readings_hourly`` (count, min, max, sum per device,
key and UTC hour) up to date and deletes raw readings older than the street's
``raw_retention``, in the caller's transaction, so a raw reading is never deleted before
its hour is rolled up and sealed. It is idempotent: running it twice at the same ``now``
changes nothing the second time.

How: every run recomputes, from the raw readings, the complete hours of the last
``rollup_window`` (replacing their roll-ups). Hours older than the retention cutoff
(rounded down to the hour, so an hour is pruned whole) are handled oldest first, one
hour per statement: the hour's raw readings are deleted and exactly the deleted ones are
rolled up one last time into the hour's roll-ups, which are marked ``sealed``, in the
same transaction. A reading arriving later for a sealed hour is added to that hour's
roll-up when it is pruned in turn, so nothing is counted twice and nothing is lost.

A first run over a long history has many hours to prune. ``rollup_street`` works through
them in transactions of at most ``PRUNE_BATCH`` raw readings (rounded up to a whole hour)
each, so no transaction holds locks and WAL for the whole backlog; every transaction
leaves the invariant above true.

On PostgreSQL the raw readings are partitioned by week (``service.partitions``) and
``retain_history`` drives both mechanisms. ``raw_retention`` is a per-street setting but a
partition holds every street's readings, so: a partition is sealed and dropped whole once its
week ended before the *longest* ``raw_retention`` of any sensors street (the fast path: a
few statements per street and partition, whatever its size); a street with that longest
retention then deletes no rows at all except stragglers older than the oldest kept partition
(readings that landed in DEFAULT); a street with a *shorter* retention keeps deleting its
expired rows hour by hour as above (the fallback), so its own retention still holds. The
fallback also covers every street when the readings are not partitioned (SQLite, a table not
yet converted). When partitions exist but cannot be maintained (the role does not own the
table: no ``JIEDAO_MIGRATION_DATABASE_URL``; a lock timeout), a street with the longest
retention still deletes only readings older than the oldest existing partition's start: the
expired weeks are kept whole until a run can seal and drop them. Raw readings of a street with
the longest retention therefore live at least one week longer than its setting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.plugins.sensors.models import HourlyReading, Reading
from jiedao.plugins.sensors.nbiot.deliveries import forget_deliveries
from jiedao.plugins.sensors.service.partitions import MaintenanceResult, NotOwner, is_partitioned, maintain_partitions, partitions
from jiedao.plugins.sensors.service.alarms import utc
from jiedao.plugins.sensors.settings import SensorsSettings

PRUNE_BATCH = 50_000
"""Raw readings ``rollup_street`` deletes per transaction at most (rounded up to a whole hour)."""
HOUR = timedelta(hours=1)
log = logging.getLogger("jiedao.sensors.retention")


@dataclass
class RollupResult:
    """What one run did: roll-up rows written (replaced or merged) and raw readings deleted."""

    rolled_up: int = 0
    pruned: int = 0
    cutoff: datetime | None = None
    more: bool = False
    """Expired raw readings remain (the run stopped at its bound): run again, in a new transaction."""

    def add(self, other: RollupResult) -> RollupResult:
        """This result with the counts of ``other`` (a later run) added; ``other``'s cutoff and ``more``."""
        return RollupResult(self.rolled_up + other.rolled_up, self.pruned + other.pruned, other.cutoff, other.more)


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour holding ``moment``."""
    return utc(moment).astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _hour_expression(dialect: str):
    if dialect == "postgresql":
        return func.date_trunc("hour", Reading.ts, "UTC")
    # SQLite keeps aware datetimes as UTC text: cut it at the hour.
    return func.strftime("%Y-%m-%d %H:00:00", Reading.ts)


def _as_hour(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return utc(value).astimezone(UTC)


async def _aggregates(session: AsyncSession, street_id: int | None, lower: datetime | None, upper: datetime) -> list[dict]:
    """Count, min, max and sum of raw readings in ``[lower, upper)`` per device, key and hour."""
    hour = _hour_expression(session.bind.dialect.name).label("hour")
    query = (
        select(Reading.street_id, Reading.device_pk, Reading.key, hour, func.count(), func.min(Reading.value), func.max(Reading.value), func.sum(Reading.value))
        .where(Reading.ts < upper)
        .group_by(Reading.street_id, Reading.device_pk, Reading.key, hour)
    )
    if lower is not None:
        query = query.where(Reading.ts >= lower)
    if street_id is not None:
        query = query.where(Reading.street_id == street_id)
    rows = await session.execute(query)
    return [
        {"street_id": s, "device_pk": d, "key": k, "hour": _as_hour(h), "count": n, "min": lo, "max": hi, "sum": total, "sealed": False}
        for s, d, k, h, n, lo, hi, total in rows.all()
    ]


async def _upsert(session: AsyncSession, rows: list[dict], *, seal: bool) -> None:
    """Write roll-ups: replace unsealed rows; with ``seal``, also add to sealed rows and seal."""
    if not rows:
        return
    dialect = session.bind.dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(HourlyReading)
    ex, table = insert.excluded, HourlyReading.__table__.c
    if seal:
        least = func.least if dialect == "postgresql" else func.min
        greatest = func.greatest if dialect == "postgresql" else func.max
        sealed = table.sealed
        values = {
            "count": case((sealed, table.count + ex.count), else_=ex.count),
            "min": case((sealed, least(table.min, ex.min)), else_=ex.min),
            "max": case((sealed, greatest(table.max, ex.max)), else_=ex.max),
            "sum": case((sealed, table.sum + ex.sum), else_=ex.sum),
            "sealed": True,
        }
        statement = insert.on_conflict_do_update(index_elements=["device_pk", "hour", "key"], set_=values)
        rows = [{**row, "sealed": True} for row in rows]
    else:
        values = {"count": ex.count, "min": ex.min, "max": ex.max, "sum": ex.sum}
        statement = insert.on_conflict_do_update(index_elements=["device_pk", "hour", "key"], set_=values, where=table.sealed.is_(False))
    for start in range(0, len(rows), 1000):
        await session.execute(statement, rows[start : start + 1000])


async def _oldest_expired(session: AsyncSession, street_id: int | None, cutoff: datetime) -> datetime | None:
    """The hour of the oldest raw reading before ``cutoff``, or None when there is none."""
    query = select(func.min(Reading.ts)).where(Reading.ts < cutoff)
    if street_id is not None:
        query = query.where(Reading.street_id == street_id)
    oldest = await session.scalar(query)
    return None if oldest is None else hour_of(_as_hour(oldest))


async def _seal_and_prune(session: AsyncSession, street_id: int | None, hour: datetime) -> tuple[int, int]:
    """Delete the raw readings of ``hour`` and seal its roll-ups with exactly those readings;
    ``(roll-up rows written, raw readings deleted)``."""
    table = Reading.__table__
    where = [table.c.ts >= hour, table.c.ts < hour + HOUR]
    if street_id is not None:
        where.append(table.c.street_id == street_id)
    if session.bind.dialect.name == "postgresql":
        # One statement: under READ COMMITTED a reading committed between a separate
        # aggregate and delete would be deleted without being rolled up.
        gone = delete(table).where(*where).returning(table.c.street_id, table.c.device_pk, table.c.key, table.c.value).cte("gone")
        found = await session.execute(
            select(gone.c.street_id, gone.c.device_pk, gone.c.key, func.count(), func.min(gone.c.value), func.max(gone.c.value), func.sum(gone.c.value))
            .group_by(gone.c.street_id, gone.c.device_pk, gone.c.key)
        )
        rows = [
            {"street_id": s, "device_pk": d, "key": k, "hour": hour, "count": n, "min": lo, "max": hi, "sum": total, "sealed": False}
            for s, d, k, n, lo, hi, total in found.all()
        ]
        pruned = sum(row["count"] for row in rows)
    else:
        # SQLite: the transaction reads one snapshot, so both statements see the same readings.
        rows = await _aggregates(session, street_id, hour, hour + HOUR)
        deleted = await session.execute(delete(table).where(*where))
        pruned = deleted.rowcount or 0
    await _upsert(session, rows, seal=True)
    return len(rows), pruned


async def rollup_and_prune(
    session: AsyncSession, settings: SensorsSettings, now: datetime, street_id: int | None = None, *, max_rows: int | None = None,
    prune_before: datetime | None = None,
) -> RollupResult:
    """Roll up complete hours of raw readings into ``sensor_readings_hourly`` and delete raw
    readings older than ``settings.raw_retention`` (rounded down to the hour) once rolled up.

    Runs in the caller's transaction (the street's, so row-level security or
    ``street_id`` limits it to one street). Idempotent for a given ``now``. Expired hours
    are pruned oldest first, one statement per hour. With ``max_rows`` the run stops after
    the hour that reaches that many deleted readings; if expired readings remain it sets
    ``more`` and leaves the recent hours to the next run (``rollup_street`` loops). With
    ``prune_before`` (earlier than the retention's cutoff) only raw readings older than it are
    deleted: the rest go with their partition (``retain_history``).
    """
    current = hour_of(now)
    cutoff = hour_of(utc(now) - settings.raw_retention)
    prune_cutoff = cutoff if prune_before is None else min(cutoff, hour_of(prune_before))
    result = RollupResult(cutoff=prune_cutoff)
    hours = 0
    while (hour := await _oldest_expired(session, street_id, prune_cutoff)) is not None:
        if max_rows is not None and hours and result.pruned >= max_rows:
            result.more = True
            return result
        hours += 1
        rolled_up, pruned = await _seal_and_prune(session, street_id, hour)
        result.rolled_up += rolled_up
        result.pruned += pruned
    # Recent complete hours: recompute from the raw readings.
    start = max(cutoff, current - settings.rollup_window)
    if start < current:
        recent = await _aggregates(session, street_id, start, current)
        await _upsert(session, recent, seal=False)
        result.rolled_up += len(recent)
    return result


async def rollup_street(
    db: Any, settings: SensorsSettings, now: datetime, street_id: int, *, max_rows: int = PRUNE_BATCH, prune_before: datetime | None = None
) -> RollupResult:
    """``rollup_and_prune`` for one street, in as many transactions as it takes, each one
    deleting at most ``max_rows`` raw readings (rounded up to a whole hour); the totals."""
    total = RollupResult()
    while True:
        async with db.transaction(street_id) as session:
            result = await rollup_and_prune(session, settings, now, street_id=street_id, max_rows=max_rows, prune_before=prune_before)
            if not result.more:  # NB-IoT: keys of platform messages past any retry
                await forget_deliveries(session, street_id, utc(now) - settings.nbiot.remember_deliveries)
        total = total.add(result)
        if not result.more:
            return total


@dataclass
class HistoryResult:
    """What one ``retain_history`` run did: per street, and to the partitions (None when the
    readings are not partitioned or the partitions could not be maintained)."""

    streets: dict[int, RollupResult]
    partitions: MaintenanceResult | None = None
    partition_error: str | None = None
    failures: dict[int, BaseException] = field(default_factory=dict)
    """Streets whose roll-up failed (logged; the other streets still ran)."""


_warned_not_owner = False


def _warn_not_maintained(error: Exception) -> str:
    """Log why partitions were not maintained; a role that does not own the table is warned of
    once per process (every run would say the same)."""
    global _warned_not_owner
    reason = str(error).splitlines()[0]
    if isinstance(error, NotOwner):
        if not _warned_not_owner:
            _warned_not_owner = True
            log.warning(
                "sensor_readings partitions not maintained (%s): no partition is created ahead (new weeks' readings land "
                "in DEFAULT) and expired weeks are kept until the owner (JIEDAO_MIGRATION_DATABASE_URL) runs maintenance",
                reason,
            )
    else:
        log.warning("sensor_readings partitions not maintained (%s): retried next run; expired weeks kept meanwhile", reason)
    return reason


async def _oldest_partition_start(db: Any) -> datetime | None:
    """The start of the oldest weekly partition of ``sensor_readings``; None when not partitioned."""
    async with db.transaction() as session:
        if not await is_partitioned(session):
            return None
        found = await partitions(session)
    return found[0].lower if found else None


async def retain_history(
    db: Any, owner_db: Any | None, retention: dict[int, SensorsSettings], now: datetime, *, only: int | None = None, max_rows: int = PRUNE_BATCH
) -> HistoryResult:
    """Partitions maintained on ``owner_db`` (created ahead; sealed and dropped past the
    longest ``raw_retention`` of ``retention``, the settings of every sensors street), then
    every street of ``retention`` (or ``only`` that one) rolled up and pruned on ``db`` as the
    module's docstring decides. A failure to maintain partitions (e.g. the role does not own
    the table) is logged; streets with the longest retention then delete only readings older
    than the oldest partition, the others their expired rows."""
    result = HistoryResult({})
    longest = max((s.raw_retention for s in retention.values()), default=None)
    if owner_db is not None and longest is not None:
        try:
            result.partitions = await maintain_partitions(owner_db, now, hour_of(utc(now) - longest))
        except Exception as error:  # noqa: BLE001 - retried next run; expired weeks are kept meanwhile
            result.partition_error = _warn_not_maintained(error)
    keep_from = await _oldest_partition_start(db) if longest is not None else None
    for street_id, settings in retention.items():
        if only is not None and street_id != only:
            continue
        prune_before = keep_from if keep_from is not None and settings.raw_retention == longest else None
        try:
            result.streets[street_id] = await rollup_street(db, settings, now, street_id, max_rows=max_rows, prune_before=prune_before)
        except Exception as error:  # noqa: BLE001 - one street's failure does not stop the others
            log.exception("sensors roll-up failed in street %s", street_id)
            result.failures[street_id] = error
    return result
