"""CSV import of units and owners: all or nothing, every problem reported, idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.importer import ImportFailed, import_units, parse_rows
from core.models import Building, Ownership, Resident, Unit

GOOD = Path(__file__).parent / "data" / "units.csv"


async def counts(kernel, street="changqing") -> dict[str, int]:
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        return {m.__tablename__: await session.scalar(select(func.count()).select_from(m)) for m in (Building, Unit, Resident, Ownership)}


async def test_import_builds_the_registry_with_co_owners_and_multi_unit_owners(kernel, client):
    report = await import_units(kernel, "changqing", GOOD)
    assert report.created == {"communities": 2, "compounds": 2, "buildings": 3, "units": 4, "owners": 4, "ownerships": 5}
    token = await client.token("community_worker")
    data = await client.query("{ units(first: 10) { edges { node { number area owners { name idCard } } } } }", token=token)
    by_number = {e["node"]["number"]: e["node"] for e in data["units"]["edges"]}
    assert by_number["102"]["area"] == 102.25
    assert {o["name"] for o in by_number["102"]["owners"]} == {"李秀英", "张伟"}
    assert by_number["101"]["owners"][0]["idCard"] == "110105********002X"
    residents = await client.query("{ residents(first: 10) { edges { node { name units { number } } } } }", token=token)
    wang = next(e["node"] for e in residents["residents"]["edges"] if e["node"]["name"] == "王建国")
    assert sorted(u["number"] for u in wang["units"]) == ["101", "201"]


async def test_reimporting_the_same_file_changes_nothing(kernel):
    await import_units(kernel, "changqing", GOOD)
    before = await counts(kernel)
    report = await import_units(kernel, "changqing", GOOD)
    assert sum(report.created.values()) == 0 and report.updated == 0
    assert await counts(kernel) == before


async def test_a_bad_file_imports_nothing_and_lists_every_problem(kernel, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        GOOD.read_text(encoding="utf-8")
        + "浙大御跸社区,凤起都市花园,1幢,103,-5,赵六,o9,,\n"
        + "浙大御跸社区,凤起都市花园,1幢,104,80,,o10,,11010519491231002Y\n"
        + "浙大御跸社区,凤起都市花园,1幢,101,91.00,王建国,o1,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failure:
        await import_units(kernel, "changqing", bad)
    problems = {(p.line, p.column) for p in failure.value.problems}
    assert {(7, "area_m2"), (8, "owner_name"), (8, "owner_id_card"), (9, "area_m2")} <= problems
    assert any("check digit" in p.reason for p in failure.value.problems)
    assert await counts(kernel) == {"buildings": 0, "units": 0, "residents": 0, "ownerships": 0}


def test_missing_columns_are_reported_before_any_row(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("community,compound,building\nA,B,C\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        parse_rows(path)
    assert {p.column for p in failure.value.problems} == {"unit", "area_m2", "owner_name", "owner_id"}


def test_cli_import_reports_problems_and_exit_status(tmp_path, jiedao_cli, database_url):
    ok = jiedao_cli(["import", "units", str(GOOD), "--street", "changqing"], database_url=database_url)
    assert ok.exit_code == 0, ok.output
    assert "5 rows read" in ok.output and "4 units" in ok.output
    bad = tmp_path / "bad.csv"
    shutil.copy(GOOD, bad)
    with bad.open("a", encoding="utf-8") as f:
        f.write("浙大御跸社区,凤起都市花园,1幢,105,abc,钱七,o7,,\n")
    refused = jiedao_cli(["import", "units", str(bad), "--street", "changqing"], database_url=database_url)
    assert refused.exit_code == 1
    assert "Nothing was imported" in refused.output and "line 7, column area_m2" in refused.output
