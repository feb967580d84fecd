"""A case from application to fulfilment, failure, refusal and breach; moves out of order."""

from __future__ import annotations

from datetime import date, timedelta

from jiedao.core.clock import today


async def test_agreement_lifecycle_from_application_to_fulfilment(scene):
    case = await scene.open_case()
    assert case["state"] == "APPLIED"
    assert [p["role"] for p in case["parties"]] == ["APPLICANT", "RESPONDENT"]
    assert case["places"][0]["unit"]["id"] == scene.units[0]

    await scene.move(case["id"], "ACCEPTED", "受理")
    refused = await scene.error("moveCase", {"caseId": case["id"], "to": "IN_MEDIATION"})
    assert refused["code"] == "MEDIATOR_REQUIRED"
    await scene.ok("assignMediator", {"caseId": case["id"], "username": "med-a2"})
    owner1 = await scene.resident_token(1)
    await scene.ok("answerMediation", {"caseId": case["id"], "residentId": scene.residents[1], "accept": True}, owner1)
    await scene.move(case["id"], "IN_MEDIATION", token=scene.tokens["med-a2"])
    held = (today() - timedelta(days=1)).isoformat()
    after = await scene.ok(
        "recordMediationSession",
        {"caseId": case["id"], "heldOn": held, "participants": ["业主0", "业主1", "小王"], "notes": "现场查看渗水点"},
        scene.tokens["med-a2"],
    )
    assert after["case"]["sessions"] == [{"heldOn": held, "participants": ["业主0", "业主1", "小王"], "notes": "现场查看渗水点"}]

    assert (await scene.draft(case["id"]))["errors"] == []
    owner0 = await scene.resident_token(0)
    signed = await scene.ok("signAgreement", {"caseId": case["id"], "residentId": scene.residents[0]}, owner0)
    assert signed["case"]["agreement"]["inEffect"] is False
    await scene.ok("signAgreement", {"caseId": case["id"], "residentId": scene.residents[1]}, scene.tokens["med-a2"])
    signed = await scene.ok("signAgreement", {"caseId": case["id"]}, scene.tokens["med-a2"])
    assert signed["case"]["state"] == "IN_MEDIATION", "not in effect before the committee seals it"

    sealed = (await scene.ok("sealAgreement", {"caseId": case["id"]}, scene.tokens["med-chair"]))["case"]
    assert sealed["state"] == "AGREED"
    agreement = sealed["agreement"]
    assert agreement["inEffect"] and agreement["effectiveOn"] == today().isoformat()
    assert agreement["judicialConfirmation"] == {
        "deadline": (today() + timedelta(days=30)).isoformat(),
        "requestedOn": None,
        "court": None,
        "overdue": False,
        "ruling": None,
        "caseNumber": None,
        "ruledOn": None,
    }
    assert len(sealed["returnVisits"]) == 1, "a return visit is scheduled once the agreement is in effect"
    assert {s["recordedBy"] for s in agreement["signatures"]} == {"owner-0", "med-a2"}

    await scene.move(case["id"], "PERFORMING", "开始施工")
    same_day = await scene.error("moveCase", {"caseId": case["id"], "to": "FULFILLED", "reason": "回访确认已履行"})
    assert same_day["code"] == "PERFORMANCE_NOT_CONFIRMED", "not fulfilled the day it was agreed"
    await scene.age_performance(case["id"], 16)
    await scene.ok("confirmPerformance", {"caseId": case["id"], "checkedOn": today().isoformat(), "note": "防水已重做，赔偿款已付清"}, scene.tokens["med-a2"])
    await scene.ok("recordReturnVisit", {"visitId": sealed["returnVisits"][0]["id"], "notes": "双方满意"}, fields="returnVisit { doneOn }")
    done = await scene.move(case["id"], "FULFILLED", "回访确认已履行")
    assert done["closedAt"] is not None
    steps = [(h["fromState"], h["toState"], h["actor"]) for h in done["history"]]
    assert steps == [
        (None, "APPLIED", "street_admin-changqing"),
        ("APPLIED", "ACCEPTED", "street_admin-changqing"),
        ("ACCEPTED", "IN_MEDIATION", "med-a2"),
        ("IN_MEDIATION", "AGREED", "med-chair"),
        ("AGREED", "PERFORMING", "street_admin-changqing"),
        ("PERFORMING", "FULFILLED", "street_admin-changqing"),
    ]
    assert done["history"][1]["reason"] == "受理"
    assert all(h["at"] for h in done["history"])


async def test_failed_mediation_needs_a_reason_and_closes_the_case(scene):
    case = await scene.in_mediation()
    missing = await scene.error("moveCase", {"caseId": case["id"], "to": "FAILED"})
    assert missing["code"] == "MISSING_CONTENT" and missing["field"] == "reason"
    failed = await scene.move(case["id"], "FAILED", "双方对赔偿数额分歧过大，告知可向法院起诉")
    assert failed["state"] == "FAILED" and failed["closedAt"] is not None
    again = await scene.error("moveCase", {"caseId": case["id"], "to": "IN_MEDIATION"})
    assert again["code"] == "INVALID_TRANSITION"
    assert "none (the case is closed)" in again["message"]




