"""Appeals (21 days, a different reviewer) and credit repair (publicity end, early repair)."""

from __future__ import annotations

from jiedao.plugins.credit.tests.conftest import PENALTY, age_score, days_ago

FILE = """mutation($input: FileCreditAppealInput!) { fileCreditAppeal(input: $input) {
  appeal { id status filedBy } errors { field code message } } }"""
DECIDE = """mutation($input: DecideCreditAppealInput!) { decideCreditAppeal(input: $input) {
  appeal { id status reviewer decisionNote correctedScore { id value riskClass correctsScoreId } } errors { field code message } } }"""
REQUEST = """mutation($input: RequestCreditRepairInput!) { requestCreditRepair(input: $input) {
  request { id status } errors { field code message } } }"""
GRANT = """mutation($input: DecideCreditRepairInput!) { decideCreditRepair(input: $input) {
  request { id status decidedBy } errors { field code message } } }"""
MINE = """query($id: ID!) { enterprise(id: $id) {
  score { id value } portrait { repaired { evidenceId kind how } }
  evidence { id kind repairedOn voidedOn } appeals { status reviewer } } }"""


async def penalised(shop, days: int = 100, **extra):
    payload = await shop.evidence(PENALTY, decidedOn=days_ago(days), decisionNo=f"罚{days}", **extra)
    return payload["evidence"]["id"], payload["score"]


async def test_an_operator_appeals_and_a_different_reviewer_corrects_the_score(shop, client):
    evidence, score = await penalised(shop)
    assert score["value"] == 90.0
    owner = await shop.owner()
    appeal = await shop.do(FILE, {"scoreId": score["id"], "reason": "处罚已被复议撤销", "disputedEvidenceIds": [evidence]}, owner)
    assert appeal["errors"] == [] and appeal["appeal"]["status"] == "PENDING"
    again = await shop.do(FILE, {"scoreId": score["id"], "reason": "再次申诉"}, owner)
    assert again["errors"][0]["code"] == "ALREADY_PENDING"

    same = await shop.do(DECIDE, {"appealId": appeal["appeal"]["id"], "accept": True, "note": "同意"}, await shop.inspector("inspector-1"))
    assert same["errors"][0]["code"] == "SAME_REVIEWER"  # inspector-1 recorded the penalty

    decided = await shop.do(DECIDE, {"appealId": appeal["appeal"]["id"], "accept": True, "note": "复议决定撤销处罚"}, await shop.inspector("inspector-2"))
    assert decided["errors"] == []
    result = decided["appeal"]
    assert (result["status"], result["reviewer"]) == ("ACCEPTED", "inspector-2")
    assert result["correctedScore"]["value"] == 100.0 and result["correctedScore"]["correctsScoreId"] == score["id"]

    mine = (await client.query(MINE, {"id": shop.id}, token=owner))["enterprise"]
    assert mine["score"]["id"] == result["correctedScore"]["id"]
    assert next(e for e in mine["evidence"] if e["id"] == evidence)["voidedOn"] is not None
    assert mine["appeals"] == [{"status": "ACCEPTED", "reviewer": "inspector-2"}]

    twice = await shop.do(DECIDE, {"appealId": appeal["appeal"]["id"], "accept": False, "note": "x"}, await shop.inspector("inspector-3"))
    assert twice["errors"][0]["code"] == "ALREADY_DECIDED"


async def test_a_rejected_appeal_leaves_the_score(shop):
    _, score = await penalised(shop)
    appeal = await shop.do(FILE, {"scoreId": score["id"], "reason": "不服"}, await shop.owner())
    decided = await shop.do(DECIDE, {"appealId": appeal["appeal"]["id"], "accept": False, "note": "处罚事实清楚"}, await shop.inspector("inspector-2"))
    assert decided["appeal"]["status"] == "REJECTED" and decided["appeal"]["correctedScore"] is None


async def test_appeals_close_after_21_days_and_only_the_operator_may_appeal(shop, kernel, owner_db):
    _, score = await penalised(shop)
    stranger = await shop.token("resident", "someone-else", shop.residents[1])
    refused = await shop.do(FILE, {"scoreId": score["id"], "reason": "不服"}, stranger)
    assert refused["errors"][0]["code"] == "NOT_OPERATOR"

    await age_score(kernel, owner_db, score["id"], 22)
    late = await shop.do(FILE, {"scoreId": score["id"], "reason": "不服"}, await shop.owner())
    assert late["errors"][0]["code"] == "APPEAL_WINDOW_CLOSED"

    _, fresh = await penalised(shop, days=50)
    await age_score(kernel, owner_db, fresh["id"], 20)
    on_time = await shop.do(FILE, {"scoreId": fresh["id"], "reason": "不服"}, await shop.owner())
    assert on_time["errors"] == []


async def test_a_penalty_stops_counting_when_its_publicity_ends(shop, client):
    evidence, score = await penalised(shop, days=40, publicityDays=30, severity="MINOR")
    assert score["value"] == 100.0
    assert score["repaired"] == [{"evidenceId": evidence, "kind": "PENALTY", "how": "PUBLICITY_ENDED"}]
    _, still = await penalised(shop, days=20, publicityDays=30, severity="MINOR")
    assert still["value"] == 95.0


async def test_early_repair_after_the_minimum_period_when_conditions_hold(shop, client):
    owner = await shop.owner()
    recent, _ = await penalised(shop, days=30)
    early = await shop.do(REQUEST, {"evidenceId": recent, "reason": "已整改并履行处罚"}, owner)
    assert early["errors"][0]["code"] == "TOO_EARLY"

    old, score = await penalised(shop, days=100)
    blocked = await shop.do(REQUEST, {"evidenceId": old, "reason": "已整改"}, owner)
    assert blocked["errors"][0]["code"] == "CONDITIONS_NOT_MET"  # the penalty of 30 days ago came after it


async def test_granted_repair_is_visible_in_the_portrait(shop, client):
    owner = await shop.owner()
    old, score = await penalised(shop, days=100)
    assert score["value"] == 90.0
    request = await shop.do(REQUEST, {"evidenceId": old, "reason": "已履行处罚并完成整改"}, owner)
    assert request["errors"] == [] and request["request"]["status"] == "PENDING"
    granted = await shop.do(GRANT, {"requestId": request["request"]["id"], "approve": True, "note": "符合修复条件"}, await shop.inspector("inspector-2"))
    assert granted["errors"] == [] and granted["request"]["status"] == "APPROVED"

    mine = (await client.query(MINE, {"id": shop.id}, token=owner))["enterprise"]
    assert mine["score"]["value"] == 100.0
    assert mine["portrait"]["repaired"] == [{"evidenceId": old, "kind": "PENALTY", "how": "REPAIRED_EARLY"}]
    assert next(e for e in mine["evidence"] if e["id"] == old)["repairedOn"] is not None
    again = await shop.do(REQUEST, {"evidenceId": old, "reason": "再次"}, owner)
    assert again["errors"][0]["code"] == "NOT_REPAIRABLE"
