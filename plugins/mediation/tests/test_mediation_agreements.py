"""Agreements: required content, signatures, the seal, oral agreements and judicial confirmation."""

from __future__ import annotations

from datetime import timedelta

from jiedao.core.clock import today


async def test_an_agreement_missing_content_is_refused_and_nothing_is_written(scene):
    case = await scene.in_mediation()
    for field, value, code in (
        ("facts", "  ", "MISSING_CONTENT"),
        ("disputedPoints", "", "MISSING_CONTENT"),
        ("terms", "", "MISSING_CONTENT"),
        ("performance", "", "MISSING_CONTENT"),
        ("performBy", None, "MISSING_CONTENT"),
        ("performBy", (today() - timedelta(days=1)).isoformat(), "DEADLINE_IN_PAST"),
    ):
        payload = await scene.draft(case["id"], **{field: value})
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], field
        assert payload["case"] is None
    assert (await scene.case(case["id"]))["agreement"] is None


async def test_signatures_by_non_parties_are_refused(scene):
    case = await scene.in_mediation()
    await scene.draft(case["id"])
    outsider = await scene.error("signAgreement", {"caseId": case["id"], "residentId": scene.residents[5]}, scene.tokens["med-a2"])
    assert outsider["code"] == "NOT_A_PARTY"
    owner0 = await scene.resident_token(0)
    for_other = await scene.error("signAgreement", {"caseId": case["id"], "residentId": scene.residents[1]}, owner0)
    assert for_other["code"] == "FORBIDDEN", "a party signs only for themselves"
    owner5 = await scene.resident_token(5)
    stranger = await scene.error("signAgreement", {"caseId": case["id"], "residentId": scene.residents[5]}, owner5)
    assert stranger["code"] == "NOT_FOUND", "a resident who is not a party cannot even see the case"
    not_the_mediator = await scene.error("signAgreement", {"caseId": case["id"]}, scene.tokens["med-a"])
    assert not_the_mediator["code"] == "NOT_THE_MEDIATOR"
    await scene.ok("signAgreement", {"caseId": case["id"], "residentId": scene.residents[0]}, owner0)
    twice = await scene.error("signAgreement", {"caseId": case["id"], "residentId": scene.residents[0]}, owner0)
    assert twice["code"] == "ALREADY_SIGNED"
    signatures = (await scene.case(case["id"]))["agreement"]["signatures"]
    assert [s["resident"]["id"] for s in signatures] == [scene.residents[0]]


async def test_the_agreement_takes_effect_only_when_everyone_signed_and_the_committee_sealed(scene):
    case = await scene.in_mediation()
    await scene.draft(case["id"])
    not_keeper = await scene.error("sealAgreement", {"caseId": case["id"]}, scene.tokens["med-a2"])
    assert not_keeper["code"] == "NOT_SEAL_KEEPER"
    sealed = (await scene.ok("sealAgreement", {"caseId": case["id"]}, scene.tokens["med-chair"]))["case"]
    assert sealed["state"] == "IN_MEDIATION" and sealed["agreement"]["sealedAt"] and not sealed["agreement"]["inEffect"]
    await scene.ok("signAgreement", {"caseId": case["id"], "residentId": scene.residents[0]}, scene.tokens["med-a2"])
    await scene.ok("signAgreement", {"caseId": case["id"]}, scene.tokens["med-a2"])
    still = await scene.case(case["id"])
    assert still["state"] == "IN_MEDIATION", "one party has not signed"
    last = (await scene.ok("signAgreement", {"caseId": case["id"], "residentId": scene.residents[1]}, scene.tokens["med-a2"]))["case"]
    assert last["state"] == "AGREED" and last["agreement"]["inEffect"]
    late = await scene.error("signAgreement", {"caseId": case["id"], "residentId": scene.residents[1]}, scene.tokens["med-a2"])
    assert late["code"] == "ALREADY_EFFECTIVE"


async def test_redrafting_voids_signatures(scene):
    case = await scene.in_mediation()
    await scene.draft(case["id"])
    await scene.ok("signAgreement", {"caseId": case["id"], "residentId": scene.residents[0]}, scene.tokens["med-a2"])
    redrafted = await scene.draft(case["id"], terms="赔偿3000元")
    assert redrafted["case"]["agreement"]["terms"] == "赔偿3000元"
    assert redrafted["case"]["agreement"]["signatures"] == []


async def test_an_oral_agreement_is_recorded_by_the_mediator_and_in_effect_at_once(scene):
    case = await scene.in_mediation()
    by_lead = await scene.draft(case["id"], token=scene.tokens["med-a"], oral=True)
    assert by_lead["errors"][0]["code"] == "NOT_THE_MEDIATOR"
    recorded = await scene.draft(case["id"], oral=True)
    assert recorded["errors"] == []
    agreed = recorded["case"]
    assert agreed["state"] == "AGREED" and agreed["agreement"]["oral"] and agreed["agreement"]["inEffect"]
    assert agreed["agreement"]["judicialConfirmation"] is None
    error = await scene.error("requestJudicialConfirmation", {"caseId": case["id"], "partyIds": scene.residents[:2], "court": "拱墅区人民法院"})
    assert error["code"] == "ORAL_AGREEMENT"


async def test_judicial_confirmation_requested_jointly_on_time(scene):
    case = await scene.agreed()
    alone = await scene.error("requestJudicialConfirmation", {"caseId": case["id"], "partyIds": scene.residents[:1], "court": "拱墅区人民法院"})
    assert alone["code"] == "NOT_JOINT"
    await scene.age_agreement(case["id"], 30)  # the last day
    done = (await scene.ok("requestJudicialConfirmation", {"caseId": case["id"], "partyIds": scene.residents[:2], "court": "拱墅区人民法院"}))["case"]
    assert done["agreement"]["judicialConfirmation"] == {
        "deadline": today().isoformat(),
        "requestedOn": today().isoformat(),
        "court": "拱墅区人民法院",
        "overdue": False,
        "ruling": None,
        "caseNumber": None,
        "ruledOn": None,
    }
    again = await scene.error("requestJudicialConfirmation", {"caseId": case["id"], "partyIds": scene.residents[:2], "court": "拱墅区人民法院"})
    assert again["code"] == "ALREADY_REQUESTED"


async def test_judicial_confirmation_after_30_days_is_refused_and_the_case_shows_it_overdue(scene):
    case = await scene.agreed()
    await scene.age_agreement(case["id"], 31)
    shown = (await scene.case(case["id"]))["agreement"]["judicialConfirmation"]
    assert shown["overdue"] is True and shown["deadline"] == (today() - timedelta(days=1)).isoformat()
    late = await scene.error("requestJudicialConfirmation", {"caseId": case["id"], "partyIds": scene.residents[:2], "court": "拱墅区人民法院"})
    assert late["code"] == "DEADLINE_PASSED" and shown["deadline"] in late["message"]
    assert (await scene.case(case["id"]))["agreement"]["judicialConfirmation"]["requestedOn"] is None


async def test_agreements_are_drafted_only_in_mediation(scene):
    case = await scene.open_case()
    error = (await scene.draft(case["id"], token=scene.tokens["admin"]))["errors"][0]
    assert error["code"] == "INVALID_STATE"
