"""``jiedao import emergency-contacts``: all or nothing, problems by line and column, residents
named by the reference of ``jiedao import units`` (never an ID-card number)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from jiedao.core.config import parse_config
from jiedao.core.contacts.models import EmergencyContact
from jiedao.core.kernel import Kernel
from jiedao.core.models import Resident

UNITS = Path(__file__).parent / "data" / "units.csv"
HEADER = "resident_id,name,relation,phone"
GOOD = ["o1,王晓梅,女儿,139-1234-5678", "o1,周阿姨,邻居,0571 8700 1234", "o2,李强,儿子,13600001111"]


def csv_file(tmp_path: Path, lines: list[str], name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


async def contacts_by_resident(database_url: str) -> dict[str, list[tuple[int, str, str, str]]]:
    kernel = await Kernel.load(parse_config({"streets": {"changqing": {"name": "长庆街道"}}}, database_url=database_url))
    try:
        await kernel.sync_streets()
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            rows = await session.execute(
                select(Resident.external_ref, EmergencyContact.position, EmergencyContact.name, EmergencyContact.relation, EmergencyContact.phone)
                .join(Resident, Resident.id == EmergencyContact.resident_id).order_by(Resident.external_ref, EmergencyContact.position)
            )
            found: dict[str, list] = {}
            for ref, *contact in rows:
                found.setdefault(ref, []).append(tuple(contact))
            return found
    finally:
        await kernel.close()


def read(database_url: str) -> dict[str, list[tuple[int, str, str, str]]]:
    """The emergency contacts of the street by resident reference, read in a loop of its own."""
    return asyncio.run(contacts_by_resident(database_url))


def test_import_replaces_the_contacts_of_the_residents_named_all_or_nothing(tmp_path, jiedao_cli, database_url):
    assert jiedao_cli(["import", "units", str(UNITS), "--street", "changqing"], database_url=database_url).exit_code == 0
    done = jiedao_cli(["import", "emergency-contacts", str(csv_file(tmp_path, GOOD)), "--street", "changqing"], database_url=database_url)
    assert done.exit_code == 0, done.output
    expected = {
        "o1": [(1, "王晓梅", "女儿", "13912345678"), (2, "周阿姨", "邻居", "0571-87001234")],
        "o2": [(1, "李强", "儿子", "13600001111")],
    }
    assert read(database_url) == expected

    bad = ["o2,李强,儿子,13600002222", "o9,张三,朋友,13600003333", "o1,赵六,,12345", "o1,a,b,13600004444", "o1,c,d,13600005555", "o1,e,f,13600006666"]
    refused = jiedao_cli(["import", "emergency-contacts", str(csv_file(tmp_path, bad, "bad.csv")), "--street", "changqing"], database_url=database_url)
    assert refused.exit_code == 1
    assert "Nothing was imported; 4 problem(s)" in refused.output
    assert "line 3, column resident_id: no resident 'o9' in this street" in refused.output
    assert "line 4, column relation: empty" in refused.output
    assert "line 4, column phone: '12345' is not a mobile number" in refused.output
    assert "line 7, column resident_id: resident 'o1' has more than 3 emergency contacts" in refused.output
    assert read(database_url) == expected, "a file with a bad line changes nothing"

    again = jiedao_cli(["import", "emergency-contacts", str(csv_file(tmp_path, GOOD[2:], "again.csv")), "--street", "changqing"], database_url=database_url)
    assert again.exit_code == 0
    assert read(database_url) == expected, "re-importing a resident's contacts changes nothing; residents not named keep theirs"
