"""``core.bind_matching``: a statement found compiled in the cache gets its street and other
values right, without SQLAlchemy comparing the street parameter's copies as SQL."""

from __future__ import annotations

from sqlalchemy import select

from jiedao.core import models
from jiedao.core.db import scoped_to_street
from jiedao.core.testing.fixtures import build_registry


def _owned_units(unit_ids: list[int]):
    """Units with their building, limited to owned ones: the street criterion lands on the
    units, the buildings' join and the ownerships' subquery (three copies of one parameter)."""
    owned = select(models.Ownership.unit_id).where(models.Ownership.unit_id.in_(unit_ids))
    return (
        select(models.Unit.id, models.Building.name)
        .join(models.Building, models.Building.id == models.Unit.building_id)
        .where(models.Unit.id.in_(owned))
        .order_by(models.Unit.id)
    )


async def test_a_cached_statement_reads_each_streets_own_rows(kernel):
    """The same statement for one street, then for the other from the compiled cache, then
    the first again: each time only that street's units, none lost (both databases)."""
    ours = await build_registry(kernel, "changqing", buildings=2, units_per_building=3)
    theirs = await build_registry(kernel, "gongchen", buildings=1, units_per_building=2)
    every = ours["units"] + theirs["units"]
    read = {}
    for street in ("changqing", "gongchen", "changqing"):
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            rows = (await session.execute(_owned_units(every))).all()
        read.setdefault(street, []).append([row.id for row in rows])
    owned_ours = sorted(set(ours["units"]) & set(await _owned(kernel, "changqing")))
    assert owned_ours, "the registry has owned units"
    assert read["changqing"] == [owned_ours, owned_ours]
    assert read["gongchen"] == [sorted(set(theirs["units"]) & set(await _owned(kernel, "gongchen")))]


async def _owned(kernel, street: str) -> list[int]:
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        return list(await session.scalars(select(models.Ownership.unit_id)))


async def test_parameters_match_sqlalchemys_own_and_the_copies_are_gone(kernel):
    """Compiled for one street and given the other street's values, the compiled form answers
    the same parameters as SQLAlchemy's own compiler — the other street's id in every place —
    while its lists hold one parameter per hash where SQLAlchemy's held the copies."""
    dialect = kernel.db.sync_engine.dialect
    first, second = kernel.street_id("changqing"), kernel.street_id("gongchen")
    statement = scoped_to_street(_owned_units([1, 2, 3]), first)
    other = scoped_to_street(_owned_units([4, 5]), second)
    key, other_key = statement._generate_cache_key(), other._generate_cache_key()
    assert key == other_key, "one compiled form serves both streets"

    ours = statement.compile(dialect=dialect, cache_key=key)
    sqlalchemys = type(ours).__mro__[1](dialect, statement, cache_key=key)
    assert type(ours).__name__.startswith("OnePerHash") and not type(sqlalchemys).__name__.startswith("OnePerHash")

    theirs_params = sqlalchemys.construct_params(extracted_parameters=other_key[1])
    our_params = ours.construct_params(extracted_parameters=other_key[1])
    assert our_params == theirs_params
    assert list(our_params.values()).count(second) == 1  # one value ...
    assert ours.string.count("street_id =") == 3, ours.string  # ... for the units, buildings and ownerships
    assert first not in our_params.values()

    def copies(compiled) -> int:
        return sum(len(binds) - len({hash(bind) for bind in binds}) for binds in compiled._cache_key_bind_match[0].values())

    assert copies(sqlalchemys) > 0, "the statement renders copies of one parameter (else this test shows nothing)"
    assert copies(ours) == 0
