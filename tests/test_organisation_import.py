"""CSV imports of organisations, memberships and grids: all or nothing, every problem named by
line and column, idempotent; the worst bytes a spreadsheet can produce write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from jiedao.core.grids.importer import import_grids
from jiedao.core.grids.models import Grid, GridWorker
from jiedao.core.importer import import_units
from jiedao.core.importfile import ImportFailed
from jiedao.core.models import Building
from jiedao.core.organisations.importer import import_memberships, import_organisations
from jiedao.core.organisations.models import CoveredBuilding, Membership, Organisation, ServedCompound

UNITS = Path(__file__).parent / "data" / "units.csv"
ORGS_HEADER = "code,kind,name,community,compound,parent_code,party_level,term_start,term_end,filed_on,phone,served_compounds,covered_buildings"
ORGS = [
    "jw-zd,居委会,浙大御跸社区居委会,浙大御跸社区,,,,,,,0571-87001234,,",
    "ywh-fq,业委会,凤起都市花园业主委员会,,凤起都市花园,,,2023-01-15,2028-01-14,2023-02-01,,,",
    "wy-lc,物业,绿城物业,,,,,,,,,凤起都市花园:2023-01-01:2027-12-31;横燕子弄小区::,",
    "dgw,党组织,长庆街道党工委,,,,党委,,,,,,",
    "ld-1,党组织,凤起都市花园1幢楼道党支部,浙大御跸社区,,dgw,楼道党支部,,,,,,凤起都市花园/1幢",
    "cg,部门,城管中队,,,,,,,,,,",
]
MEMBERS_HEADER = "organisation_code,office,resident_id,username,role,started_on,ended_on"
GRIDS_HEADER = "grid_code,grid_name,community,compound,building,workers"
GRIDS = [
    "zd-1,浙大御跸第一网格,浙大御跸社区,凤起都市花园,1幢,wang-grid",
    "zd-1,浙大御跸第一网格,浙大御跸社区,凤起都市花园,2幢,",
    "wm-1,王马第一网格,王马社区,横燕子弄小区,3幢,",
]


def csv_file(tmp_path: Path, header: str, lines: list[str], name: str = "file.csv", *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("\n".join([header, *lines]) + "\n").encode("utf-8"))
    return path


async def count(kernel, *models) -> dict[str, int]:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return {m.__tablename__: await session.scalar(select(func.count()).select_from(m)) for m in models}


@pytest.fixture
async def registry(kernel):
    await import_units(kernel, "changqing", UNITS)


async def test_organisations_import_with_places_parents_and_terms_and_again_changes_nothing(kernel, client, registry, tmp_path):
    path = csv_file(tmp_path, ORGS_HEADER, ORGS, bom=True)  # Excel's "CSV UTF-8" starts with a BOM
    report = await import_organisations(kernel, "changqing", path)
    assert (report.rows, report.created, report.updated) == (6, 6, 0)
    admin = await client.token("street_admin")
    data = await client.query("""{ organisations(first: 10) { edges { node { code kind name phone community { name } compound { name } parent { code }
        partyLevel termStart termEnd filedOn servedCompounds { compound { name } contractStart contractEnd } coveredBuildings { name } } } } }""", token=admin)
    by_code = {e["node"]["code"]: e["node"] for e in data["organisations"]["edges"]}
    assert by_code["ywh-fq"]["community"]["name"] == "浙大御跸社区" and by_code["ywh-fq"]["termEnd"] == "2028-01-14"
    assert by_code["wy-lc"]["servedCompounds"] == [
        {"compound": {"name": "凤起都市花园"}, "contractStart": "2023-01-01", "contractEnd": "2027-12-31"},
        {"compound": {"name": "横燕子弄小区"}, "contractStart": None, "contractEnd": None},
    ]
    assert by_code["ld-1"]["parent"] == {"code": "dgw"} and by_code["ld-1"]["partyLevel"] == "BUILDING_BRANCH"
    assert by_code["ld-1"]["coveredBuildings"] == [{"name": "1幢"}]
    assert by_code["jw-zd"]["kind"] == "RESIDENTS_COMMITTEE" and by_code["jw-zd"]["phone"] == "0571-87001234"
    before = await count(kernel, Organisation, ServedCompound, CoveredBuilding)
    again = await import_organisations(kernel, "changqing", path)
    assert (again.created, again.updated) == (0, 0) and await count(kernel, Organisation, ServedCompound, CoveredBuilding) == before
    renamed = csv_file(tmp_path, ORGS_HEADER, [ORGS[5].replace("城管中队", "城管执法中队")], name="renamed.csv")
    assert (await import_organisations(kernel, "changqing", renamed)).updated == 1


async def test_memberships_import_gives_accounts_their_organisation(kernel, client, registry, tmp_path, password_hash):
    await import_organisations(kernel, "changqing", csv_file(tmp_path, ORGS_HEADER, ORGS))
    token = await client.token("resident", username="owner-o1")
    path = csv_file(tmp_path, MEMBERS_HEADER, [
        "ywh-fq,主任,o1,owner-o1,org_member,2023-01-15,",
        "ywh-fq,副主任,o2,,,2023-01-15,",
        "ywh-fq,委员,o3,,,2023-01-15,2024-06-30",
    ], name="members.csv")
    report = await import_memberships(kernel, "changqing", path)
    assert (report.created, report.updated) == (3, 0)
    me = await client.query("{ me { roles organisations { office role permissions organisation { code } } } }", token=token)
    assert me["me"]["organisations"] == [{"office": "主任", "role": "org_member", "permissions": ["org.ballots.convene", "org.read", "org.work.read"], "organisation": {"code": "ywh-fq"}}]
    admin = await client.token("street_admin")
    members = await client.query('{ organisations(first: 10, kind: OWNERS_COMMITTEE) { edges { node { members { office } all: members(includeEnded: true) { office } } } } }', token=admin)
    node = members["organisations"]["edges"][0]["node"]
    assert [m["office"] for m in node["members"]] == ["主任", "副主任"] and len(node["all"]) == 3
    again = await import_memberships(kernel, "changqing", path)
    assert (again.created, again.updated) == (0, 0)


async def test_grids_import_puts_every_building_in_its_grid(kernel, client, registry, tmp_path):
    await client.token("grid_worker", username="wang-grid")
    report = await import_grids(kernel, "changqing", csv_file(tmp_path, GRIDS_HEADER, GRIDS))
    assert (report.rows, report.created, report.without_grid) == (3, 2, 0)
    assert "0 building(s) of the street have no grid" in report.summary()
    admin = await client.token("street_admin")
    buildings = await client.query("{ buildings(first: 10) { edges { node { name grid { code name community { name } } } } } }", token=admin)
    assert {e["node"]["name"]: e["node"]["grid"]["code"] for e in buildings["buildings"]["edges"]} == {"1幢": "zd-1", "2幢": "zd-1", "3幢": "wm-1"}
    worker = await client.token("grid_worker", username="wang-grid")
    assert (await client.query("{ me { grids { code } } }", token=worker))["me"]["grids"] == [{"code": "zd-1"}]
    again = await import_grids(kernel, "changqing", csv_file(tmp_path, GRIDS_HEADER, GRIDS, name="again.csv"))
    assert (again.created, again.updated) == (0, 0) and (await count(kernel, GridWorker))["grid_workers"] == 1


BAD_CELLS = {
    "organisations": (ORGS_HEADER, ORGS, import_organisations, 4),
    "grids": (GRIDS_HEADER, [g.replace(",wang-grid", ",") for g in GRIDS], import_grids, 0),
}


@pytest.mark.parametrize("which", ["organisations", "grids"])
@pytest.mark.parametrize(
    "spoil, column, reason",
    [
        (lambda line: line.replace("浙大御跸社区", "浙大御跸社\x00区", 1), "community", "control character U+0000"),
        (lambda line: line.replace("浙大御跸社区", "=HYPERLINK(\"http://x\")", 1), "community", "runs as a formula"),
        (lambda line: line.replace("浙大御跸社区", "不存在社区", 1), "community", "no community '不存在社区'"),
    ],
    ids=["nul", "formula", "unknown-community"],
)
async def test_worst_bytes_name_line_and_column_and_write_nothing(kernel, registry, tmp_path, which, spoil, column, reason):
    header, lines, importer, index = BAD_CELLS[which]
    spoilt = [*lines[:index], spoil(lines[index]), *lines[index + 1:]]
    assert spoilt != lines
    with pytest.raises(ImportFailed) as failure:
        await importer(kernel, "changqing", csv_file(tmp_path, header, spoilt, bom=True))
    assert [(p.line, p.column) for p in failure.value.problems if reason in p.reason] == [(index + 2, column)], failure.value.problems
    assert await count(kernel, Organisation, ServedCompound, CoveredBuilding, Grid) == {"organisations": 0, "organisation_compounds": 0, "organisation_buildings": 0, "grids": 0}
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(func.count()).select_from(Building).where(Building.grid_id.is_not(None))) == 0


async def test_every_problem_of_a_memberships_file_is_listed(kernel, registry, tmp_path, client):
    await import_organisations(kernel, "changqing", csv_file(tmp_path, ORGS_HEADER, ORGS))
    await client.token("resident", username="owner-o1")
    path = csv_file(tmp_path, MEMBERS_HEADER, [
        "nope,主任,o1,,,,",
        "ywh-fq,主任,o404,,,,",
        "ywh-fq,主任,,ghost,org_member,,",
        "ywh-fq,主任,o1,owner-o1,boss,,",
        "ywh-fq,主任,o2,owner-o1,,,",
        "ywh-fq,@SUM(1),o3,,,,",
        "ywh-fq,委员,o2,,,2024-01-01,2023-01-01",
        "ywh-fq,委员,,,,,",
    ], name="members.csv")
    with pytest.raises(ImportFailed) as failure:
        await import_memberships(kernel, "changqing", path)
    assert {(p.line, p.column) for p in failure.value.problems} == {
        (2, "organisation_code"), (3, "resident_id"), (4, "username"), (5, "role"), (6, "role"), (7, "office"), (8, "ended_on"), (9, "resident_id")}
    assert (await count(kernel, Membership))["memberships"] == 0


async def test_organisation_rules_are_checked_per_line(kernel, registry, tmp_path):
    path = csv_file(tmp_path, ORGS_HEADER, [
        "a,业委会,没有小区的业委会,,,,,,,,,,",
        "b,物业,有任期的物业,,,,,2023-01-01,,,,,",
        "c,党组织,没有级别,,,,,,,,,,",
        "d,居委会,服务小区的居委会,王马社区,,,,,,,,王马小区:2023-01-01:2024-01-01,",
        "e,外星人,未知,,,,,,,,,,",
        "f,党组织,自己的上级,,,f,党支部,,,,,,",
        "g,物业,坏日期,,,,,,,,,凤起都市花园:2023-13-01:,",
        "a,部门,重复,,,,,,,,,,",
    ])
    with pytest.raises(ImportFailed) as failure:
        await import_organisations(kernel, "changqing", path)
    named = {(p.line, p.column) for p in failure.value.problems}
    assert {(2, "compound"), (3, "term_start"), (4, "party_level"), (5, "served_compounds"), (6, "kind"), (7, "parent_code"), (8, "served_compounds"), (9, "code")} <= named
    assert (await count(kernel, Organisation))["organisations"] == 0


def test_cli_imports_report_problems_and_exit_status(tmp_path, jiedao_cli, database_url):
    assert jiedao_cli(["import", "units", str(UNITS), "--street", "changqing"], database_url=database_url).exit_code == 0
    ok = jiedao_cli(["import", "organisations", str(csv_file(tmp_path, ORGS_HEADER, ORGS)), "--street", "changqing"], database_url=database_url)
    assert ok.exit_code == 0, ok.output
    assert "6 rows read; 6 organisation(s) created, 0 updated." in ok.output
    grids = jiedao_cli(["import", "grids", str(csv_file(tmp_path, GRIDS_HEADER, [GRIDS[1]], name="g.csv")), "--street", "changqing"], database_url=database_url)
    assert grids.exit_code == 0 and "2 building(s) of the street have no grid" in grids.output, grids.output
    bad = csv_file(tmp_path, MEMBERS_HEADER, ["ywh-fq,主任,o1,,,,", "nope,委员,o2,,,,"], name="m.csv")
    refused = jiedao_cli(["import", "memberships", str(bad), "--street", "changqing"], database_url=database_url)
    assert refused.exit_code == 1
    assert "Nothing was imported" in refused.output and "line 3, column organisation_code: no organisation with the code 'nope'" in refused.output
