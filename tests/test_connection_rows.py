"""``Context.rows``: a column query run on the request's connection, without the ORM session's
execution, still reads only the street's rows and the same values as the ORM."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select

from jiedao.core import models
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.context import Context
from jiedao.schema.plain_rows import columns_of, plain_row


def _context(kernel, street: str) -> Context:
    return Context(kernel=kernel, street=street, street_id=kernel.street_id(street), request_id="rows-test")


async def test_rows_read_only_the_streets_rows(kernel):
    """Both streets hold units and owners; the connection's column query of one street sees
    only its own, in a join's ON clause too (an owner of the other street is not joined)."""
    ours = await build_registry(kernel, "changqing", buildings=2, units_per_building=3)
    theirs = await build_registry(kernel, "gongchen", buildings=2, units_per_building=2)
    context = _context(kernel, "changqing")
    try:
        units = await context.rows(select(*columns_of(models.Unit)).order_by(models.Unit.id))
        owners = await context.rows(
            select(models.Unit.id, *columns_of(models.Resident))
            .outerjoin(models.Ownership, models.Ownership.unit_id == models.Unit.id)
            .outerjoin(models.Resident, models.Resident.id == models.Ownership.resident_id)
            .where(models.Unit.id.in_(ours["units"] + theirs["units"]))
        )
    finally:
        await context.close()
    assert [plain_row(models.Unit, row).id for row in units] == ours["units"]
    assert sorted(row[1] for row in owners) == sorted(ours["residents"])


async def test_rows_have_the_values_the_orm_reads(kernel):
    """A resident read as a plain row answers every column as the ORM instance does
    (the registration time comes back as the same aware UTC datetime)."""
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    context = _context(kernel, "changqing")
    try:
        (row,) = await context.rows(select(*columns_of(models.Resident)).where(models.Resident.id == made["residents"][0]))
        (orm,) = await context.scalars(select(models.Resident).where(models.Resident.id == made["residents"][0]))
    finally:
        await context.close()
    plain = plain_row(models.Resident, row)
    for column in models.Resident.__mapper__.column_attrs:
        assert getattr(plain, column.key) == getattr(orm, column.key), column.key
    assert plain.created_at.utcoffset() is not None


async def test_a_statement_the_street_criteria_cannot_reach_is_refused(kernel):
    """Only table columns, no ORM attribute: the street criteria would not apply, so the
    statement is refused rather than read unscoped."""
    await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    units = models.Unit.__table__
    context = _context(kernel, "changqing")
    try:
        with pytest.raises(ValueError, match="ORM-enabled"):
            await context.rows(select(*units.c).where(units.c.area_dm2 > 0))
    finally:
        await context.close()


async def test_rows_of_a_cached_statement_are_not_rekeyed_to_its_columns(kernel, monkeypatch):
    """The second run of a statement is a compiled-cache hit; its rows are read by position,
    so the result map is not rebuilt for the new statement's column objects
    (``schema.context.POSITIONAL_ROWS``: a private option of SQLAlchemy's; this fails
    if an upgrade stops honouring it). The rows are the same both times."""
    from sqlalchemy.engine.cursor import CursorResultMetaData

    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=3)
    adapted = []
    original = CursorResultMetaData._adapt_to_context
    monkeypatch.setattr(CursorResultMetaData, "_adapt_to_context", lambda self, context: adapted.append(1) or original(self, context))
    context = _context(kernel, "changqing")
    try:
        runs = [
            await context.rows(select(*columns_of(models.Unit)).where(models.Unit.id.in_(made["units"])).order_by(models.Unit.id))
            for _ in range(2)
        ]
    finally:
        await context.close()
    assert [plain_row(models.Unit, row).id for row in runs[1]] == made["units"]
    assert runs[0] == runs[1]
    assert adapted == []


async def test_a_statement_built_once_reads_the_rows_of_each_street_it_runs_in(kernel):
    """One statement object, its values bound at each run (``built_once``), run for one
    street, the other, then the first again: each run reads only that street's rows (the
    street's criteria are kept per street, ``core.db.scoped_once``), with that run's values."""
    ours = await build_registry(kernel, "changqing", buildings=2, units_per_building=3)
    theirs = await build_registry(kernel, "gongchen", buildings=2, units_per_building=2)
    statement = select(*columns_of(models.Unit)).where(models.Unit.building_id.in_(bindparam("buildings", expanding=True))).order_by(models.Unit.id)
    every_building = ours["buildings"] + theirs["buildings"]
    runs = [("changqing", every_building, ours["units"]), ("gongchen", every_building, theirs["units"]), ("changqing", ours["buildings"][:1], ours["units"][:3])]
    for street, buildings, expected in runs:
        context = _context(kernel, street)
        try:
            rows = await context.rows(statement, {"buildings": buildings}, built_once=True)
        finally:
            await context.close()
        assert [plain_row(models.Unit, row).id for row in rows] == expected, street
