"""The compiled registry reads (schema.compiled_reads) read about what they answer, whether or
not PostgreSQL has statistics for the tables.

A database just loaded by an import has none until autovacuum analyzes it: PostgreSQL then
cannot tell the street's condition from a row's key, and once read a unit's owners by
scanning every resident of the street (the README list took 200 ms instead of 2 ms on the
demo street, and grows with the street). The plans are counted, not timed: EXPLAIN ANALYZE
reports the rows each scan read, the same on any machine.
"""

from __future__ import annotations

import json

import pytest

from jiedao.core.identity.roles import STREET_ADMIN
from jiedao.core.importer import LOADED_TABLES, import_units
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.context import Context
from jiedao.schema.ids import encode_global_id

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # the compiled path is PostgreSQL's

README_LIST = """{ buildings(first: 10) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name compound { name community { name } } units { number area owners { name phone } } } } } }"""
HUNDRED = "{ buildings(first: 100) { edges { node { id name units { id number area } } } } }"
ONE = "query($id: ID!) { building(id: $id) { id name compound { id name community { id name } } units { number owners { name } } } }"
UNITS = "query($building: ID) { units(first: 20, buildingId: $building) { totalCount edges { node { number owners { name } } } } }"


def _objects(value) -> int:
    """How many objects an answer holds (each building, unit, owner, compound...)."""
    if isinstance(value, list):
        return sum(_objects(item) for item in value)
    if isinstance(value, dict):
        return 1 + sum(_objects(item) for item in value.values())
    return 0


def _rows_read(plan: dict) -> int:
    """Rows every scan of ``plan`` read: returned or removed by a filter, on every loop."""
    read = 0
    if "Relation Name" in plan or "Index Name" in plan:
        per_loop = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0) + plan.get("Rows Removed by Index Recheck", 0)
        read += per_loop * plan["Actual Loops"]
    return read + sum(_rows_read(child) for child in plan.get("Plans", []))


async def _compiled(client, monkeypatch, query: str, variables: dict, token: str) -> tuple[dict, tuple[str, tuple]]:
    """The answer and the one statement that wrote it."""
    seen: list[tuple[str, tuple]] = []
    run = Context.driver_row

    async def watched(self, sql, parameters):
        seen.append((sql, parameters))
        return await run(self, sql, parameters)

    monkeypatch.setattr(Context, "driver_row", watched)
    answer = await client.result(query, variables, token=token)
    monkeypatch.setattr(Context, "driver_row", run)
    assert "errors" not in answer, answer
    assert len(seen) == 1, "answered by one compiled statement"
    return answer["data"], seen[0]


async def _explain(kernel, sql: str, parameters: tuple) -> dict:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        connection = await session.connection()
        text = (await connection.exec_driver_sql("explain (analyze, format json) " + sql, parameters)).scalar_one()
    return (json.loads(text) if isinstance(text, str) else text)[0]["Plan"]


async def _maintain(owner_db, command: str) -> None:
    """``vacuum`` (row counts, no column statistics: the tables as the planner sees them
    after a bulk import) or ``analyze`` (statistics) the registry's tables."""
    async with owner_db.engine.connect() as connection:  # the tables' owner may
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.exec_driver_sql(f"{command} {', '.join(LOADED_TABLES)}")


async def test_registry_reads_read_what_they_answer_before_and_after_analyze(client, kernel, owner_db, monkeypatch):
    # 40 buildings of 20 units with an owner each, a street of 800 residents; another street
    # with rows of its own. Each read's bound: twice the objects it answers, plus the
    # street's 40 buildings once (``totalCount`` counts them all).
    made = await build_registry(kernel, "changqing", buildings=40, units_per_building=20)
    await build_registry(kernel, "gongchen", buildings=5, units_per_building=20)
    kernel.config.max_objects = 100_000  # the README list of 10 buildings estimates 15,010
    token = await client.token(STREET_ADMIN)
    building = encode_global_id("Building", made["buildings"][3])
    reads = [(README_LIST, {}), (HUNDRED, {}), (ONE, {"id": building}), (UNITS, {"building": building})]
    for state in ("vacuum", "analyze"):
        await _maintain(owner_db, state)
        for query, variables in reads:
            answer, (sql, parameters) = await _compiled(client, monkeypatch, query, variables, token)
            read = _rows_read(await _explain(kernel, sql, parameters))
            assert read <= 2 * _objects(answer) + 40, (state, query[:40], read, _objects(answer))


async def test_an_import_leaves_the_registry_analyzed(kernel, owner_db, tmp_path, monkeypatch, request):
    # As the schema's owner (the migrations' URL): PostgreSQL lets only the owner analyze.
    monkeypatch.setenv("JIEDAO_MIGRATION_DATABASE_URL", request.node.jiedao_owner_url)
    rows = [f"长庆社区,东清小区,{b}幢,{b}0{u},88.5,业主{b}{u},P{b}{u}" for b in range(1, 6) for u in range(1, 5)]
    path = tmp_path / "units.csv"
    path.write_text("community,compound,building,unit,area_m2,owner_name,owner_id\n" + "\n".join(rows) + "\n", encoding="utf-8")
    await import_units(kernel, "changqing", path)
    async with owner_db.engine.connect() as connection:
        analyzed = (await connection.exec_driver_sql(
            "select relname from pg_stat_user_tables where last_analyze is not null and relname in"
            " ('communities', 'compounds', 'buildings', 'units', 'residents', 'ownerships')"
        )).scalars().all()
    assert sorted(analyzed) == ["buildings", "communities", "compounds", "ownerships", "residents", "units"]


async def test_an_import_whose_analyze_fails_is_still_done(kernel, tmp_path, monkeypatch, caplog):
    # The owner's URL unreachable: the rows are committed, the operator is told in the log.
    monkeypatch.setenv("JIEDAO_MIGRATION_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/nothing")
    path = tmp_path / "units.csv"
    path.write_text("community,compound,building,unit,area_m2,owner_name,owner_id\n长庆社区,东清小区,1幢,101,88.5,业主甲,P1\n", encoding="utf-8")
    report = await import_units(kernel, "changqing", path)
    assert report.created["units"] == 1 and report.created["owners"] == 1
    assert any("could not analyze" in record.getMessage() for record in caplog.records)
