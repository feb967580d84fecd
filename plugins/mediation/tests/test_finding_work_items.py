"""Each task-force finding is a work item for its department: the department's member resolves
it and the finding becomes rectified; a finding rectified in mediation closes its item."""

from __future__ import annotations

import pytest

from datetime import timedelta

from jiedao.api.organisations import OrganisationKind
from jiedao.core.clock import today
from jiedao.core.testing.organisations import make_organisation
from jiedao.plugins.mediation.tests.conftest import gid

INBOX = """{ workItems(first: 20) { edges { node {
    id subject title category source state assigneeOrganisationName building { id } dueAt
} } } }"""
ITEM = """query($id: ID!) { workItem(id: $id) { state outcomeNote timeline { action toState actor note } } }"""
FINDING = """query($id: ID!) { node(id: $id) { ... on Finding { status evidence } } }"""


def step(name: str, fields: str = "workItem { state } errors { code field message }") -> str:
    input_type = name[0].upper() + name[1:]
    input_type = {"acceptWorkItem": "WorkStepInput", "resolveWorkItem": "ResolveWorkItemInput"}.get(name, input_type + "Input")
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} }} }}"


async def task_force_with_findings(scene) -> tuple[dict, list[dict]]:
    """A task force of 消防 and 住建 over the scene's compound, with one finding for each."""
    worker = scene.tokens["worker"]
    input = {
        "name": "东清大厦整治专班", "compoundId": gid("Compound", scene.registry["compound"][0]),
        "departments": ["FIRE", "HOUSING"], "startedOn": today().isoformat(),
    }
    tf = (await scene.ok("createTaskForce", input, worker, fields="taskForce { id }"))["taskForce"]
    deadline = (today() + timedelta(days=14)).isoformat()
    findings = [
        {"buildingId": scene.buildings[0], "category": "BLOCKED_FIRE_EXIT", "department": "FIRE", "deadline": deadline, "location": "3楼消防通道"},
        {"buildingId": scene.buildings[1], "category": "OCCUPIED_COMMON_AREA", "department": "HOUSING", "deadline": deadline, "location": "楼道堆物"},
    ]
    added = await scene.ok("addFindings", {"taskForceId": tf["id"], "findings": findings}, worker, fields="findings { id }")
    return tf, added["findings"]


async def inbox(scene, token: str) -> dict[str, dict]:
    """The caller's work items by subject."""
    edges = (await scene.client.query(INBOX, token=token))["workItems"]["edges"]
    return {e["node"]["subject"]: e["node"] for e in edges}


async def test_the_department_member_resolves_the_finding_and_it_becomes_rectified(scene):
    fire = await scene.client.token("organisation_member", username="xiaofang-1")
    police = await scene.client.token("organisation_member", username="paichusuo-1")
    await make_organisation(scene.kernel, "changqing", OrganisationKind.DEPARTMENT, "长庆消防救援站", ["xiaofang-1"])
    await make_organisation(scene.kernel, "changqing", OrganisationKind.DEPARTMENT, "长庆派出所", ["paichusuo-1"])
    tf, (fire_finding, housing_finding) = await task_force_with_findings(scene)

    mine = await inbox(scene, fire)
    assert list(mine) == [fire_finding["id"]], "the fire department sees its own finding only"
    item = mine[fire_finding["id"]]
    assert (item["source"], item["state"], item["assigneeOrganisationName"], item["building"]["id"]) == (
        "TASK_FORCE", "DISPATCHED", "长庆消防救援站", scene.buildings[0],
    )
    assert item["title"].startswith("【消防】东清大厦整治专班") and item["dueAt"].startswith((today() + timedelta(days=14)).isoformat())
    # No 住建 organisation in the street: that item waits for street staff, the department in its title.
    housing = (await inbox(scene, scene.tokens["worker"]))[housing_finding["id"]]
    assert housing["state"] == "NEW" and housing["assigneeOrganisationName"] is None and "住建" in housing["title"]

    # The lowest roles try to settle the fire department's item.
    owner = await scene.resident_token(0)
    for outsider in (owner, police):
        refused = await scene.client.query(step("acceptWorkItem"), {"input": {"id": item["id"]}}, token=outsider)
        assert refused["acceptWorkItem"]["errors"][0]["code"] == "FORBIDDEN"

    accepted = await scene.client.query(step("acceptWorkItem"), {"input": {"id": item["id"], "note": "已安排"}}, token=fire)
    assert accepted["acceptWorkItem"] == {"workItem": {"state": "ACCEPTED"}, "errors": []}
    resolved = await scene.client.query(
        step("resolveWorkItem"), {"input": {"id": item["id"], "outcome": "FIXED", "note": "堆物已清，通道畅通"}}, token=fire
    )
    assert resolved["resolveWorkItem"] == {"workItem": {"state": "CLOSED"}, "errors": []}

    finding = (await scene.client.query(FINDING, {"id": fire_finding["id"]}, token=scene.tokens["worker"]))["node"]
    assert finding["status"] == "RECTIFIED"
    assert finding["evidence"] == [f"工单 {item['id']}：堆物已清，通道畅通"]


