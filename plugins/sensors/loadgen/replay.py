"""History written straight into the database: ``days`` of a street's readings at the kinds'
rates (the same schedule the publisher follows, without faults), ending at ``end``; for
sizing the database and timing the roll-up and retention on a realistic volume.

PostgreSQL gets the rows as arrays through ``INSERT ... SELECT FROM unnest(...)`` (COPY is
refused on a table under row-level security), ``CHUNK`` rows a statement; SQLite a
multi-row insert.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, text

from jiedao.plugins.sensors.loadgen.schedule import SimDevice, schedule
from jiedao.plugins.sensors.models import Device, Reading

CHUNK = 100_000
PER_TRANSACTION = 500_000
UNNEST = text(
    "INSERT INTO sensor_readings (street_id, device_pk, ts, key, value) "
    "SELECT :street_id, p, t, k, v FROM unnest(CAST(:pks AS bigint[]), CAST(:ts AS timestamptz[]), CAST(:keys AS text[]), CAST(:vals AS float8[])) AS r(p, t, k, v)"
)


@dataclass
class ReplayResult:
    """What a replay wrote, and how long it took."""

    messages: int = 0
    readings: int = 0
    seconds: float = 0.0


def planned_rows(devices: list[SimDevice], pks: dict[str, int], start: datetime, seconds: float, seed: int):
    """(device pk, ts, key, value) of every reading the fleet sends in ``seconds`` from ``start``,
    booleans as 0/1, in time order; and it counts the messages in ``counter[0]``."""
    for message in schedule(devices, seconds, seed=seed, fault_rate=0.0):
        ts = start + timedelta(milliseconds=int(message.at * 1000))
        pk = pks[message.device_id]
        for key, value in message.values.items():
            yield message, (pk, ts, key, float(value))


async def replay(kernel, street: str, days: float, *, end: datetime, seed: int = 0, progress=None) -> ReplayResult:
    """Write ``days`` of the street's registered devices' readings, ending at ``end``."""
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        rows = (await session.execute(select(Device.id, Device.device_id, Device.kind).where(Device.status != "RETIRED").order_by(Device.id))).all()
    devices = [SimDevice(street, device_id, kind) for _, device_id, kind in rows]
    pks = {device_id: pk for pk, device_id, _ in rows}
    seconds = days * 86400
    start = end - timedelta(seconds=seconds)
    result = ReplayResult()
    began = time.perf_counter()
    postgres = kernel.db.is_postgres
    batch: list[tuple] = []
    last_message = None

    async def flush(session) -> None:
        if not batch:
            return
        if postgres:
            pk, ts, key, value = zip(*batch)
            await session.execute(UNNEST, {"street_id": street_id, "pks": list(pk), "ts": list(ts), "keys": list(key), "vals": list(value)})
        else:
            await session.execute(insert(Reading), [{"street_id": street_id, "device_pk": p, "ts": t, "key": k, "value": v} for p, t, k, v in batch])
        result.readings += len(batch)
        batch.clear()
        if progress:
            progress(result)

    rows_iter = planned_rows(devices, pks, start, seconds, seed)
    done = False
    while not done:
        async with kernel.db.transaction(street_id) as session:
            written = 0
            for message, row in rows_iter:
                if message is not last_message:
                    result.messages += 1
                    last_message = message
                batch.append(row)
                if len(batch) >= CHUNK:
                    written += len(batch)
                    await flush(session)
                    if written >= PER_TRANSACTION:
                        break
            else:
                done = True
            await flush(session)
    result.seconds = time.perf_counter() - began
    return result
