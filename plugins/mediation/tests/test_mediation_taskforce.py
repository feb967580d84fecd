"""Rectification task forces: findings in bulk, their status, progress, events, disputes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from jiedao.core.clock import today
from jiedao.core.testing.plain_path import resolved_parent_types
from jiedao.plugins.mediation.models import Finding
from jiedao.plugins.mediation.tests.conftest import gid

FINDING = "findings { id status category department evidence overdue building { id } unit { id } }"


@pytest.fixture
def events(kernel):
    """The mediation.finding.* events delivered, as another plugin (credit) would receive them."""
    seen = []

    async def handler(event, delivery):
        seen.append((event.name, delivery.street, event.fields()))

    for name in ("mediation.finding.created", "mediation.finding.status_changed"):
        kernel.contributions.handlers[name].append(("core", handler))
    return seen


async def _task_force(scene, departments=("FIRE", "HOUSING", "LAW_ENFORCEMENT"), name="东清大厦整治专班"):
    input = {
        "name": name,
        "compoundId": gid("Compound", scene.registry["compound"][0]),
        "departments": list(departments),
        "startedOn": today().isoformat(),
    }
    return (await scene.ok("createTaskForce", input, scene.tokens["worker"], fields="taskForce { id name departments }"))["taskForce"]


def _finding(scene, **changes):
    return {
        "buildingId": scene.buildings[0],
        "category": "BLOCKED_FIRE_EXIT",
        "department": "FIRE",
        "deadline": (today() + timedelta(days=14)).isoformat(),
        "location": "3楼消防通道",
        **changes,
    }


async def test_findings_in_bulk_progress_and_events(scene, events):
    tf = await _task_force(scene)
    items = [
        _finding(scene),
        _finding(scene, category="ILLEGAL_CONSTRUCTION", department="LAW_ENFORCEMENT", unitId=scene.units[1], location=""),
        _finding(scene, category="OCCUPIED_COMMON_AREA", department="HOUSING", buildingId=scene.buildings[1], location="楼道堆物"),
    ]
    added = (await scene.ok("addFindings", {"taskForceId": tf["id"], "findings": items}, scene.tokens["worker"], fields=FINDING))["findings"]
    assert [f["status"] for f in added] == ["OPEN"] * 3
    assert [(n, p["category"], p["status"], p["building_id"]) for n, _, p in events] == [
        ("mediation.finding.created", "blocked_fire_exit", "open", scene.registry["buildings"][0]),
        ("mediation.finding.created", "illegal_construction", "open", scene.registry["buildings"][0]),
        ("mediation.finding.created", "occupied_common_area", "open", scene.registry["buildings"][1]),
    ]

    fire = added[0]["id"]
    move = "finding { status evidence }"
    skipped = await scene.error("moveFinding", {"findingId": fire, "to": "RECTIFIED"}, scene.tokens["worker"], fields=move)
    assert skipped["code"] == "INVALID_TRANSITION"
    await scene.ok("moveFinding", {"findingId": fire, "to": "NOTIFIED"}, scene.tokens["worker"], fields=move)
    bare = await scene.error("moveFinding", {"findingId": fire, "to": "RECTIFIED"}, scene.tokens["worker"], fields=move)
    assert bare["code"] == "EVIDENCE_REQUIRED"
    await scene.ok("moveFinding", {"findingId": fire, "to": "RECTIFIED", "evidence": ["photo:dq-3f-after.jpg"]}, scene.tokens["worker"], fields=move)
    verified = await scene.ok("moveFinding", {"findingId": fire, "to": "VERIFIED"}, scene.tokens["worker"], fields=move)
    assert verified["finding"] == {"status": "VERIFIED", "evidence": ["photo:dq-3f-after.jpg"]}
    assert [(n, p["status"]) for n, _, p in events[3:]] == [
        ("mediation.finding.status_changed", "notified"),
        ("mediation.finding.status_changed", "rectified"),
        ("mediation.finding.status_changed", "verified"),
    ]

    query = """query($id: ID!, $b: ID!) {
      taskForce(id: $id) { progress { department category open verified total overdue }
                           findings(status: OPEN) { totalCount } }
      building(id: $b) { findings { category status } }
    }"""
    data = await scene.client.query(query, {"id": tf["id"], "b": scene.buildings[1]}, token=await scene.client.token("grid_worker"))
    assert data["taskForce"]["progress"] == [
        {"department": "FIRE", "category": "BLOCKED_FIRE_EXIT", "open": 0, "verified": 1, "total": 1, "overdue": 0},
        {"department": "HOUSING", "category": "OCCUPIED_COMMON_AREA", "open": 1, "verified": 0, "total": 1, "overdue": 0},
        {"department": "LAW_ENFORCEMENT", "category": "ILLEGAL_CONSTRUCTION", "open": 1, "verified": 0, "total": 1, "overdue": 0},
    ]
    assert data["taskForce"]["findings"]["totalCount"] == 2
    assert data["building"]["findings"] == [{"category": "OCCUPIED_COMMON_AREA", "status": "OPEN"}]


async def test_one_bad_finding_records_none(scene, events):
    tf = await _task_force(scene, departments=("FIRE",))
    items = [
        _finding(scene),
        _finding(scene, deadline=(today() - timedelta(days=1)).isoformat()),
        _finding(scene, department="POLICE"),
        _finding(scene, location=""),
    ]
    payload = await scene.mutate("addFindings", {"taskForceId": tf["id"], "findings": items}, scene.tokens["worker"], fields=FINDING)
    assert payload["findings"] == []
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("findings.1.deadline", "DEADLINE_IN_PAST"),
        ("findings.2.department", "DEPARTMENT_NOT_IN_TASK_FORCE"),
        ("findings.3.location", "MISSING_CONTENT"),
    ]
    count = await scene.client.query("query($id: ID!) { taskForce(id: $id) { findings { totalCount } } }", {"id": tf["id"]}, token=scene.tokens["worker"])
    assert count["taskForce"]["findings"]["totalCount"] == 0
    assert events == []


async def test_an_owner_disputing_a_finding_gets_a_mediation_case(scene):
    tf = await _task_force(scene)
    unit_finding = _finding(scene, category="ILLEGAL_CONSTRUCTION", department="LAW_ENFORCEMENT", unitId=scene.units[1], location="阳台违建")
    added = (await scene.ok("addFindings", {"taskForceId": tf["id"], "findings": [unit_finding]}, scene.tokens["worker"], fields=FINDING))["findings"]
    finding = added[0]["id"]
    input = {"findingId": finding, "residentId": scene.residents[2], "studioId": scene.studio_a, "description": "业主认为阳台为原始结构"}
    not_owner = await scene.error("disputeFinding", input, scene.tokens["worker"])
    assert not_owner["code"] == "NOT_THE_OWNER"
    case = (await scene.ok("disputeFinding", {**input, "residentId": scene.residents[1]}, scene.tokens["worker"]))["case"]
    assert (case["state"], case["source"], case["category"], case["referredBy"]) == ("REFERRED", "TASK_FORCE_REFERRAL", "RENOVATION", "东清大厦整治专班")
    assert [(p["role"], p["resident"]) for p in case["parties"]] == [("APPLICANT", {"id": scene.residents[1], "name": "业主1"})]
    twice = await scene.error("disputeFinding", {**input, "residentId": scene.residents[1]}, scene.tokens["worker"])
    assert twice["code"] == "ALREADY_DISPUTED"
    query = "query($id: ID!) { node(id: $id) { ... on Finding { case { id } } } }"
    assert (await scene.client.query(query, {"id": finding}, token=scene.tokens["med-a"]))["node"]["case"] == {"id": case["id"]}
    assert (await scene.client.query(query, {"id": finding}, token=scene.tokens["med-b"]))["node"]["case"] is None


async def test_residents_cannot_see_task_forces(scene):
    await _task_force(scene)
    owner = await scene.resident_token(0)
    errors = await scene.client.errors("{ taskForces { name } }", token=owner)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_task_force_list_shows_each_ones_compound_and_progress_read_ahead(scene, monkeypatch):
    """The list of task forces (the cases screen) shows each one's compound and progress, an
    overdue finding counted as overdue; the progress of every task force is read in one
    statement, the same for one task force as for two, and graphql-core resolves no field of a
    task force."""
    query = "{ taskForces { id name compound { name } progress { department category open overdue total } } }"
    first = await _task_force(scene)
    await scene.ok("addFindings", {"taskForceId": first["id"], "findings": [_finding(scene)]}, scene.tokens["worker"], fields=FINDING)
    grid = await scene.client.token("grid_worker")
    one = await scene.client.statements(query, token=grid)
    second = await _task_force(scene, departments=("HOUSING",), name="楼道堆物整治专班")
    housing = _finding(scene, category="OCCUPIED_COMMON_AREA", department="HOUSING", location="楼道堆物")
    await scene.ok("addFindings", {"taskForceId": second["id"], "findings": [housing, housing]}, scene.tokens["worker"], fields=FINDING)
    async with scene.kernel.db.transaction(scene.kernel.street_id("changqing")) as session:
        late = await session.scalar(select(Finding.id).where(Finding.department == "housing").order_by(Finding.id).limit(1))
        await session.execute(update(Finding).where(Finding.id == late).values(deadline=today() - timedelta(days=1)))

    resolved = resolved_parent_types(monkeypatch)
    listed = (await scene.client.query(query, token=grid))["taskForces"]
    compound = listed[0]["compound"]["name"]
    assert [(t["id"], t["compound"]["name"], t["progress"]) for t in listed] == [
        (first["id"], compound, [{"department": "FIRE", "category": "BLOCKED_FIRE_EXIT", "open": 1, "overdue": 0, "total": 1}]),
        (second["id"], compound, [{"department": "HOUSING", "category": "OCCUPIED_COMMON_AREA", "open": 2, "overdue": 1, "total": 2}]),
    ]
    assert "TaskForce" not in resolved, resolved
    assert await scene.client.statements(query, token=grid) == one