async def test_a_finding_rectified_in_mediation_closes_its_work_item(scene):
    worker = scene.tokens["worker"]
    tf, (_, housing_finding) = await task_force_with_findings(scene)
    housing = (await inbox(scene, worker))[housing_finding["id"]]
    move = "finding { status }"
    await scene.ok("moveFinding", {"findingId": housing_finding["id"], "to": "NOTIFIED"}, worker, fields=move)
    assert (await scene.client.query(ITEM, {"id": housing["id"]}, token=worker))["workItem"]["state"] == "NEW"
    await scene.ok("moveFinding", {"findingId": housing_finding["id"], "to": "RECTIFIED", "evidence": ["photo:after.jpg"]}, worker, fields=move)

    closed = (await scene.client.query(ITEM, {"id": housing["id"]}, token=worker))["workItem"]
    assert closed["state"] == "CLOSED"
    assert [(s["action"], s["toState"], s["actor"]) for s in closed["timeline"]] == [("open", "NEW", "jiedao"), ("close", "CLOSED", "mediation")]
    assert "photo:after.jpg" in closed["timeline"][-1]["note"]
    # Verifying it afterwards leaves the closed item alone.
    await scene.ok("moveFinding", {"findingId": housing_finding["id"], "to": "VERIFIED"}, worker, fields=move)
    assert (await scene.client.query(ITEM, {"id": housing["id"]}, token=worker))["workItem"]["state"] == "CLOSED"


@pytest.mark.demo
async def test_the_demo_task_forces_pending_findings_wait_on_their_departments(kernel):
    from sqlalchemy import func, select

    from jiedao.core.organisations.models import Organisation
    from jiedao.core.work.models import WorkItem
    from jiedao.plugins.mediation.models import Finding

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        pending = await session.scalar(select(func.count()).select_from(Finding).where(Finding.status.in_(["open", "notified"])))
        by_department = dict((await session.execute(
            select(Organisation.name, func.count()).select_from(WorkItem).join(Organisation, Organisation.id == WorkItem.assignee_org_id, isouter=True)
            .where(WorkItem.source == "TASK_FORCE").group_by(Organisation.name)
        )).all())
        unmatched = await session.scalar(select(func.count()).select_from(Finding).where(
            Finding.status.in_(["open", "notified"]), Finding.department.in_(["emergency", "justice"])))  # no 应急/司法 organisation in the demo
        visits = await session.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.source == "RETURN_VISIT", WorkItem.assignee_user_id.is_not(None)))
    assert pending > 0 and sum(by_department.values()) == pending
    assert by_department.get(None, 0) == unmatched, "only departments without an organisation wait for staff"
    assert "长庆消防救援站" in by_department and visits > 0