async def test_breach_of_an_agreement(scene):
    case = await scene.agreed()
    jump = await scene.error("moveCase", {"caseId": case["id"], "to": "BREACHED", "reason": "未付款"})
    assert jump["code"] == "INVALID_TRANSITION", "agreed → performing → breached"
    await scene.move(case["id"], "PERFORMING")
    breached = (await scene.ok("recordBreach", {"caseId": case["id"], "noticedOn": today().isoformat(), "note": "约定期限届满未支付赔偿款"}))["case"]
    assert breached["state"] == "BREACHED"


async def test_moves_out_of_order_are_refused_and_leave_no_trace(scene):
    case = await scene.open_case()
    for target in ("IN_MEDIATION", "PERFORMING", "FULFILLED", "FAILED"):
        error = await scene.error("moveCase", {"caseId": case["id"], "to": target, "reason": "x"})
        assert error["code"] == "INVALID_TRANSITION", target
        assert "'applied' cannot become" in error["message"] and "accepted, refused" in error["message"]
    after = await scene.case(case["id"])
    assert after["state"] == "APPLIED" and len(after["history"]) == 1


async def test_agreed_only_through_an_agreement_in_effect(scene):
    case = await scene.in_mediation()
    error = await scene.error("moveCase", {"caseId": case["id"], "to": "AGREED"})
    assert error["code"] == "AGREEMENT_NOT_EFFECTIVE"


async def test_referred_cases_name_who_referred_them(scene):
    missing = await scene.error(
        "openCase",
        {"title": "邻里纠纷", "category": "NEIGHBOUR_CONFLICT", "source": "POLICE_REFERRAL", "studioId": scene.studio_a,
         "parties": [{"residentId": scene.residents[2], "role": "APPLICANT"}]},
    )
    assert missing["code"] == "MISSING_CONTENT" and missing["field"] == "referredBy"
    case = await scene.open_case(source="COURT_REFERRAL", referredBy="拱墅区人民法院")
    assert case["state"] == "REFERRED" and case["referredBy"] == "拱墅区人民法院"
    assert case["history"][0]["reason"] == "referred by 拱墅区人民法院"


async def test_bad_case_input_writes_nothing(scene):
    unknown = await scene.error(
        "openCase",
        {"title": "x", "category": "NOISE", "source": "APPLICATION", "studioId": scene.studio_a,
         "parties": [{"residentId": "UmVzaWRlbnQ6OTk5OTk", "role": "APPLICANT"}]},
    )
    assert unknown["code"] == "NOT_FOUND" and unknown["field"] == "parties[0].residentId"
    wrong_unit = await scene.error(
        "openCase",
        {"title": "x", "category": "NOISE", "source": "APPLICATION", "studioId": scene.studio_a,
         "parties": [{"residentId": scene.residents[0], "role": "APPLICANT"}],
         "places": [{"buildingId": scene.buildings[1], "unitId": scene.units[0]}]},
    )
    assert wrong_unit["code"] == "NOT_FOUND"
    listed = await scene.client.query("{ mediationCases { totalCount } }", token=scene.tokens["admin"])
    assert listed["mediationCases"]["totalCount"] == 0


async def test_sessions_cannot_be_recorded_in_the_future(scene):
    case = await scene.in_mediation()
    error = await scene.error(
        "recordMediationSession",
        {"caseId": case["id"], "heldOn": (today() + timedelta(days=2)).isoformat(), "participants": ["a"], "notes": "n"},
        scene.tokens["med-a2"],
    )
    assert error["code"] == "DATE_IN_FUTURE"


async def test_cases_open_longer_than_30_days_are_flagged(scene):
    old = await scene.open_case()
    fresh = await scene.open_case((2, 3))
    await scene.age_case(old["id"], 31)
    assert (await scene.case(old["id"]))["openTooLong"] is True
    assert (await scene.case(fresh["id"]))["openTooLong"] is False
    flagged = await scene.client.query("{ mediationCases(openTooLong: true) { edges { node { id } } } }", token=scene.tokens["admin"])
    assert [e["node"]["id"] for e in flagged["mediationCases"]["edges"]] == [old["id"]]


async def test_return_visits_are_scheduled_and_recorded(scene):
    case = await scene.agreed()
    past = await scene.error(
        "scheduleReturnVisit", {"caseId": case["id"], "dueOn": date(2020, 1, 1).isoformat()}, fields="returnVisit { dueOn }"
    )
    assert past["code"] == "DEADLINE_IN_PAST"
    due = (today() + timedelta(days=40)).isoformat()
    visit = (await scene.ok("scheduleReturnVisit", {"caseId": case["id"], "dueOn": due}, fields="returnVisit { id dueOn }"))["returnVisit"]
    assert visit["dueOn"] == due
    done = await scene.ok("recordReturnVisit", {"visitId": visit["id"], "notes": "防水已重做，无渗漏"}, fields="returnVisit { doneOn notes }")
    assert done["returnVisit"] == {"doneOn": today().isoformat(), "notes": "防水已重做，无渗漏"}
