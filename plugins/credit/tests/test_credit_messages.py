"""A refused credit mutation answers in the reader's language (issue 19): same code and field."""

from __future__ import annotations

from jiedao.plugins.credit.tests.conftest import PENALTY, days_ago

REQUEST = """mutation($input: RequestCreditRepairInput!) { requestCreditRepair(input: $input) {
  request { id } errors { field code message } } }"""


async def test_a_refused_repair_request_answers_in_chinese(shop, client):
    recorded = await shop.evidence(PENALTY, decidedOn=days_ago(30), decisionNo="罚30")
    owner = await shop.owner()
    variables = {"input": {"evidenceId": recorded["evidence"]["id"], "reason": "已整改"}}
    english = (await client.query(REQUEST, variables, token=owner))["requestCreditRepair"]["errors"]
    chinese = (await client.query(REQUEST, variables, token=owner, language="zh-CN"))["requestCreditRepair"]["errors"]
    assert english[0]["message"].startswith("early repair can be requested from ")
    day = english[0]["message"].rsplit(" ", 1)[1]
    assert chinese[0]["message"] == f"自 {day} 起方可申请提前信用修复"
    assert [(e["code"], e["field"]) for e in chinese] == [(e["code"], e["field"]) for e in english] == [("TOO_EARLY", "evidenceId")]
