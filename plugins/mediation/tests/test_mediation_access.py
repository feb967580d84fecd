"""Who sees which cases: studios' mediators, parties, street staff, the other street."""

from __future__ import annotations

CASES = "{ mediationCases { totalCount edges { node { id title } } } }"


async def _ids(scene, token, street="changqing"):
    data = await scene.client.query(CASES, token=token, street=street)
    return {e["node"]["id"] for e in data["mediationCases"]["edges"]}


async def test_mediators_see_only_their_studios_cases(scene):
    mine = await scene.open_case()
    theirs = await scene.open_case((2, 3), studio=scene.studio_b)
    assert await _ids(scene, scene.tokens["med-a"]) == {mine["id"]}
    assert await _ids(scene, scene.tokens["med-a2"]) == {mine["id"]}
    assert await _ids(scene, scene.tokens["med-b"]) == {theirs["id"]}
    assert await scene.case(mine["id"], scene.tokens["med-b"]) is None
    refused = await scene.error("moveCase", {"caseId": mine["id"], "to": "ACCEPTED"}, scene.tokens["med-b"])
    assert refused["code"] == "NOT_FOUND"
    assert (await scene.case(mine["id"]))["state"] == "APPLIED"


async def test_street_staff_see_every_case(scene):
    a = await scene.open_case()
    b = await scene.open_case((2, 3), studio=scene.studio_b)
    assert await _ids(scene, scene.tokens["worker"]) == {a["id"], b["id"]}
    assert await _ids(scene, scene.tokens["admin"]) == {a["id"], b["id"]}


async def test_parties_see_their_own_cases_only(scene):
    theirs = await scene.open_case((0, 1))
    await scene.open_case((2, 3))
    owner1 = await scene.resident_token(1)
    owner5 = await scene.resident_token(5)
    assert await _ids(scene, owner1) == {theirs["id"]}
    assert await _ids(scene, owner5) == set()
    seen = await scene.case(theirs["id"], owner1)
    assert seen["state"] == "APPLIED"
    errors = await scene.client.errors(
        "mutation($i: MoveCaseInput!) { moveCase(input: $i) { errors { code } } }", {"i": {"caseId": theirs["id"], "to": "ACCEPTED"}}, token=owner1
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN", "parties do not run the case"


async def test_resident_cases_and_building_cases_respect_visibility(scene):
    case = await scene.open_case((0, 1))
    query = "query($r: ID!, $b: ID!) { node(id: $r) { ... on Resident { cases { id } } } building(id: $b) { cases { id } } }"
    variables = {"r": scene.residents[0], "b": scene.buildings[0]}
    as_worker = await scene.client.query(query, variables, token=scene.tokens["worker"])
    assert as_worker == {"node": {"cases": [{"id": case["id"]}]}, "building": {"cases": [{"id": case["id"]}]}}
    as_other_studio = await scene.client.query(query, variables, token=scene.tokens["med-b"])
    assert as_other_studio == {"node": {"cases": []}, "building": {"cases": []}}


async def test_a_resident_applies_for_their_own_dispute_only(scene):
    owner2 = await scene.resident_token(2)
    base = {"title": "楼上噪音", "category": "NOISE", "source": "APPLICATION", "studioId": scene.studio_a}
    others = await scene.error(
        "openCase", {**base, "parties": [{"residentId": scene.residents[3], "role": "APPLICANT"}, {"residentId": scene.residents[4], "role": "RESPONDENT"}]}, owner2
    )
    assert others["code"] == "FORBIDDEN"
    referral = await scene.error("openCase", {**base, "source": "COURT_REFERRAL", "referredBy": "法院", "parties": [{"residentId": scene.residents[2], "role": "APPLICANT"}]}, owner2)
    assert referral["code"] == "FORBIDDEN"
    applied = (await scene.ok(
        "openCase", {**base, "parties": [{"residentId": scene.residents[2], "role": "APPLICANT"}, {"residentId": scene.residents[3], "role": "RESPONDENT"}]}, owner2
    ))["case"]
    assert applied["state"] == "APPLIED"
    assert await _ids(scene, owner2) == {applied["id"]}


async def test_node_returns_a_case_only_to_those_who_may_see_it(scene):
    case = await scene.open_case()
    query = "query($id: ID!) { node(id: $id) { id } }"
    assert (await scene.client.query(query, {"id": case["id"]}, token=scene.tokens["med-b"]))["node"] is None
    assert (await scene.client.query(query, {"id": case["id"]}, token=scene.tokens["med-a"]))["node"] == {"id": case["id"]}


async def test_gongchen_cannot_see_changqing(scene):
    case = await scene.open_case()
    gongchen_admin = await scene.client.token("street_admin", "gongchen")
    assert await _ids(scene, gongchen_admin, street="gongchen") == set()
    data = await scene.client.query("query($id: ID!) { mediationCase(id: $id) { id } studios { name } }", {"id": case["id"]}, token=gongchen_admin, street="gongchen")
    assert data == {"mediationCase": None, "studios": []}
    refused = await scene.client.query(
        'mutation($i: MoveCaseInput!) { moveCase(input: $i) { errors { code } } }',
        {"i": {"caseId": case["id"], "to": "ACCEPTED"}}, token=gongchen_admin, street="gongchen",
    )
    assert refused["moveCase"]["errors"] == [{"code": "NOT_FOUND"}]
    assert (await scene.case(case["id"]))["state"] == "APPLIED"


async def test_anonymous_callers_see_nothing(scene):
    await scene.open_case()
    errors = await scene.client.errors(CASES)
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_mediators_open_cases_in_their_own_studio_only(scene):
    input = {"title": "噪音", "category": "NOISE", "source": "STUDIO_INITIATIVE", "studioId": scene.studio_b,
             "parties": [{"residentId": scene.residents[0], "role": "APPLICANT"}]}
    refused = await scene.error("openCase", input, scene.tokens["med-a"])
    assert refused["code"] == "NOT_A_MEMBER"
    opened = (await scene.ok("openCase", {**input, "studioId": scene.studio_a}, scene.tokens["med-a"]))["case"]
    assert opened["state"] == "APPLIED" and opened["studio"]["name"] == "潘大姐工作室"
