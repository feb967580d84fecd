"""Moments in time (``core.db.UTCDateTime``) are stored with their zone and read back aware,
in UTC, on both databases, whichever way they are read: on PostgreSQL without any per-value
work (the drivers return ``timestamptz`` aware), which holds only because every such column
is a ``timestamptz`` — checked here over the whole migrated schema."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from jiedao.core import models
from jiedao.core.db import Base, UTCDateTime
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.context import Context
from jiedao.schema.plain_rows import columns_of


async def test_a_moment_reads_back_aware_in_utc_every_way(kernel):
    """Stored from Beijing time, read by the ORM, by a column statement on the request's
    connection and through an aggregate: the same instant, with a zone, in UTC."""
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    street_id = kernel.street_id("changqing")
    beijing = datetime(2026, 12, 3, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    async with kernel.db.transaction(street_id) as session:
        resident = await session.get(models.Resident, made["residents"][0])
        resident.created_at = beijing
    async with kernel.db.transaction(street_id) as session:
        orm = (await session.get(models.Resident, made["residents"][0])).created_at
        latest = await session.scalar(select(func.max(models.Resident.created_at)))
    context = Context(kernel=kernel, street="changqing", street_id=street_id, request_id="utc-test")
    try:
        (row,) = await context.rows(select(*columns_of(models.Resident)).where(models.Resident.id == made["residents"][0]))
    finally:
        await context.close()
    plain = row[list(models.Resident.__mapper__.column_attrs.keys()).index("created_at")]
    for value in (orm, latest, plain):
        assert value == beijing
        assert value.utcoffset() == timedelta(0), value


async def test_a_naive_moment_is_refused(kernel):
    """A datetime without a zone is a bug in the caller: refused, nothing stored."""
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    street_id = kernel.street_id("changqing")
    with pytest.raises(Exception, match="time zone"):
        async with kernel.db.transaction(street_id) as session:
            resident = await session.get(models.Resident, made["residents"][0])
            resident.created_at = datetime(2026, 12, 3, 8, 30)
    async with kernel.db.transaction(street_id) as session:
        assert (await session.get(models.Resident, made["residents"][0])).created_at.tzinfo is not None


async def test_every_moment_column_is_a_timestamptz_on_postgresql(kernel):
    """``UTCDateTime`` reads PostgreSQL's values as they come: a ``timestamp without time
    zone`` column would come back naive. Every such column of every table the migrations
    created must therefore be ``timestamp with time zone``."""
    dialect = kernel.db.engine.dialect
    if not kernel.db.is_postgres:
        # SQLite stores no zone: there the type gives each value its zone when read.
        assert UTCDateTime().result_processor(dialect, None) is not None
        return
    assert UTCDateTime().result_processor(dialect, None) is None  # nothing to do per value
    async with kernel.db.transaction() as session:
        found = {
            (table, column): kind
            for table, column, kind in await session.execute(
                text("select table_name, column_name, data_type from information_schema.columns where table_schema = current_schema()")
            )
        }
    moments = [(table.name, column.name) for table in Base.metadata.tables.values() for column in table.columns if isinstance(column.type, UTCDateTime)]
    present = [key for key in moments if key in found]
    assert len(present) > 40  # the kernel's and the plugins' tables are all there
    assert {key: found[key] for key in present if found[key] != "timestamp with time zone"} == {}
