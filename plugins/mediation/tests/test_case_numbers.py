"""Cases are numbered in their committee's register for the year (人民调解案件登记), not by their
id: （2026）长庆人调字第0001号 is the committee's first case of 2026, whatever else the street
holds; the street keeps its own register for studios without a committee."""

from __future__ import annotations

import asyncio

from jiedao.core.clock import today
from jiedao.plugins.mediation.tests.conftest import pk, register_entry


async def test_each_committee_numbers_its_cases_from_one_in_the_year(scene):
    s = scene
    year = today().year
    first, second = await s.open_case(), await s.open_case(studio=s.studio_b)  # both studios of the street's committee
    other = (await s.ok("createMediationCommittee", {"name": "长庆街道第二人民调解委员会", "sealNumber": "330105-TJ-002"}, fields="committee { id }"))["committee"]["id"]
    studio_c = (await s.ok("createStudio", {"name": "社区调解室", "committeeId": other}, fields="studio { id }"))["studio"]["id"]
    loose = (await s.ok("createStudio", {"name": "未归属调解室"}, fields="studio { id }"))["studio"]["id"]
    third, of_other, of_none = await s.open_case(), await s.open_case(studio=studio_c), await s.open_case(studio=loose)

    committee = pk(s.committee)
    assert [await register_entry(s.kernel, c["id"]) for c in (first, second, third)] == [(committee, year, n) for n in (1, 2, 3)]
    assert await register_entry(s.kernel, of_other["id"]) == (pk(other), year, 1)
    assert await register_entry(s.kernel, of_none["id"]) == (None, year, 1)
    assert pk(of_none["id"]) == 5, "the fifth case of the street: its number is its register's, not its id"
    query = "query($id: ID!) { mediationCase(id: $id) { documentNumber } }"
    shown = [(await s.client.query(query, {"id": c["id"]}, token=s.tokens["admin"]))["mediationCase"]["documentNumber"] for c in (third, of_none)]
    assert shown == [f"（{year}）长庆人调字第0003号", f"（{year}）长庆人调字第0001号"]


async def test_cases_opened_at_the_same_moment_get_different_numbers(scene):
    s = scene
    cases = await asyncio.gather(*(s.open_case() for _ in range(6)))
    numbers = sorted([(await register_entry(s.kernel, c["id"]))[2] for c in cases])
    assert numbers == [1, 2, 3, 4, 5, 6]
