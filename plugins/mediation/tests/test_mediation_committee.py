"""The people's mediation committee (人民调解委员会, Art. 8-9) and its seal (Art. 29): only the
member keeping the committee's seal makes an agreement take effect."""

from __future__ import annotations

import base64

COMMITTEE = "committee { id name seal { name number image imageType } members { username office keepsSeal } studios { name } }"


async def _signed(scene) -> dict:
    """A case in mediation whose agreement every party and the mediator signed."""
    case = await scene.in_mediation()
    assert (await scene.draft(case["id"]))["errors"] == []
    for i in (0, 1):
        await scene.ok("signAgreement", {"caseId": case["id"], "residentId": scene.residents[i]}, scene.tokens["med-a2"])
    await scene.ok("signAgreement", {"caseId": case["id"]}, scene.tokens["med-a2"])
    return case


async def test_the_studio_lead_and_street_staff_cannot_seal_only_the_committee_keeper(scene):
    case = await _signed(scene)
    for who in ("med-a", "admin", "worker"):
        refused = await scene.error("sealAgreement", {"caseId": case["id"]}, scene.tokens[who])
        assert refused["code"] == "NOT_SEAL_KEEPER", who
        assert "committee" in refused["message"]
    owner0 = await scene.resident_token(0)
    by_party = await scene.client.errors('mutation($id: ID!) { sealAgreement(input: {caseId: $id}) { errors { code } } }', {"id": case["id"]}, token=owner0)
    assert "mediation.agreement.seal" in by_party[0]["message"], "a resident may not seal"
    assert (await scene.case(case["id"]))["state"] == "IN_MEDIATION"

    sealed = (await scene.ok("sealAgreement", {"caseId": case["id"]}, scene.tokens["med-chair"]))["case"]
    assert sealed["state"] == "AGREED"
    assert sealed["agreement"]["sealedBy"] == "med-chair"
    assert sealed["agreement"]["sealCommittee"] == {"name": "长庆街道人民调解委员会", "seal": {"name": "长庆街道人民调解委员会", "number": "330105-TJ-001"}}


async def test_handing_the_seal_to_another_member_takes_it_from_the_first(scene):
    case = await _signed(scene)
    moved = await scene.ok(
        "addCommitteeMember", {"committeeId": scene.committee, "username": "med-b", "office": "DEPUTY_DIRECTOR", "keepsSeal": True}, fields=COMMITTEE
    )
    members = {m["username"]: (m["office"], m["keepsSeal"]) for m in moved["committee"]["members"]}
    assert members == {"med-chair": ("DIRECTOR", False), "med-b": ("DEPUTY_DIRECTOR", True)}
    former = await scene.error("sealAgreement", {"caseId": case["id"]}, scene.tokens["med-chair"])
    assert former["code"] == "NOT_SEAL_KEEPER"
    sealed = (await scene.ok("sealAgreement", {"caseId": case["id"]}, scene.tokens["med-b"]))["case"]
    assert sealed["state"] == "AGREED" and sealed["agreement"]["sealedBy"] == "med-b"


async def test_a_studio_without_a_committee_cannot_seal(scene):
    orphan = (await scene.ok("createStudio", {"name": "无委员会工作室"}, fields="studio { id committee { name } }"))["studio"]
    assert orphan["committee"] is None
    await scene.ok("addStudioMember", {"studioId": orphan["id"], "username": "med-a2"}, fields="studio { id }")
    case = await scene.open_case(studio=orphan["id"])
    await scene.consent_on_paper(case["id"], 1)
    await scene.move(case["id"], "ACCEPTED")
    await scene.ok("assignMediator", {"caseId": case["id"], "username": "med-a2"})
    await scene.move(case["id"], "IN_MEDIATION", token=scene.tokens["med-a2"])
    await scene.draft(case["id"])
    refused = await scene.error("sealAgreement", {"caseId": case["id"]}, scene.tokens["admin"])
    assert refused["code"] == "NO_COMMITTEE" and "setStudioCommittee" in refused["message"]
    attached = await scene.ok("setStudioCommittee", {"studioId": orphan["id"], "committeeId": scene.committee}, fields="studio { committee { name } }")
    assert attached["studio"]["committee"] == {"name": "长庆街道人民调解委员会"}
    sealed = (await scene.ok("sealAgreement", {"caseId": case["id"]}, scene.tokens["med-chair"]))["case"]
    assert sealed["agreement"]["sealedAt"] is not None


async def test_the_seal_is_recorded_with_its_number_and_image(scene, tmp_path):
    image = b"\x89PNG\r\n\x1a\n seal"
    recorded = await scene.ok(
        "setCommitteeSeal",
        {"committeeId": scene.committee, "sealName": "杭州市拱墅区长庆街道人民调解委员会", "sealNumber": "3301050012345",
         "imageBase64": base64.b64encode(image).decode(), "imageContentType": "image/png"},
        fields=COMMITTEE,
    )
    seal = recorded["committee"]["seal"]
    assert seal["name"] == "杭州市拱墅区长庆街道人民调解委员会" and seal["number"] == "3301050012345"
    assert seal["image"].startswith("sha256/") and seal["imageType"] == "image/png"
    assert [s["name"] for s in recorded["committee"]["studios"]] == ["潘大姐工作室", "老傅调解室"]
    blank = await scene.error("setCommitteeSeal", {"committeeId": scene.committee, "sealName": " "}, fields=COMMITTEE)
    assert (blank["code"], blank["field"]) == ("MISSING_CONTENT", "sealName")
    wrong = await scene.error(
        "setCommitteeSeal", {"committeeId": scene.committee, "sealName": "x", "imageBase64": "aGk=", "imageContentType": "text/plain"}, fields=COMMITTEE
    )
    assert wrong["field"] == "imageContentType"


async def test_committee_members_are_mediators_and_only_staff_appoint_them(scene):
    grid = await scene.client.token("grid_worker", username="grid-1")
    not_mediator = await scene.error("addCommitteeMember", {"committeeId": scene.committee, "username": "grid-1", "office": "MEMBER"}, fields=COMMITTEE)
    assert (not_mediator["code"], not_mediator["field"]) == ("NOT_A_MEDIATOR", "username")
    for token in (scene.tokens["med-a"], grid):
        refused = await scene.client.errors(
            'mutation($id: ID!) { addCommitteeMember(input: {committeeId: $id, username: "med-a", office: MEMBER, keepsSeal: true}) { errors { code } } }',
            {"id": scene.committee}, token=token,
        )
        assert "mediation.committee.manage" in refused[0]["message"], "a mediator cannot appoint themselves keeper of the seal"
    listed = await scene.client.query("{ mediationCommittees { name members { username keepsSeal } } }", token=scene.tokens["med-a"])
    assert listed["mediationCommittees"] == [{"name": "长庆街道人民调解委员会", "members": [{"username": "med-chair", "keepsSeal": True}]}]
