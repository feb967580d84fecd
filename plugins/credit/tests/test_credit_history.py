"""Reasons, the portrait, and the history: every score reproducible after the scorecard changed."""

from __future__ import annotations

import copy

from jiedao.plugins.credit.service.scorecard import DEFAULT
from jiedao.plugins.credit.tests.conftest import COMPLAINT, INSPECTION, PENALTY, SCORE, checklist, days_ago, make_shop

ENTERPRISE = """query($id: ID!) { enterprise(id: $id) {
  name grade score { %s reproducible }
  reasons { code points zh en }
  portrait { percentile peers categoryMean change trend { value riskClass } dimensions { key score } repaired { kind how } }
  history(limit: 10) { id value scorecardVersion trigger reproducible evidenceIds }
} }""" % SCORE


async def test_reasons_are_the_four_most_costly_items_most_costly_first(shop):
    await shop.evidence(COMPLAINT, receivedOn=days_ago(3), substantiated=False)                      # -0.5 social
    await shop.evidence(COMPLAINT, receivedOn=days_ago(10), substantiated=True)                      # -4 x decay
    await shop.evidence(PENALTY, decidedOn=days_ago(200), decisionNo="杭拱市监罚〔2026〕1号")          # -10, no decay in publicity
    await shop.evidence(INSPECTION, inspectedOn=days_ago(30), items=checklist(failed_key=1, failed_other=3))  # -8, -6, -3 (decayed)
    score = (await shop.evidence(COMPLAINT, receivedOn=days_ago(730), substantiated=True))["score"]  # -4 halved twice: -1
    reasons = score["reasons"]
    assert [r["code"] for r in reasons] == ["CP_PENALTY", "FS_RATING_FAIR", "FS_KEY_ITEM_FAILED", "CO_SUBSTANTIATED"]
    points = [r["points"] for r in reasons]
    assert points == sorted(points) and points[0] == -10
    assert reasons[2]["zh"].endswith("检查 1 项关键项不合格") and "key checklist item(s) failed" in reasons[2]["en"]
    assert reasons[3]["occurredOn"] == days_ago(10)  # the recent complaint, not the decayed one of two years ago
    dimensions = {d["key"]: d for d in score["dimensions"]}
    assert dimensions["compliance"]["score"] == 15 and dimensions["compliance"]["lost"] == 10
    assert round(sum(d["score"] for d in score["dimensions"]), 2) == score["value"]


async def test_a_past_score_reproduces_exactly_after_the_scorecard_changed(shop, client):
    first = (await shop.evidence(COMPLAINT, receivedOn=days_ago(40), substantiated=True))["score"]
    harsher = copy.deepcopy(DEFAULT)
    for rule in harsher["rules"]:
        if rule["code"] == "CO_SUBSTANTIATED":
            rule["points"] = -12
    harsher["dimensions"][2]["max"] = 20
    assert await shop.scorecard(harsher, "complaints weigh more") == 2
    second = (await shop.evidence(COMPLAINT, receivedOn=days_ago(2), substantiated=False))["score"]
    assert second["scorecardVersion"] == 2 and second["value"] < first["value"]

    data = (await client.query(ENTERPRISE, {"id": shop.id}, token=await shop.inspector()))["enterprise"]
    history = data["history"]
    assert [h["scorecardVersion"] for h in history] == [2, 1, 1]  # newest first; the first is the score at creation
    assert all(h["reproducible"] for h in history)
    old = next(h for h in history if h["id"] == first["id"])
    assert old["value"] == first["value"] and old["evidenceIds"] == first["evidenceIds"]
    assert data["score"]["id"] == second["id"] and data["grade"] == second["riskClass"]
    assert [p["value"] for p in data["portrait"]["trend"]][-1] == second["value"]
    assert data["portrait"]["change"] == round(second["value"] - 100.0, 2)


