"""Who may download a case's documents, over HTTP and through ``mediationDocuments``: each role
tries, the lowest first."""

from __future__ import annotations

from jiedao.plugins.mediation.tests.conftest import gid
from jiedao.plugins.mediation.tests.pdfs import text_of

LINKS = "query($id: ID!) { mediationDocuments(caseId: $id) { agreement { url contentType } archive { url contentType } } }"


async def get(scene, path: str, token: str | None):
    headers = {"accept-language": "en", **({"authorization": f"Bearer {token}"} if token else {})}
    return await scene.client.http.get(path, headers=headers)


async def links(scene, case_id: str, token: str):
    return (await scene.client.query(LINKS, {"id": case_id}, token=token))["mediationDocuments"]


async def test_each_role_gets_exactly_the_documents_it_may_have(scene):
    case = await scene.in_mediation()
    assert (await scene.draft(case["id"]))["errors"] == []
    agreement = f"/mediation/changqing/cases/{case['id']}/agreement.pdf"
    archive = f"/mediation/changqing/cases/{case['id']}/archive.pdf"
    party = await scene.resident_token(0)
    stranger = await scene.resident_token(5)
    grid_worker = await scene.client.token("grid_worker")

    for path in (agreement, archive):
        anonymous = await get(scene, path, None)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
        assert (await get(scene, path, "not-a-token")).status_code == 401
        assert (await get(scene, path, grid_worker)).status_code == 403, "no mediation.case.read"
        assert (await get(scene, path, stranger)).status_code == 404, "a resident who is no party does not learn the case exists"
        assert (await get(scene, path, scene.tokens["med-b"])).status_code == 404, "another studio's mediator"
    refused = await get(scene, archive, party)
    assert refused.status_code == 403 and "parties may download their agreement" in refused.text

    assert await links(scene, case["id"], stranger) is None
    assert await links(scene, case["id"], scene.tokens["med-b"]) is None
    assert (await scene.client.errors(LINKS, {"id": case["id"]}, token=grid_worker))[0]["message"]
    assert await links(scene, case["id"], party) == {"agreement": {"url": agreement, "contentType": "application/pdf"}, "archive": None}
    staff = {"agreement": {"url": agreement, "contentType": "application/pdf"}, "archive": {"url": archive, "contentType": "application/pdf"}}
    for who in ("med-a", "worker"):  # the studio's lead (not the case's mediator), street staff
        assert await links(scene, case["id"], scene.tokens[who]) == staff, who

    mine = await get(scene, agreement, party)
    assert mine.status_code == 200 and "人民调解协议书" in text_of(mine.content)
    studio = await get(scene, archive, scene.tokens["med-a"])
    assert studio.status_code == 200 and "人民调解卷宗" in text_of(studio.content)

    audit = await scene.client.query(
        '{ auditLog(first: 10, action: "mediation.document.exported") { edges { node { actor target details } } } }', token=scene.tokens["admin"]
    )
    assert [e["node"] for e in audit["auditLog"]["edges"]] == [
        {"actor": "owner-0", "target": case["id"], "details": {"document": "agreement"}},
        {"actor": "med-a", "target": case["id"], "details": {"document": "archive"}},
    ], "every download is audited, refusals are not downloads"


async def test_no_agreement_link_without_a_written_agreement(scene):
    case = await scene.in_mediation()
    path = f"/mediation/changqing/cases/{case['id']}/agreement.pdf"
    none_yet = await get(scene, path, scene.tokens["med-a2"])
    assert none_yet.status_code == 404 and "no written agreement" in none_yet.text
    assert (await links(scene, case["id"], scene.tokens["med-a2"]))["agreement"] is None

    assert (await scene.draft(case["id"], oral=True))["errors"] == []
    oral = await get(scene, path, scene.tokens["med-a2"])
    assert oral.status_code == 404, "an oral agreement (Art. 30) has no 协议书; it is recorded in the archive"
    assert (await links(scene, case["id"], scene.tokens["med-a2"]))["agreement"] is None


async def test_malformed_ids_and_streets_without_mediation_are_refused(scene):
    token = scene.tokens["admin"]
    bad = await get(scene, "/mediation/changqing/cases/not-an-id/agreement.pdf", token)
    assert bad.status_code == 400 and "not-an-id" in bad.text
    studio = await get(scene, f"/mediation/changqing/cases/{scene.studio_a}/archive.pdf", token)
    assert studio.status_code == 400, "the ID of a studio is not a case's"
    missing = await get(scene, f"/mediation/changqing/cases/{gid('Case', 999999)}/archive.pdf", token)
    assert missing.status_code == 404
    elsewhere = await get(scene, f"/mediation/nowhere/cases/{gid('Case', 1)}/archive.pdf", token)
    assert elsewhere.status_code == 404
