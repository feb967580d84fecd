"""The court's ruling on judicial confirmation (Art. 33; Civil Procedure Law Art. 205-206):
confirmed → a breach is enforced; refused → the parties change the agreement by mediation or sue."""

from __future__ import annotations

from datetime import timedelta

from jiedao.core.clock import today

COURT = "杭州市拱墅区人民法院"


async def _requested(scene) -> dict:
    case = await scene.agreed()
    return (await scene.ok("requestJudicialConfirmation", {"caseId": case["id"], "partyIds": scene.residents[:2], "court": COURT}))["case"]


async def test_the_ruling_is_recorded_with_its_case_number_and_date(scene):
    case = await scene.agreed()
    unrequested = await scene.error("recordJudicialRuling", {"caseId": case["id"], "ruling": "CONFIRMED", "caseNumber": "（2026）浙0105民特12号", "ruledOn": today().isoformat()})
    assert unrequested["code"] == "NOT_REQUESTED"
    await scene.ok("requestJudicialConfirmation", {"caseId": case["id"], "partyIds": scene.residents[:2], "court": COURT})
    bad_number = await scene.error("recordJudicialRuling", {"caseId": case["id"], "ruling": "CONFIRMED", "caseNumber": "12号", "ruledOn": today().isoformat()})
    assert (bad_number["code"], bad_number["field"]) == ("INVALID", "caseNumber")
    before = await scene.error(
        "recordJudicialRuling", {"caseId": case["id"], "ruling": "CONFIRMED", "caseNumber": "（2026）浙0105民特12号", "ruledOn": (today() - timedelta(days=1)).isoformat()}
    )
    assert before["field"] == "ruledOn"
    ruled = (await scene.ok("recordJudicialRuling", {"caseId": case["id"], "ruling": "CONFIRMED", "caseNumber": "（2026）浙0105民特12号", "ruledOn": today().isoformat()}))["case"]
    confirmation = ruled["agreement"]["judicialConfirmation"]
    assert (confirmation["ruling"], confirmation["caseNumber"], confirmation["ruledOn"]) == ("CONFIRMED", "（2026）浙0105民特12号", today().isoformat())
    again = await scene.error("recordJudicialRuling", {"caseId": case["id"], "ruling": "REFUSED", "caseNumber": "（2026）浙0105民特13号", "ruledOn": today().isoformat()})
    assert again["code"] == "ALREADY_RULED"
    assert ruled["agreement"]["nextSteps"] == [], "a confirmed agreement being performed needs nothing from the court"


async def test_a_confirmed_agreement_that_is_breached_goes_to_enforcement(scene):
    case = await _requested(scene)
    await scene.ok("recordJudicialRuling", {"caseId": case["id"], "ruling": "CONFIRMED", "caseNumber": "（2026）浙0105民特21号", "ruledOn": today().isoformat()})
    await scene.move(case["id"], "PERFORMING")
    breached = (await scene.ok("recordBreach", {"caseId": case["id"], "noticedOn": today().isoformat(), "note": "拒不支付"}))["case"]
    assert breached["agreement"]["nextSteps"] == ["ENFORCEMENT"]
    sue = await scene.error("recordCourtAction", {"caseId": case["id"], "action": "LITIGATION", "court": COURT, "filedOn": today().isoformat()})
    assert sue["code"] == "NOT_OPEN"
    enforced = (await scene.ok("recordCourtAction", {"caseId": case["id"], "action": "ENFORCEMENT", "court": COURT, "filedOn": today().isoformat()}))["case"]
    assert enforced["agreement"]["courtAction"]["action"] == "ENFORCEMENT"


async def test_a_refused_ruling_lets_the_parties_change_the_agreement_by_mediation(scene):
    case = await _requested(scene)
    not_yet = await scene.error("moveCase", {"caseId": case["id"], "to": "IN_MEDIATION", "reason": "重新调解"})
    assert (not_yet["code"], not_yet["field"]) == ("NOT_OPEN", "to"), "an agreement in force is not reopened at will"
    refused = (await scene.ok("recordJudicialRuling", {"caseId": case["id"], "ruling": "REFUSED", "caseNumber": "（2026）浙0105民特34号", "ruledOn": today().isoformat()}))["case"]
    assert refused["agreement"]["nextSteps"] == ["CHANGE_AGREEMENT", "LITIGATION"]
    again = await scene.move(case["id"], "IN_MEDIATION", "双方同意变更赔偿方式")
    assert again["state"] == "IN_MEDIATION"
    assert "（2026）浙0105民特34号" in again["history"][-1]["reason"] and "变更原调解协议" in again["history"][-1]["reason"]
    redrafted = await scene.draft(case["id"], terms="602室业主重做防水，赔偿款分两期支付")
    agreement = redrafted["case"]["agreement"]
    assert agreement["terms"] == "602室业主重做防水，赔偿款分两期支付"
    assert agreement["inEffect"] is False and agreement["signatures"] == [] and agreement["judicialConfirmation"] is None


async def test_a_refused_ruling_lets_a_party_sue(scene):
    case = await _requested(scene)
    await scene.ok("recordJudicialRuling", {"caseId": case["id"], "ruling": "REFUSED", "caseNumber": "（2026）浙0105民特35号", "ruledOn": today().isoformat()})
    sued = (await scene.ok("recordCourtAction", {"caseId": case["id"], "action": "LITIGATION", "court": COURT, "filedOn": today().isoformat()}))["case"]
    assert sued["agreement"]["courtAction"] == {"action": "LITIGATION", "court": COURT, "filedOn": today().isoformat()}


async def test_a_mediator_of_another_studio_cannot_record_a_ruling(scene):
    case = await _requested(scene)
    other = await scene.error("recordJudicialRuling", {"caseId": case["id"], "ruling": "CONFIRMED", "caseNumber": "（2026）浙0105民特40号", "ruledOn": today().isoformat()}, scene.tokens["med-b"])
    assert other["code"] == "NOT_FOUND"
    owner0 = await scene.resident_token(0)
    errors = await scene.client.errors(
        "mutation($i: RecordJudicialRulingInput!) { recordJudicialRuling(input: $i) { errors { code } } }",
        {"i": {"caseId": case["id"], "ruling": "CONFIRMED", "caseNumber": "（2026）浙0105民特40号", "ruledOn": today().isoformat()}}, token=owner0,
    )
    assert "mediation.case.manage" in errors[0]["message"]
    assert (await scene.case(case["id"]))["agreement"]["judicialConfirmation"]["ruling"] is None
