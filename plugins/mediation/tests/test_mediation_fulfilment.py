"""Art. 31-32: an agreement is fulfilled only when its performance was confirmed (the obliged
party's evidence or the mediator's check, dated on or after the performance date) and a return
visit was done — never on the day it was made; a breach is recorded and goes to court with the
record."""

from __future__ import annotations

import base64
from datetime import timedelta

from jiedao.core.clock import today


async def _performing(scene) -> dict:
    case = await scene.agreed()
    return await scene.move(case["id"], "PERFORMING", "开始施工")


async def test_a_case_is_not_fulfilled_the_day_it_is_agreed(scene):
    case = await _performing(scene)
    agreement = case["agreement"]
    assert agreement["performBy"] == (today() + timedelta(days=15)).isoformat()
    early = await scene.error("moveCase", {"caseId": case["id"], "to": "FULFILLED", "reason": "已履行"})
    assert (early["code"], early["field"]) == ("PERFORMANCE_NOT_CONFIRMED", "to")
    before = await scene.error("confirmPerformance", {"caseId": case["id"], "checkedOn": today().isoformat(), "note": "已付款"}, scene.tokens["med-a2"])
    assert (before["code"], before["field"]) == ("BEFORE_PERFORMANCE_DATE", "checkedOn")
    assert agreement["performBy"] in before["message"]
    visit = case["returnVisits"][0]
    await scene.ok("recordReturnVisit", {"visitId": visit["id"], "notes": "还没施工"}, fields="returnVisit { doneOn }")
    still = await scene.error("moveCase", {"caseId": case["id"], "to": "FULFILLED", "reason": "已履行"})
    assert still["code"] == "PERFORMANCE_NOT_CONFIRMED", "a return visit alone does not fulfil the agreement"
    assert (await scene.case(case["id"]))["state"] == "PERFORMING"


async def test_the_mediators_check_and_a_later_return_visit_fulfil_the_agreement(scene):
    case = await _performing(scene)
    await scene.age_performance(case["id"], 16)  # the performance date was yesterday
    not_mediator = await scene.error("confirmPerformance", {"caseId": case["id"], "checkedOn": today().isoformat(), "note": "x"}, scene.tokens["med-a"])
    assert not_mediator["code"] == "NOT_THE_MEDIATOR"
    future = await scene.error(
        "confirmPerformance", {"caseId": case["id"], "checkedOn": (today() + timedelta(days=1)).isoformat(), "note": "x"}, scene.tokens["med-a2"]
    )
    assert (future["code"], future["field"]) == ("DATE_IN_FUTURE", "checkedOn")
    checked = (await scene.ok(
        "confirmPerformance", {"caseId": case["id"], "checkedOn": today().isoformat(), "note": "现场查看：防水已重做，闭水试验无渗漏；2800元已付清"},
        scene.tokens["med-a2"],
    ))["case"]
    confirmed = checked["agreement"]["performanceConfirmed"]
    assert (confirmed["performedOn"], confirmed["how"], confirmed["recordedBy"], confirmed["evidence"]) == (
        today().isoformat(), "MEDIATOR_CHECK", "med-a2", None
    )
    no_visit = await scene.error("moveCase", {"caseId": case["id"], "to": "FULFILLED", "reason": "已履行"})
    assert (no_visit["code"], no_visit["field"]) == ("RETURN_VISIT_PENDING", "to")
    visit = checked["returnVisits"][0]
    await scene.ok("recordReturnVisit", {"visitId": visit["id"], "notes": "回访：双方满意"}, fields="returnVisit { doneOn }")
    done = await scene.move(case["id"], "FULFILLED", "已履行并回访")
    assert done["state"] == "FULFILLED" and done["closedAt"] is not None
    twice = await scene.error("confirmPerformance", {"caseId": case["id"], "checkedOn": today().isoformat(), "note": "x"}, scene.tokens["med-a2"])
    assert twice["code"] == "AGREEMENT_NOT_EFFECTIVE", "a closed case is not followed up any more"