async def test_reproduce_recomputes_from_stored_inputs(shop):
    from jiedao.plugins.credit import service
    from jiedao.schema.ids import decode_global_id

    first = (await shop.evidence(PENALTY, decidedOn=days_ago(100), decisionNo="罚1"))["score"]
    await shop.scorecard({**copy.deepcopy(DEFAULT), "half_life_days": 30})
    await shop.evidence(COMPLAINT, receivedOn=days_ago(1), substantiated=True)
    async with shop.kernel.db.transaction(shop.kernel.street_id("changqing")) as session:
        result = await service.reproduce(session, decode_global_id(first["id"])[1])
    assert result.equal and result.scorecard_version == 1
    assert result.recomputed["score"] == first["value"] == 90.0


async def test_the_portrait_compares_with_peers_of_the_category(kernel, client, shop):
    other = await make_shop(kernel, client, licence="JY-PEER")
    await other.evidence(PENALTY, decidedOn=days_ago(5), decisionNo="罚2")  # the peer scores 90, the shop 100
    data = (await client.query(ENTERPRISE, {"id": shop.id}, token=await shop.inspector()))["enterprise"]
    assert data["portrait"]["peers"] == 2
    assert data["portrait"]["percentile"] == 100.0
    assert data["portrait"]["categoryMean"] == 95.0
    data = (await client.query(ENTERPRISE, {"id": other.id}, token=await shop.inspector()))["enterprise"]
    assert data["portrait"]["percentile"] == 50.0


async def test_stored_scores_cannot_be_changed(shop):
    import pytest
    from sqlalchemy import select

    from jiedao.plugins.credit.models import ImmutableRecord, Score

    with pytest.raises(ImmutableRecord):
        async with shop.kernel.db.transaction(shop.kernel.street_id("changqing")) as session:
            score = await session.scalar(select(Score).limit(1))
            score.value = 12.0
            await session.flush()
    with pytest.raises(ImmutableRecord):
        async with shop.kernel.db.transaction(shop.kernel.street_id("changqing")) as session:
            await session.delete(await session.scalar(select(Score).limit(1)))
            await session.flush()


async def test_scorecard_versions_are_validated_data_that_only_authorised_staff_change(shop, client):
    from jiedao.plugins.credit.tests.conftest import SCORECARD

    broken = copy.deepcopy(DEFAULT)
    broken["rules"][0]["dimension"] = "hygiene"
    broken["classes"].reverse()
    refused = await shop.do(SCORECARD, {"definition": broken, "note": "oops"}, await shop.admin())
    assert refused["errors"][0]["code"] == "INVALID_SCORECARD"
    message = refused["errors"][0]["message"]
    assert "unknown dimension 'hygiene'" in message and "from the best" in message  # every problem listed
    errors = await client.errors(SCORECARD, {"input": {"definition": DEFAULT}}, token=await shop.inspector())
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    current = (await client.query("{ creditScorecard { version definition } }", token=await shop.inspector()))["creditScorecard"]
    assert current["version"] == 1 and current["definition"]["classes"][0]["code"] == "A"
    changed = copy.deepcopy(current["definition"])
    changed["top_reasons"] = 2
    assert await shop.scorecard(changed) == 2
    first = (await client.query("{ creditScorecard(version: 1) { definition } }", token=await shop.inspector()))["creditScorecard"]
    assert first["definition"]["top_reasons"] == 4


async def test_the_database_refuses_to_rewrite_scores_for_the_application_role(shop):
    """On PostgreSQL the backstop is the database itself: the app role may not UPDATE or DELETE."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    if not shop.kernel.db.is_postgres:
        return  # SQLite has no roles; the ORM guard above is the protection there
    import pytest

    for statement in ("update credit_scores set value = 0", "delete from credit_scores"):
        with pytest.raises(DBAPIError, match="permission denied"):
            async with shop.kernel.db.transaction(shop.kernel.street_id("changqing")) as session:
                await session.execute(text(statement))
