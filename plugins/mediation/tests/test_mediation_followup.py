"""Follow-up from the command line, and lists of cases that do not cost a statement per case."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from jiedao.core.clock import today

from jiedao.core.testing.fixtures import count_statements
from jiedao.plugins.mediation.tests.conftest import CASE_FIELDS


async def test_follow_up_lists_what_needs_doing(scene, jiedao_cli, database_url):
    """The CLI runs its own event loop, so it is invoked from a thread."""
    old = await scene.open_case()
    await scene.age_case(old["id"], 40)
    agreed = await scene.agreed((2, 3))
    await scene.age_agreement(agreed["id"], 28)
    overdue = await scene.agreed((4, 5))
    await scene.age_performance(overdue["id"], 20)
    streets = {"changqing": {"name": "长庆街道", "plugins": ["mediation"]}, "gongchen": {"name": "拱宸桥街道", "plugins": []}}
    result = await asyncio.to_thread(jiedao_cli, ["mediation", "follow-up", "--street", "changqing"], streets=streets, database_url=database_url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Cases open more than 30 days: 1" in lines
    assert "Judicial confirmation deadlines: 1" in lines
    assert any("judicial confirmation due" in line for line in lines)
    assert "Return visits due: 1" in lines
    assert "Performance to confirm: 1" in lines
    assert any(f"performance due {(today() - timedelta(days=5)).isoformat()}, not confirmed" in line for line in lines)
    refused = await asyncio.to_thread(jiedao_cli, ["mediation", "follow-up", "--street", "gongchen"], streets=streets, database_url=database_url)
    assert refused.exit_code != 0 and "does not enable the mediation plugin" in refused.output


async def test_listing_cases_costs_the_same_statements_for_two_or_six_cases(scene):
    query = f"{{ mediationCases(first: 40) {{ edges {{ node {{ {CASE_FIELDS} }} }} }} }}"

    async def statements() -> int:
        with count_statements() as counter:
            await scene.client.query(query, token=scene.tokens["worker"])
        return counter.count

    await scene.agreed((0, 1))
    await scene.open_case((2, 3))
    await statements()  # the worker's token checked once (then cached): not part of the list's cost
    few = await statements()
    for parties in ((4, 5), (6, 7)):
        await scene.agreed(parties)
        await scene.open_case(parties)
    assert await statements() == few
