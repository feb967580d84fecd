"""The set-based reads and writes of ingestion: a constant number of statements per batch.

Through the ORM a batch of N messages costs an object per device and an UPDATE per
device row; here it costs three statements whatever N is: lock the devices, insert the
readings, update the devices (on PostgreSQL the last two are one, ``write_back``). PostgreSQL receives arrays (``unnest``), so the statement
text, and with it asyncpg's prepared statement, is the same for every batch; SQLite
receives one ``executemany`` of plain tuples.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.plugins.sensors.models import Device

STATE_COLUMNS = (
    Device.id,
    Device.street_id,
    Device.device_id,
    Device.kind,
    Device.name,
    Device.building_id,
    Device.unit_id,
    Device.resident_id,
    Device.status,
    Device.last_seen_at,
    Device.latest,
    Device.latest_at,
    Device.pending,
)


@dataclass(slots=True)
class DeviceState:
    """A device row as ingestion reads and changes it, without ORM bookkeeping."""

    id: int
    street_id: int
    device_id: str
    kind: str
    name: str
    building_id: int | None
    unit_id: int | None
    resident_id: int | None
    status: str
    last_seen_at: datetime | None
    latest: dict[str, Any]
    latest_at: datetime | None
    pending: dict[str, str]
    _row: Device | None = None

    def row(self) -> Device:
        """A detached ``Device`` with these values, for alarms and their announcements (made
        once per batch; the values that change while a batch is stored are brought up to date)."""
        if self._row is None:
            self._row = Device(**{column.key: getattr(self, column.key) for column in STATE_COLUMNS})
        else:
            row = self._row
            row.status, row.last_seen_at, row.latest_at = self.status, self.last_seen_at, self.latest_at
        return self._row


def _postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def lock_devices(session: AsyncSession, device_ids: Iterable[str]) -> dict[str, DeviceState]:
    """The states of the street's devices among ``device_ids``, by device id, locked until
    the transaction ends (``FOR UPDATE`` in id order, so two batches cannot deadlock; on
    SQLite, the database's write lock)."""
    ids = sorted(set(device_ids))
    if _postgres(session):
        wanted = Device.device_id == any_(bindparam("device_ids", ids, type_=ARRAY(String)))
    else:
        # A write first takes SQLite's write lock before anything is read: another process
        # storing the same devices waits (busy_timeout) instead of reading state this
        # transaction is about to overwrite.
        await (await session.connection()).exec_driver_sql("UPDATE sensor_devices SET id = id WHERE 0")
        wanted = Device.device_id.in_(ids)
    rows = await session.execute(select(*STATE_COLUMNS).where(wanted).order_by(Device.id).with_for_update())
    states = (DeviceState(*row) for row in rows)
    return {state.device_id: state for state in states}


_INSERT_READINGS_PG = text(
    "INSERT INTO sensor_readings (street_id, device_pk, ts, key, value) "
    "SELECT :street_id, r.device_pk, r.ts, r.key, r.value "
    "FROM unnest(CAST(:device_pks AS integer[]), CAST(:ts AS timestamptz[]), CAST(:keys AS varchar[]), CAST(:values AS float8[])) "
    "AS r(device_pk, ts, key, value) "
    "ON CONFLICT (device_pk, ts, key) DO NOTHING"
)

_INSERT_READINGS_SQLITE = (
    "INSERT INTO sensor_readings (street_id, device_pk, ts, key, value) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (device_pk, ts, key) DO NOTHING"
)


def _sqlite_time(moment: datetime | None) -> str | None:
    """``moment`` as SQLAlchemy stores a UTC DateTime in SQLite."""
    return None if moment is None else moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]


async def insert_readings(session: AsyncSession, street_id: int, readings: list[tuple[int, datetime, str, float]]) -> None:
    """Insert ``(device pk, ts, key, value)`` readings of one street; a reading already
    stored (same device, time and key) is skipped, not duplicated."""
    if not readings:
        return
    if _postgres(session):
        pks, stamps, keys, values = map(list, zip(*readings, strict=True))
        await session.execute(_INSERT_READINGS_PG, {"street_id": street_id, "device_pks": pks, "ts": stamps, "keys": keys, "values": values})
        return
    # Plain tuples straight to the driver: SQLAlchemy's per-row parameter processing would
    # cost more than the insert itself.
    rows = [(street_id, pk, _sqlite_time(ts), key, value) for pk, ts, key, value in readings]
    await (await session.connection()).exec_driver_sql(_INSERT_READINGS_SQLITE, rows)


_UPDATE_DEVICES_PG = text(
    "UPDATE sensor_devices AS d SET status = u.status, last_seen_at = u.last_seen_at, latest = CAST(u.latest AS json), "
    "latest_at = u.latest_at, pending = CAST(u.pending AS json) "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS varchar[]), CAST(:seen AS timestamptz[]), CAST(:latest AS text[]), "
    "CAST(:latest_at AS timestamptz[]), CAST(:pending AS text[])) "
    "AS u(id, status, last_seen_at, latest, latest_at, pending) "
    "WHERE d.id = u.id"
)

_UPDATE_DEVICES_SQLITE = "UPDATE sensor_devices SET status = ?2, last_seen_at = ?3, latest = ?4, latest_at = ?5, pending = ?6 WHERE id = ?1"


def _device_rows(states: list[DeviceState]) -> list[tuple]:
    """(id, status, last seen, latest as JSON, latest at, pending as JSON) of ``states``."""
    return [(s.id, s.status, s.last_seen_at, json.dumps(s.latest, separators=(",", ":")), s.latest_at, json.dumps(s.pending) if s.pending else "{}") for s in states]


async def save_devices(session: AsyncSession, states: list[DeviceState]) -> None:
    """Write the status, last-seen time, latest values and pending conditions of ``states`` back."""
    if not states:
        return
    rows = _device_rows(states)
    if _postgres(session):
        ids, statuses, seen, latest, latest_at, pending = map(list, zip(*rows, strict=True))
        await session.execute(_UPDATE_DEVICES_PG, {"ids": ids, "statuses": statuses, "seen": seen, "latest": latest, "latest_at": latest_at, "pending": pending})
        return
    rows = [(pk, status, _sqlite_time(seen), latest, _sqlite_time(newest), pending) for pk, status, seen, latest, newest, pending in rows]
    await (await session.connection()).exec_driver_sql(_UPDATE_DEVICES_SQLITE, rows)


_WRITE_BACK_PG = text(f"WITH inserted AS ({_INSERT_READINGS_PG.text}) {_UPDATE_DEVICES_PG.text}")
"""Both writes of a batch in one statement (one round trip): PostgreSQL runs a data-modifying
``WITH`` exactly once and to completion, whether or not the main statement reads it."""


async def write_back(session: AsyncSession, street_id: int, readings: list[tuple[int, datetime, str, float]], states: list[DeviceState]) -> None:
    """``insert_readings`` and ``save_devices``; on PostgreSQL in one statement when both
    have rows (with many streets a batch's slice per street is small, and every round trip
    per street counts)."""
    if not (readings and states and _postgres(session)):
        await insert_readings(session, street_id, readings)
        await save_devices(session, states)
        return
    pks, stamps, keys, values = map(list, zip(*readings, strict=True))
    rows = _device_rows(states)
    ids, statuses, seen, latest, latest_at, pending = map(list, zip(*rows, strict=True))
    await session.execute(_WRITE_BACK_PG, {
        "street_id": street_id, "device_pks": pks, "ts": stamps, "keys": keys, "values": values,
        "ids": ids, "statuses": statuses, "seen": seen, "latest": latest, "latest_at": latest_at, "pending": pending,
    })
