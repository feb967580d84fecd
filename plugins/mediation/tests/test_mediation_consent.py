"""Art. 17: mediation needs the parties' consent. The respondent (and an applicant who did not
apply themselves) accepts or refuses from their own account; staff record an answer given on
paper with its date; a refusal ends the case as REFUSED with its reason."""

from __future__ import annotations

from datetime import timedelta

from jiedao.core.clock import today


async def test_the_respondent_refuses_from_their_own_account_and_the_case_ends_refused(scene):
    case = await scene.open_case()
    await scene.move(case["id"], "ACCEPTED")
    owner1 = await scene.resident_token(1)
    no_reason = await scene.error("answerMediation", {"caseId": case["id"], "residentId": scene.residents[1], "accept": False}, owner1)
    assert (no_reason["code"], no_reason["field"]) == ("MISSING_CONTENT", "reason")
    refused = (await scene.ok(
        "answerMediation", {"caseId": case["id"], "residentId": scene.residents[1], "accept": False, "reason": "漏水不是我家造成的，要走法院"}, owner1
    ))["case"]
    assert refused["state"] == "REFUSED" and refused["closedAt"] is not None
    respondent = refused["parties"][1]
    assert respondent == {
        "role": "RESPONDENT", "resident": respondent["resident"], "answer": "REFUSED", "answeredOn": today().isoformat(),
        "answerChannel": "OWN_ACCOUNT", "answerRecordedBy": "owner-1", "refusalReason": "漏水不是我家造成的，要走法院",
    }
    last = refused["history"][-1]
    assert (last["fromState"], last["toState"], last["actor"]) == ("ACCEPTED", "REFUSED", "owner-1")
    assert "被申请人拒绝调解" in last["reason"] and "漏水不是我家造成的" in last["reason"]
    after = await scene.error("moveCase", {"caseId": case["id"], "to": "IN_MEDIATION"})
    assert after["code"] == "INVALID_TRANSITION", "a refused case is not mediated"


async def test_the_applicant_consented_by_applying(scene):
    case = await scene.open_case()
    applicant, respondent = case["parties"]
    assert (applicant["answer"], applicant["answerChannel"]) == ("ACCEPTED", "APPLICATION")
    assert respondent["answer"] is None


async def test_no_mediation_before_the_respondent_accepted(scene):
    case = await scene.open_case()
    await scene.move(case["id"], "ACCEPTED")
    await scene.ok("assignMediator", {"caseId": case["id"], "username": "med-a2"})
    early = await scene.error("moveCase", {"caseId": case["id"], "to": "IN_MEDIATION"}, scene.tokens["med-a2"])
    assert (early["code"], early["field"]) == ("CONSENT_REQUIRED", "to")
    assert "Art. 17" in early["message"]
    session = await scene.error(
        "recordMediationSession",
        {"caseId": case["id"], "heldOn": today().isoformat(), "participants": ["业主0"], "notes": "单方陈述"}, scene.tokens["med-a2"],
    )
    assert session["code"] == "CONSENT_REQUIRED"
    owner1 = await scene.resident_token(1)
    await scene.ok("answerMediation", {"caseId": case["id"], "residentId": scene.residents[1], "accept": True}, owner1)
    started = await scene.move(case["id"], "IN_MEDIATION", token=scene.tokens["med-a2"])
    assert started["state"] == "IN_MEDIATION"


async def test_a_referred_case_needs_both_parties_to_accept(scene):
    case = await scene.open_case(source="POLICE_REFERRAL", referredBy="长庆派出所")
    assert [p["answer"] for p in case["parties"]] == [None, None], "a referral is not the parties' consent"
    await scene.move(case["id"], "ACCEPTED")
    await scene.ok("assignMediator", {"caseId": case["id"], "username": "med-a2"})
    await scene.consent_on_paper(case["id"], 1)
    early = await scene.error("moveCase", {"caseId": case["id"], "to": "IN_MEDIATION"})
    assert early["code"] == "CONSENT_REQUIRED"
    await scene.consent_on_paper(case["id"], 0)
    assert (await scene.move(case["id"], "IN_MEDIATION"))["state"] == "IN_MEDIATION"