async def test_the_obliged_party_gives_evidence_from_their_own_account(scene):
    case = await _performing(scene)
    await scene.age_performance(case["id"], 20)
    receipt = {"caseId": case["id"], "performedOn": (today() - timedelta(days=1)).isoformat(), "name": "转账凭证.jpg",
               "contentType": "image/jpeg", "contentBase64": base64.b64encode(b"\xff\xd8receipt").decode(), "note": "已转账2800元"}
    applicant = await scene.resident_token(0)
    not_obliged = await scene.error("submitPerformanceEvidence", receipt, applicant)
    assert not_obliged["code"] == "NOT_THE_OBLIGED_PARTY", "the respondent performs; the applicant does not prove it for them"
    early = await scene.error("submitPerformanceEvidence", {**receipt, "performedOn": (today() - timedelta(days=6)).isoformat()}, await scene.resident_token(1))
    assert (early["code"], early["field"]) == ("BEFORE_PERFORMANCE_DATE", "performedOn")
    given = (await scene.ok("submitPerformanceEvidence", receipt, await scene.resident_token(1)))["case"]
    confirmed = given["agreement"]["performanceConfirmed"]
    assert (confirmed["how"], confirmed["recordedBy"], confirmed["note"]) == ("PARTY_EVIDENCE", "owner-1", "已转账2800元")
    assert confirmed["evidence"]["name"] == "转账凭证.jpg" and confirmed["evidence"]["reference"].startswith("sha256/")
    assert [a["name"] for a in (await scene.case(given["id"]))["attachments"]] == ["转账凭证.jpg"]
    await scene.ok("recordReturnVisit", {"visitId": given["returnVisits"][0]["id"], "notes": "电话回访：已收到"}, fields="returnVisit { doneOn }")
    assert (await scene.move(case["id"], "FULFILLED"))["state"] == "FULFILLED"


async def test_same_day_performance_still_waits_for_the_next_day(scene):
    case = await scene.in_mediation()
    assert (await scene.draft(case["id"], performBy=today().isoformat()))["errors"] == []
    for i in (0, 1):
        await scene.ok("signAgreement", {"caseId": case["id"], "residentId": scene.residents[i]}, scene.tokens["med-a2"])
    await scene.ok("signAgreement", {"caseId": case["id"]}, scene.tokens["med-a2"])
    agreed = (await scene.ok("sealAgreement", {"caseId": case["id"]}, scene.tokens["med-chair"]))["case"]
    checked = (await scene.ok("confirmPerformance", {"caseId": case["id"], "checkedOn": today().isoformat(), "note": "当场付清"}, scene.tokens["med-a2"]))["case"]
    assert checked["state"] == "PERFORMING"
    await scene.ok("recordReturnVisit", {"visitId": agreed["returnVisits"][0]["id"], "notes": "当场回访"}, fields="returnVisit { doneOn }")
    same_day = await scene.error("moveCase", {"caseId": case["id"], "to": "FULFILLED"})
    assert same_day["code"] == "TOO_EARLY"


async def test_a_breach_is_recorded_and_can_go_to_court_with_the_record(scene):
    case = await _performing(scene)
    direct = await scene.error("moveCase", {"caseId": case["id"], "to": "BREACHED", "reason": "未付款"})
    assert direct["code"] == "BREACH_RECORD_REQUIRED"
    missing = await scene.error("recordBreach", {"caseId": case["id"], "noticedOn": today().isoformat(), "note": " "})
    assert (missing["code"], missing["field"]) == ("MISSING_CONTENT", "note")
    breached = (await scene.ok("recordBreach", {"caseId": case["id"], "noticedOn": today().isoformat(), "note": "约定期限届满未支付赔偿款"}))["case"]
    assert breached["state"] == "BREACHED"
    assert breached["agreement"]["breach"] == {"noticedOn": today().isoformat(), "note": "约定期限届满未支付赔偿款", "recordedBy": "street_admin-changqing"}
    assert breached["agreement"]["nextSteps"] == ["JUDICIAL_CONFIRMATION", "LITIGATION"], "within 30 days the parties may still ask the court to confirm"
    enforce = await scene.error("recordCourtAction", {"caseId": case["id"], "action": "ENFORCEMENT", "court": "拱墅区人民法院", "filedOn": today().isoformat()})
    assert (enforce["code"], enforce["field"]) == ("NOT_OPEN", "action"), "only a confirmed agreement is enforced"
    sued = (await scene.ok("recordCourtAction", {"caseId": case["id"], "action": "LITIGATION", "court": "杭州市拱墅区人民法院", "filedOn": today().isoformat()}))["case"]
    assert sued["agreement"]["courtAction"] == {"action": "LITIGATION", "court": "杭州市拱墅区人民法院", "filedOn": today().isoformat()}
    assert sued["agreement"]["nextSteps"] == []
    assert "约定期限届满未支付赔偿款" in sued["history"][-1]["reason"]


async def test_only_staff_and_mediators_follow_up_performance(scene):
    case = await _performing(scene)
    owner0 = await scene.resident_token(0)
    for name, input_type, input in (
        ("confirmPerformance", "ConfirmPerformanceInput", {"caseId": case["id"], "checkedOn": today().isoformat(), "note": "x"}),
        ("recordBreach", "RecordBreachInput", {"caseId": case["id"], "noticedOn": today().isoformat(), "note": "x"}),
    ):
        errors = await scene.client.errors(f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ errors {{ code }} }} }}", {"i": input}, token=owner0)
        assert "mediation.case.manage" in errors[0]["message"], name
    assert (await scene.case(case["id"]))["agreement"]["breach"] is None
