"""CSV import of units and owners: all or nothing, every problem reported, idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jiedao.core.importer import ImportFailed, import_units, parse_rows
from jiedao.core.models import Building, Ownership, Resident, Unit

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


HEADER = GOOD.read_text(encoding="utf-8").splitlines()[0]
ROW = "浙大御跸社区,凤起都市花园,1幢,{unit},80,{name},{owner},{phone},"


def csv_file(tmp_path, *rows: str, header: str = HEADER, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


async def refused(kernel, path: Path, **kwargs) -> dict[tuple[int, str], str]:
    """The problems of an import that must fail, as {(line, column): reason}; checks nothing was written."""
    with pytest.raises(ImportFailed) as failure:
        await import_units(kernel, "changqing", path, **kwargs)
    assert await counts(kernel) == {"buildings": 0, "units": 0, "residents": 0, "ownerships": 0}
    return {(p.line, p.column): p.reason for p in failure.value.problems}


def test_a_megabyte_field_is_reported_by_line_and_column_not_a_traceback(tmp_path, jiedao_cli, database_url):
    big = csv_file(tmp_path, ROW.format(unit="101", name="张三", owner="o1", phone=""), ROW.format(unit="102", name="李" * 1_000_000, owner="o2", phone=""))
    result = jiedao_cli(["import", "units", str(big), "--street", "changqing"], database_url=database_url)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "line 3, column owner_name: a field of more than 10,000 characters" in result.output
    quoted = csv_file(tmp_path, '浙大御跸社区,"凤起都市花园,1幢,101,80,张三,o1,,', name="quote.csv")
    result = jiedao_cli(["import", "units", str(quoted), "--street", "changqing"], database_url=database_url)
    assert result.exit_code == 1 and "line 2, column -: not readable as CSV" in result.output, result.output


async def test_control_characters_a_5000_character_phone_and_duplicate_columns_are_refused(kernel, tmp_path):
    path = csv_file(
        tmp_path,
        ROW.format(unit="101", name="张\x00三", owner="o1", phone=""),
        ROW.format(unit="1\x1b[2J02", name="李四", owner="o2", phone=""),
        ROW.format(unit="103", name="王\u202e五", owner="o3", phone=""),
        ROW.format(unit="104", name="赵六", owner="o4", phone="1" * 5000),
        ROW.format(unit="105", name="钱七", owner="o5", phone="138-0000-abcd"),
        header=HEADER + ",owner_name",
    )
    problems = await refused(kernel, path)
    assert problems[(1, "owner_name")].startswith("appears twice (columns 6 and 10)")
    assert problems[(2, "owner_name")] == "control character U+0000 at character 2"
    assert problems[(3, "unit")] == "control character U+001B at character 2"
    assert problems[(4, "owner_name")] == "control character U+202E at character 2"
    assert problems[(5, "owner_phone")] == "5,000 characters; at most 20"
    assert "is not a phone number" in problems[(6, "owner_phone")]


async def test_an_existing_owner_id_under_another_name_is_refused(kernel, tmp_path):
    await import_units(kernel, "changqing", GOOD)
    before = await counts(kernel)
    path = csv_file(tmp_path, "浙大御跸社区,凤起都市花园,1幢,101,89.50,王建军,o1,,", ROW.format(unit="109", name="新业主", owner="o9", phone=""))
    with pytest.raises(ImportFailed) as failure:
        await import_units(kernel, "changqing", path)
    assert [(p.line, p.column) for p in failure.value.problems] == [(2, "owner_name")]
    assert "owner_id o1 is '王建国' in the registry, not '王建军'" in failure.value.problems[0].reason
    assert await counts(kernel) == before
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(Resident.name).where(Resident.external_ref == "o1")) == "王建国"


async def test_gbk_is_refused_with_its_name_unless_asked_for_and_a_bom_is_fine(kernel, tmp_path):
    text = GOOD.read_text(encoding="utf-8")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(text.encode("gbk"))
    problems = await refused(kernel, gbk)
    assert list(problems) == [(2, "-")] and "reads as GBK" in problems[(2, "-")] and "--encoding gbk" in problems[(2, "-")]
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(text, encoding="utf-8")
    assert "the file is UTF-8, not GBK" in (await refused(kernel, utf8, encoding="gbk"))[(1, "-")]
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"\n\xff\xfe\xff,\xff\n")
    assert "not UTF-8" in (await refused(kernel, latin))[(2, "-")]

    report = await import_units(kernel, "changqing", gbk, encoding="gbk")
    assert report.created["owners"] == 4
    bom = tmp_path / "bom.csv"
    bom.write_text(text, encoding="utf-8-sig")
    again = await import_units(kernel, "changqing", bom)
    assert sum(again.created.values()) == 0, "the same rows, read through the BOM"


async def test_empty_and_header_only_files_are_refused_with_a_reason(kernel, tmp_path):
    for content in ("", "\n\n  \n"):
        empty = tmp_path / "empty.csv"
        empty.write_text(content, encoding="utf-8")
        assert (await refused(kernel, empty))[(1, "-")].startswith("the file is empty; its first line must name the columns: community,")
    header_only = csv_file(tmp_path)
    assert await refused(kernel, header_only) == {(2, "-"): "the file has a header but no rows"}


async def test_stairwells_and_floors_are_imported_and_checked(kernel, client, tmp_path):
    path = tmp_path / "stairs.csv"
    header = "community,compound,building,unit,area_m2,owner_name,owner_id,stairwell,floor\n"
    path.write_text(header + "长庆,潮鸣苑,1幢,1-301,90,王建国,o1,1,3\n长庆,潮鸣苑,1幢,2-301,88,李秀英,o2,2,3\n长庆,潮鸣苑,1幢,B1-01,30,张伟,o3,,-1\n", encoding="utf-8")
    await import_units(kernel, "changqing", path)
    token = await client.token("community_worker")
    data = await client.query("{ units(first: 10) { edges { node { number stairwell floor } } } }", token=token)
    assert sorted((e["node"]["number"], e["node"]["stairwell"], e["node"]["floor"]) for e in data["units"]["edges"]) == [
        ("1-301", "1", 3), ("2-301", "2", 3), ("B1-01", "", -1)]
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "长庆,潮鸣苑,2幢,101,90,王建国,o1,1,three\n长庆,潮鸣苑,2幢,102,90,王建国,o1,1,1\n长庆,潮鸣苑,2幢,102,90,李秀英,o2,2,1\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        await import_units(kernel, "changqing", bad)
    assert [(p.line, p.column) for p in failed.value.problems] == [(2, "floor"), (4, "stairwell")]


LOCATED = "community,compound,building,unit,area_m2,owner_name,owner_id,longitude,latitude"


async def test_building_locations_are_imported_in_gcj02_and_shown_with_wgs84(kernel, client, tmp_path):
    path = csv_file(tmp_path, "长庆,潮鸣苑,1幢,101,90,王建国,o1,120.1712,30.2721", "长庆,潮鸣苑,1幢,102,88,李秀英,o2,120.1712,30.2721",
                    "长庆,潮鸣苑,2幢,101,90,张伟,o3,,", header=LOCATED)
    await import_units(kernel, "changqing", path)
    token = await client.token("community_worker")
    data = await client.query("{ units(first: 10) { edges { node { number building { name location { longitude latitude datum wgs84 { datum } } } } } } }", token=token)
    located = {e["node"]["building"]["name"]: e["node"]["building"]["location"] for e in data["units"]["edges"]}
    assert located["1幢"] == {"longitude": 120.1712, "latitude": 30.2721, "datum": "GCJ-02", "wgs84": {"datum": "WGS-84"}}
    assert located["2幢"] is None


async def test_bad_building_locations_are_refused_by_line_and_column(kernel, tmp_path):
    path = csv_file(
        tmp_path,
        "长庆,潮鸣苑,1幢,101,90,王建国,o1,120.17,",  # latitude missing
        "长庆,潮鸣苑,2幢,101,90,李秀英,o2,2.35,48.85",  # Paris: outside China
        "长庆,潮鸣苑,3幢,101,90,张伟,o3,east,30.27",  # not a number
        "长庆,潮鸣苑,4幢,101,90,刘洋,o4,120.17,30.27",
        "长庆,潮鸣苑,4幢,102,90,陈静,o5,120.18,30.27",  # another location for the same building
        "长庆,潮鸣苑,4幢,103,90,杨明,o6,,",  # and none at all
        header=LOCATED,
    )
    problems = await refused(kernel, path)
    assert set(problems) == {(2, "latitude"), (3, "longitude"), (4, "longitude"), (6, "longitude"), (7, "longitude")}
    assert "give both longitude and latitude" in problems[(2, "latitude")]
    assert "2.35 is outside China (longitude between 72.004 and 137.8347" in problems[(3, "longitude")]
    assert "'east' is not a number" in problems[(4, "longitude")]
    assert "differs from line 5" in problems[(6, "longitude")] and "120.18,30.27 here" in problems[(6, "longitude")]
    assert "none here" in problems[(7, "longitude")]
