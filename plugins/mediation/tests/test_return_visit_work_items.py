"""A return visit (回访) of an agreement in effect is a work item for the case's mediator; the
mediator resolving it records the visit, and recording the visit in mediation closes it."""

from __future__ import annotations

from datetime import timedelta

from jiedao.core.clock import today

INBOX = """{ workItems(first: 20) { edges { node { id subject title source state assigneeUsername dueAt } } } }"""
ITEM = """query($id: ID!) { workItem(id: $id) { state timeline { action toState actor note } } }"""
STEP = """mutation($input: WorkStepInput!) { acceptWorkItem(input: $input) { workItem { state } errors { code } } }"""
RESOLVE = """mutation($input: ResolveWorkItemInput!) { resolveWorkItem(input: $input) { workItem { state } errors { code } } }"""


async def visit_items(scene, token: str) -> list[dict]:
    edges = (await scene.client.query(INBOX, token=token))["workItems"]["edges"]
    return [e["node"] for e in edges if e["node"]["source"] == "RETURN_VISIT"]


async def test_the_mediator_resolves_the_return_visit_and_it_is_recorded(scene):
    case = await scene.agreed()
    [visit] = case["returnVisits"]
    [item] = await visit_items(scene, scene.tokens["med-a2"])
    assert (item["subject"], item["state"], item["assigneeUsername"]) == (visit["id"], "DISPATCHED", "med-a2")
    assert item["title"] == "回访（履行情况）：楼上漏水"
    assert await visit_items(scene, scene.tokens["med-b"]) == [], "another studio's mediator has nothing to visit"

    # A party to the case and another mediator may not settle it.
    for outsider in (await scene.resident_token(0), scene.tokens["med-b"]):
        refused = await scene.client.query(STEP, {"input": {"id": item["id"]}}, token=outsider)
        assert refused["acceptWorkItem"]["errors"] == [{"code": "FORBIDDEN"}]

    assert (await scene.client.query(STEP, {"input": {"id": item["id"]}}, token=scene.tokens["med-a2"]))["acceptWorkItem"]["errors"] == []
    resolved = await scene.client.query(RESOLVE, {"input": {"id": item["id"], "note": "防水已重做，赔偿已付清"}}, token=scene.tokens["med-a2"])
    assert resolved["resolveWorkItem"] == {"workItem": {"state": "CLOSED"}, "errors": []}

    [done] = (await scene.case(case["id"]))["returnVisits"]
    assert (done["doneOn"], done["overdue"]) == (today().isoformat(), False)
    again = await scene.error("recordReturnVisit", {"visitId": visit["id"], "notes": "再记一次"}, scene.tokens["med-a2"], fields="returnVisit { id }")
    assert again["code"] == "ALREADY_DONE"


async def test_recording_the_visit_in_mediation_closes_its_work_item(scene):
    case = await scene.agreed()
    due = (today() + timedelta(days=3)).isoformat()
    extra = (await scene.ok("scheduleReturnVisit", {"caseId": case["id"], "dueOn": due}, scene.tokens["med-a2"], fields="returnVisit { id }"))["returnVisit"]
    items = {i["subject"]: i for i in await visit_items(scene, scene.tokens["med-a2"])}
    assert len(items) == 2 and items[extra["id"]]["state"] == "DISPATCHED", "a visit scheduled by hand is a work item too"

    await scene.ok("recordReturnVisit", {"visitId": extra["id"], "notes": "已履行完毕"}, scene.tokens["med-a2"], fields="returnVisit { id }")
    closed = (await scene.client.query(ITEM, {"id": items[extra["id"]]["id"]}, token=scene.tokens["med-a2"]))["workItem"]
    assert closed["state"] == "CLOSED"
    assert (closed["timeline"][-1]["action"], closed["timeline"][-1]["actor"], closed["timeline"][-1]["note"]) == ("close", "mediation", "回访已记录：已履行完毕")
