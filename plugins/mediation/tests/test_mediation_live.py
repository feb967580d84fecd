"""``mediationCaseChanged`` and ``taskForceChanged``: a case's steps and a task force's findings
arrive live, only to those the queries show them to — the case's studio's mediators and street
staff, not the mediator of another studio, not a resident who is no party; task forces to
holders of ``mediation.taskforce.read`` only (a resident is refused)."""

from __future__ import annotations

from datetime import timedelta

from jiedao.core.clock import today
from jiedao.core.testing.subscriber import Subscriber
from jiedao.plugins.mediation.tests.conftest import gid

CASE_LIVE = "subscription($id: ID) { mediationCaseChanged(caseId: $id) { id state sessions { notes } } }"
TASK_FORCE_LIVE = "subscription($id: ID) { taskForceChanged(taskForceId: $id) { id progress { department open total } } }"


async def test_a_case_step_reaches_its_studio_and_staff_only(scene):
    case = await scene.in_mediation()
    party = await scene.resident_token(0)
    outsider = await scene.resident_token(5)
    listeners = {
        "med-a": await Subscriber(scene.kernel, scene.tokens["med-a"], CASE_LIVE, {"id": case["id"]}).start(),
        "worker": await Subscriber(scene.kernel, scene.tokens["worker"], CASE_LIVE).start(),
        "party": await Subscriber(scene.kernel, party, CASE_LIVE).start(),
        "med-b": await Subscriber(scene.kernel, scene.tokens["med-b"], CASE_LIVE).start(),
        "outsider": await Subscriber(scene.kernel, outsider, CASE_LIVE).start(),
    }
    try:
        held = {"caseId": case["id"], "heldOn": today().isoformat(), "participants": ["业主0", "小王"], "notes": "第一次调解"}
        await scene.ok("recordMediationSession", held, scene.tokens["med-a2"])
        for name in ("med-a", "worker", "party"):
            seen = (await listeners[name].received())["mediationCaseChanged"]
            assert seen == {"id": case["id"], "state": "IN_MEDIATION", "sessions": [{"notes": "第一次调解"}]}, name
        assert await listeners["med-b"].nothing_within(), "another studio's mediator does not see the case"
        assert await listeners["outsider"].nothing_within(0.1), "a resident who is no party does not see it"
    finally:
        for listener in listeners.values():
            await listener.stop()


async def test_findings_reach_readers_of_task_forces_and_residents_are_refused(scene):
    input = {"name": "东清大厦整治专班", "compoundId": gid("Compound", scene.registry["compound"][0]), "departments": ["FIRE"], "startedOn": today().isoformat()}
    tf = (await scene.ok("createTaskForce", input, scene.tokens["worker"], fields="taskForce { id }"))["taskForce"]
    grid = await Subscriber(scene.kernel, await scene.client.token("grid_worker"), TASK_FORCE_LIVE, {"id": tf["id"]}).start()
    resident = await Subscriber(scene.kernel, await scene.resident_token(0), TASK_FORCE_LIVE).start()
    try:
        assert await resident.first_error_code() == "FORBIDDEN"
        finding = {
            "buildingId": scene.buildings[0], "category": "BLOCKED_FIRE_EXIT", "department": "FIRE",
            "deadline": (today() + timedelta(days=14)).isoformat(), "location": "3楼消防通道",
        }
        added = await scene.ok("addFindings", {"taskForceId": tf["id"], "findings": [finding]}, scene.tokens["worker"], fields="findings { id }")
        seen = (await grid.received())["taskForceChanged"]
        assert seen == {"id": tf["id"], "progress": [{"department": "FIRE", "open": 1, "total": 1}]}
        await scene.ok("moveFinding", {"findingId": added["findings"][0]["id"], "to": "NOTIFIED"}, scene.tokens["worker"], fields="finding { status }")
        assert (await grid.received())["taskForceChanged"]["progress"] == [{"department": "FIRE", "open": 0, "total": 1}]
    finally:
        await grid.stop()
        await resident.stop()
