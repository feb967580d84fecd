"""Studios and mediators: membership, recusal, outside mediators, escalation, attachments."""

from __future__ import annotations

import base64

from sqlalchemy import update

from jiedao.core.identity.models import User
from jiedao.core.testing.outbox import outbox
from jiedao.schema.ids import decode_global_id
from jiedao.api.files import LocalFileStore
from jiedao.plugins.mediation.tests.conftest import Scene


async def test_only_mediators_join_studios_and_the_lead_is_listed_first(scene):
    worker = await scene.error("addStudioMember", {"studioId": scene.studio_a, "username": "community_worker-changqing"}, fields="studio { name }")
    assert worker["code"] == "NOT_A_MEDIATOR"
    studios = await scene.client.query("{ studios { name members { username displayName isLead } } }", token=scene.tokens["worker"])
    assert studios["studios"][0] == {
        "name": "潘大姐工作室",
        "members": [
            {"username": "med-a", "displayName": "潘大姐", "isLead": True},
            {"username": "med-a2", "displayName": "小王", "isLead": False},
        ],
    }


async def test_a_mediator_related_to_a_party_cannot_be_assigned(scene: Scene):
    async with scene.kernel.db.transaction() as session:
        await session.execute(update(User).where(User.username == "med-a2").values(resident_id=scene.registry["residents"][1]))
    case = await scene.open_case()
    refused = await scene.error("assignMediator", {"caseId": case["id"], "username": "med-a2"})
    assert refused["code"] == "CONFLICT_OF_INTEREST" and "party" in refused["message"]
    assert (await scene.case(case["id"]))["mediatorUsername"] is None


async def test_recusal_removes_the_mediator_and_bars_reassignment(scene):
    case = await scene.in_mediation()
    recused = (await scene.ok("recuseMediator", {"caseId": case["id"], "username": "med-a2", "reason": "与被申请人系表亲"}))["case"]
    assert recused["mediatorUsername"] is None
    assert recused["recusals"] == [{"username": "med-a2", "reason": "与被申请人系表亲"}]
    again = await scene.error("assignMediator", {"caseId": case["id"], "username": "med-a2"})
    assert again["code"] == "RECUSED"
    other_studio = await scene.error("assignMediator", {"caseId": case["id"], "username": "med-b"})
    assert other_studio["code"] == "NOT_A_MEMBER"
    assigned = (await scene.ok("assignMediator", {"caseId": case["id"], "username": "med-a"}))["case"]
    assert assigned["mediatorUsername"] == "med-a"


async def test_an_outside_mediator_needs_the_parties_consent(scene):
    case = await scene.in_mediation()
    input = {"caseId": case["id"], "name": "张律师", "kind": "LAWYER", "organisation": "浙江某律师事务所", "partiesConsent": " "}
    refused = await scene.error("inviteOutsideMediator", input, scene.tokens["med-a2"])
    assert refused["code"] == "MISSING_CONTENT" and refused["field"] == "partiesConsent"
    input["partiesConsent"] = "双方于调解会上口头同意，已记录"
    invited = (await scene.ok("inviteOutsideMediator", input, scene.tokens["med-a2"]))["case"]
    assert invited["outsideMediators"] == [{"name": "张律师", "kind": "LAWYER", "consentNote": "双方于调解会上口头同意，已记录"}]


async def test_escalation_notifies_the_grid_worker_and_police_liaison(scene):
    case = await scene.in_mediation()
    pk = decode_global_id(case["id"])[1]
    await scene.client.token("grid_worker", username="gw-m")
    fields = "case { escalated } notified errors { field message code }"
    query = f"mutation($input: EscalateCaseInput!) {{ escalateCase(input: $input) {{ {fields} }} }}"
    blank = (await scene.client.query(query, {"input": {"caseId": case["id"], "reason": ""}}, token=scene.tokens["med-a2"]))["escalateCase"]
    assert blank["errors"][0]["code"] == "MISSING_CONTENT"
    assert await outbox(scene.kernel, subject=f"Case:{pk}") == []
    done = (await scene.client.query(query, {"input": {"caseId": case["id"], "reason": "双方多次争吵并扬言动手"}}, token=scene.tokens["med-a2"]))["escalateCase"]
    assert done == {"case": {"escalated": True}, "notified": ["grid_worker", "police_liaison"], "errors": []}
    written = await outbox(scene.kernel, subject=f"Case:{pk}")  # in the escalation's own transaction
    assert [(m.recipient_name, m.recipient_role) for m in written] == [("gw-m", "grid_worker")]
    assert all(m.severity == "critical" and "纠纷有激化风险" in m.text for m in written)


async def test_attachments_go_to_the_file_store(make_kernel, password_hash, tmp_path):
    from jiedao.core.testing.fixtures import app_client
    from jiedao.plugins.mediation.tests.conftest import build_scene

    streets = {
        "changqing": {"name": "长庆街道", "plugins": ["mediation"], "mediation": {"file_store": str(tmp_path / "files"), "max_attachment_bytes": 100}},
    }
    kernel = await make_kernel(streets=streets)
    async with app_client(kernel, password_hash) as client:
        s = await build_scene(client, kernel)
        case = await s.in_mediation()
        content = "现场照片".encode()
        input = {"caseId": case["id"], "name": "漏水照片.jpg", "contentType": "image/jpeg", "contentBase64": base64.b64encode(content).decode()}
        attached = (await s.ok("addCaseAttachment", input, s.tokens["med-a2"]))["case"]["attachments"]
        assert [(a["name"], a["size"]) for a in attached] == [("漏水照片.jpg", len(content))]
        assert LocalFileStore(tmp_path / "files").get(attached[0]["reference"]) == content
        too_big = await s.error("addCaseAttachment", {**input, "contentBase64": base64.b64encode(b"x" * 101).decode()}, s.tokens["med-a2"])
        assert too_big["code"] == "TOO_LARGE"
        bad = await s.error("addCaseAttachment", {**input, "contentBase64": "not base64!"}, s.tokens["med-a2"])
        assert bad["code"] == "INVALID"
