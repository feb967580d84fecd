"""A refused deliberation mutation answers in the language the request asks for (issue 19):
Chinese for ``Accept-Language: zh-CN``, English for ``en``, with the same ``code`` and ``field``."""

from __future__ import annotations

from datetime import timedelta

from jiedao.core.testing.fixtures import app_client
from jiedao.plugins.deliberation.tests.conftest import build_world

from .test_ballots_api import CREATE, iso


async def test_a_refused_ballot_answers_in_chinese_with_the_same_code_and_field(make_kernel, password_hash):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["deliberation"], "deliberation": {"max_voting_days": 7}}})
    world = await build_world(kernel, [(9000, ("A",))])
    async with app_client(kernel, password_hash) as client:
        worker = await client.token("community_worker")
        variables = {"input": {"title": "x", "matter": "", "rule": "ART278_ORDINARY", "scope": {"compoundId": world.gid("Compound", world.compound)},
                               "opensAt": iso(timedelta(0)), "closesAt": iso(timedelta(days=10))}}
        [english] = (await client.query(CREATE, variables, token=worker))["createBallot"]["errors"]
        [chinese] = (await client.query(CREATE, variables, token=worker, language="zh-CN"))["createBallot"]["errors"]
    assert english == {"field": "closesAt", "code": "INVALID_PERIOD", "message": "Voting may last at most 7 days in this street."}
    assert chinese == {"field": "closesAt", "code": "INVALID_PERIOD", "message": "本街道的投票最多持续 7 天。"}
