"""The score, its class at every boundary, and the hard overrides, through the API."""

from __future__ import annotations

import pytest

from jiedao.plugins.credit.tests.conftest import COMPLAINT, INSPECTION, LISTING, checklist, days_ago, flat_scorecard, make_shop


@pytest.mark.parametrize(
    ("points", "score", "risk_class", "words"),
    [
        (0, 100.0, "A", "信用风险低"),
        (10, 90.0, "A", "信用风险低"),
        (10.01, 89.99, "B", "信用风险一般"),
        (25, 75.0, "B", "信用风险一般"),
        (25.01, 74.99, "C", "信用风险较高"),
        (40, 60.0, "C", "信用风险较高"),
        (40.01, 59.99, "D", "信用风险高"),
        (100, 0.0, "D", "信用风险高"),
    ],
)
async def test_each_class_boundary(shop, points, score, risk_class, words):
    version = await shop.scorecard(flat_scorecard(points))
    assert version == 2
    result = (await shop.evidence(COMPLAINT, receivedOn=days_ago(10), substantiated=True))["score"]
    assert (result["value"], result["riskClass"], result["riskZh"], result["scorecardVersion"]) == (score, risk_class, words, 2)
    assert result["overrides"] == []


async def test_a_clean_restaurant_scores_full_marks(shop):
    result = (await shop.evidence(INSPECTION, inspectedOn=days_ago(30), items=checklist()))["score"]
    assert result["value"] == 100.0
    assert (result["riskClass"], result["riskEn"], result["annualGrade"]) == ("A", "low credit risk", "A")
    assert result["reasons"] == []


async def test_serious_violation_list_means_class_d_whatever_the_score(shop):
    await shop.scorecard({**flat_scorecard(0), "rules": []})  # nothing costs points any more
    result = (await shop.evidence(LISTING, list="SERIOUS_VIOLATION_LIST", listedOn=days_ago(5), reason="拒不履行处罚决定"))["score"]
    assert result["value"] == 100.0
    assert result["riskClass"] == "D"
    assert [o["code"] for o in result["overrides"]] == ["OV_SERIOUS_VIOLATION"]


async def test_two_failed_key_items_at_the_latest_inspection_mean_the_lowest_class(shop):
    one = (await shop.evidence(INSPECTION, inspectedOn=days_ago(20), items=checklist(failed_key=1)))["score"]
    assert one["overrides"] == [] and one["riskClass"] != "D"
    two = (await shop.evidence(INSPECTION, inspectedOn=days_ago(10), items=checklist(failed_key=2)))["score"]
    assert two["riskClass"] == "D"
    assert [o["code"] for o in two["overrides"]] == ["OV_KEY_ITEMS"]
    assert two["value"] > 60  # the number alone would not have said D
    better = (await shop.evidence(INSPECTION, inspectedOn=days_ago(1), items=checklist()))["score"]
    assert better["overrides"] == []


async def test_a_licence_younger_than_three_months_is_unrated(kernel, client):
    young = await make_shop(kernel, client, issued_days_ago=89, licence="JY-YOUNG")
    result = (await young.evidence(COMPLAINT, receivedOn=days_ago(1), substantiated=False))["score"]
    assert result["riskClass"] == "UNRATED"
    assert [o["code"] for o in result["overrides"]] == ["OV_NEW_LICENCE"]
    old_enough = await make_shop(kernel, client, issued_days_ago=90, licence="JY-NINETY")
    result = (await old_enough.evidence(COMPLAINT, receivedOn=days_ago(1), substantiated=False))["score"]
    assert result["riskClass"] == "A"


async def test_the_dynamic_rating_follows_the_checklist(shop):
    payload = await shop.evidence(INSPECTION, inspectedOn=days_ago(3), items=checklist(failed_other=1))
    assert payload["evidence"]["details"]["rating"] == "优秀"
    payload = await shop.evidence(INSPECTION, inspectedOn=days_ago(2), items=checklist(failed_key=1))
    assert payload["evidence"]["details"]["rating"] == "一般"  # a failed key item caps the rating
    assert payload["evidence"]["details"]["key_items_failed"] == ["K1"]
    refused = await shop.do(INSPECTION, {"enterpriseId": shop.id, "inspectedOn": days_ago(1), "items": checklist(), "rating": "一般"})
    assert refused["errors"][0]["code"] == "RATING_MISMATCH"