async def test_staff_record_a_refusal_given_on_paper_with_its_date(scene):
    case = await scene.open_case()
    written = (today() - timedelta(days=1)).isoformat()
    await scene.age_case(case["id"], 3)
    future = await scene.error(
        "answerMediation",
        {"caseId": case["id"], "residentId": scene.residents[1], "accept": False, "reason": "x", "paperDate": (today() + timedelta(days=1)).isoformat()},
        scene.tokens["med-a"],
    )
    assert (future["code"], future["field"]) == ("DATE_IN_FUTURE", "paperDate")
    before = await scene.error(
        "answerMediation",
        {"caseId": case["id"], "residentId": scene.residents[1], "accept": False, "reason": "x", "paperDate": (today() - timedelta(days=10)).isoformat()},
        scene.tokens["med-a"],
    )
    assert before["field"] == "paperDate"
    refused = (await scene.ok(
        "answerMediation",
        {"caseId": case["id"], "residentId": scene.residents[1], "accept": False, "reason": "书面回复：不同意调解", "paperDate": written},
        scene.tokens["med-a"],
    ))["case"]
    assert refused["state"] == "REFUSED"
    party = refused["parties"][1]
    assert (party["answer"], party["answeredOn"], party["answerChannel"], party["answerRecordedBy"]) == ("REFUSED", written, "PAPER", "med-a")


async def test_nobody_answers_for_a_party_online_and_a_resident_never_on_paper(scene):
    case = await scene.open_case()
    staff_online = await scene.error("answerMediation", {"caseId": case["id"], "residentId": scene.residents[1], "accept": True}, scene.tokens["med-a"])
    assert (staff_online["code"], staff_online["field"]) == ("FORBIDDEN", "residentId"), "staff do not click for the party"
    owner0 = await scene.resident_token(0)
    for_other = await scene.error("answerMediation", {"caseId": case["id"], "residentId": scene.residents[1], "accept": False, "reason": "x"}, owner0)
    assert (for_other["code"], for_other["field"]) == ("FORBIDDEN", "residentId")
    paper = await scene.error(
        "answerMediation", {"caseId": case["id"], "residentId": scene.residents[0], "accept": True, "paperDate": today().isoformat()}, owner0
    )
    assert (paper["code"], paper["field"]) == ("FORBIDDEN", "paperDate")
    owner5 = await scene.resident_token(5)
    stranger = await scene.error("answerMediation", {"caseId": case["id"], "residentId": scene.residents[5], "accept": False, "reason": "x"}, owner5)
    assert stranger["code"] == "NOT_FOUND"
    grid = await scene.client.token("grid_worker", username="grid-1")
    denied = await scene.client.errors(
        "mutation($i: AnswerMediationInput!) { answerMediation(input: $i) { errors { code } } }",
        {"i": {"caseId": case["id"], "residentId": scene.residents[1], "accept": False, "reason": "x", "paperDate": today().isoformat()}}, token=grid,
    )
    assert "mediation.case.answer" in denied[0]["message"]
    assert (await scene.case(case["id"]))["state"] == "APPLIED" and (await scene.case(case["id"]))["parties"][1]["answer"] is None


async def test_a_party_who_accepted_may_still_refuse_during_mediation(scene):
    case = await scene.in_mediation()
    owner1 = await scene.resident_token(1)
    twice = await scene.error("answerMediation", {"caseId": case["id"], "residentId": scene.residents[1], "accept": True}, owner1)
    assert twice["code"] == "ALREADY_ANSWERED"
    withdrawn = (await scene.ok(
        "answerMediation", {"caseId": case["id"], "residentId": scene.residents[1], "accept": False, "reason": "不想再调了"}, owner1
    ))["case"]
    assert withdrawn["state"] == "REFUSED" and withdrawn["history"][-1]["fromState"] == "IN_MEDIATION"


async def test_staff_cannot_mark_a_case_refused_without_a_party_answer(scene):
    case = await scene.open_case()
    error = await scene.error("moveCase", {"caseId": case["id"], "to": "REFUSED", "reason": "被申请人拒绝"})
    assert (error["code"], error["field"]) == ("ANSWER_REQUIRED", "to")
    assert (await scene.case(case["id"]))["state"] == "APPLIED"


async def test_a_third_partys_refusal_is_recorded_but_does_not_end_the_dispute(scene):
    parties = [{"residentId": scene.residents[0], "role": "APPLICANT"}, {"residentId": scene.residents[1], "role": "RESPONDENT"},
               {"residentId": scene.residents[2], "role": "THIRD_PARTY"}]
    opened = {"title": "楼上漏水", "category": "WATER_LEAK", "source": "APPLICATION", "studioId": scene.studio_a, "parties": parties}
    case = (await scene.ok("openCase", opened))["case"]
    owner2 = await scene.resident_token(2)
    after = (await scene.ok("answerMediation", {"caseId": case["id"], "residentId": scene.residents[2], "accept": False, "reason": "与我无关"}, owner2))["case"]
    assert after["state"] == "APPLIED" and after["parties"][2]["answer"] == "REFUSED"
    await scene.move(case["id"], "ACCEPTED")
    await scene.ok("assignMediator", {"caseId": case["id"], "username": "med-a2"})
    await scene.consent_on_paper(case["id"], 1)
    assert (await scene.move(case["id"], "IN_MEDIATION"))["state"] == "IN_MEDIATION", "the disputants consented"
