"""History retention: hourly roll-ups of the readings, and pruning of old raw readings.

``rollup_and_prune`` keeps ``sensor_readings_hourly`` (count, min, max, sum per device,
key and UTC hour) up to date and deletes raw readings older than the street's
``raw_retention``, in the caller's transaction, so a raw reading is never deleted before
its hour is rolled up. It is idempotent: running it twice at the same ``now`` changes
nothing the second time.

How: every run recomputes, from the raw readings, the complete hours of the last
``rollup_window`` (replacing their roll-ups). Hours older than the retention cutoff
(rounded down to the hour, so an hour is pruned whole) are recomputed one last time,
marked ``sealed`` and their raw readings deleted. A reading arriving later for a sealed
hour is added to that hour's roll-up when it is pruned in turn, so nothing is counted
twice and nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.sensors.models import HourlyReading, Reading
from plugins.sensors.service.alarms import utc
from plugins.sensors.settings import SensorsSettings


@dataclass
class RollupResult:
    """What one run did: roll-up rows written (replaced or merged) and raw readings deleted."""

    rolled_up: int = 0
    pruned: int = 0
    cutoff: datetime | None = None


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


async def rollup_and_prune(session: AsyncSession, settings: SensorsSettings, now: datetime, street_id: int | None = None) -> RollupResult:
    """Roll up complete hours of raw readings into ``sensor_readings_hourly`` and delete raw
    readings older than ``settings.raw_retention`` (rounded down to the hour) once rolled up.

    Runs in the caller's transaction (the street's, so row-level security or
    ``street_id`` limits it to one street). Idempotent for a given ``now``.
    """
    current = hour_of(now)
    cutoff = hour_of(utc(now) - settings.raw_retention)
    result = RollupResult(cutoff=cutoff)
    # Hours to be pruned: recompute them one last time (or add late readings), seal them.
    old = await _aggregates(session, street_id, None, cutoff)
    await _upsert(session, old, seal=True)
    result.rolled_up += len(old)
    if old:
        prune = delete(Reading).where(Reading.ts < cutoff)
        if street_id is not None:
            prune = prune.where(Reading.street_id == street_id)
        deleted = await session.execute(prune.execution_options(synchronize_session=False))
        result.pruned = deleted.rowcount or 0
    # Recent complete hours: recompute from the raw readings.
    start = max(cutoff, current - settings.rollup_window)
    if start < current:
        recent = await _aggregates(session, street_id, start, current)
        await _upsert(session, recent, seal=False)
        result.rolled_up += len(recent)
    return result

