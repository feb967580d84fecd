"""The figures the deliberation plugin publishes to the dashboard."""

from __future__ import annotations

from sqlalchemy import func, select

from jiedao.plugins.deliberation.metrics import METRICS, SIGNALS
from jiedao.plugins.deliberation.models import Rule
from jiedao.plugins.deliberation.tests.conftest import open_ballot, vote


async def test_metrics_count_what_the_street_has(kernel, client, world_of):
    world = await world_of([(9000, ("A",)), (9000, ("B",))])
    worker = await client.token("community_worker")
    raise_topic = "mutation($b: ID!, $t: String!) { raiseTopic(input: {title: $t, buildingId: $b}) { topic { id } } }"
    for title in ("楼道灯", "漏水", "停车"):
        await client.query(raise_topic, {"b": world.gid("Building", world.buildings[0]), "t": title}, token=worker)
    first = (await client.query("{ topics { edges { node { id } } } }", token=worker))["topics"]["edges"][0]["node"]["id"]
    await client.query('mutation($id: ID!) { advanceTopic(input: {topicId: $id, status: REJECTED, note: "重复"}) { errors { code } } }', {"id": first}, token=worker)
    ballot = await open_ballot(world, Rule.ART278_ORDINARY)
    await vote(world, ballot, {"A": "AGREE"})

    metrics = {m.key: m for m in METRICS}
    async with kernel.db.transaction(world.street_id) as session:
        async def total(key):
            source = metrics[key].source().subquery()
            column = source.c.value if "value" in source.c else 1
            return await session.scalar(select(func.coalesce(func.sum(column), 0) if "value" in source.c else func.count()).select_from(source))

        assert await total("deliberation.topics.open") == 2
        assert await total("deliberation.topics.raised") == 3
        assert await total("deliberation.votes.cast") == 1
        assert await total("deliberation.ballots.open") == 1
        assert await total("deliberation.action_items.overdue") == 0
        signal = SIGNALS[0].source().subquery()
        rows = (await session.execute(select(signal.c.building_id, func.count()).group_by(signal.c.building_id))).all()
        assert rows == [(world.buildings[0], 3)]
