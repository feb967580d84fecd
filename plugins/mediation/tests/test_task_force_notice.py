"""A task force's progress (findings rectified out of all, by department) is a public notice of
its compound: published on demand by the task-force manager and renewed whenever a finding is
rectified, one live notice at a time."""

from __future__ import annotations

from jiedao.api.organisations import OrganisationKind
from jiedao.core.testing.organisations import make_organisation
from jiedao.plugins.mediation.tests.conftest import gid
from jiedao.plugins.mediation.tests.test_finding_work_items import inbox, step, task_force_with_findings

NOTICES = """query($all: Boolean) { notices(first: 10, includeInactive: $all) { edges { node {
    id title body scope placeName subjectId withdrawalReason } } } }"""
PUBLISH = """mutation($input: PublishTaskForceProgressInput!) { publishTaskForceProgress(input: $input) {
    noticeId taskForce { id } errors { code field message } } }"""


async def notices(scene, token: str, include_inactive: bool = False) -> list[dict]:
    edges = (await scene.client.query(NOTICES, {"all": include_inactive}, token=token))["notices"]["edges"]
    return [e["node"] for e in edges]


async def test_the_manager_publishes_progress_and_a_rectification_renews_it(scene):
    fire = await scene.client.token("organisation_member", username="xiaofang-1")
    await make_organisation(scene.kernel, "changqing", OrganisationKind.DEPARTMENT, "长庆消防救援站", ["xiaofang-1"])
    tf, (fire_finding, _) = await task_force_with_findings(scene)
    owner = await scene.resident_token(0)

    # The lowest roles may not publish it: a resident, a grid worker (who reads task forces).
    for token in (owner, await scene.client.token("grid_worker")):
        errors = await scene.client.errors(PUBLISH, {"input": {"taskForceId": tf["id"]}}, token=token)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await notices(scene, owner) == []

    published = (await scene.client.query(PUBLISH, {"input": {"taskForceId": tf["id"]}}, token=scene.tokens["worker"]))["publishTaskForceProgress"]
    assert published["errors"] == [] and published["taskForce"]["id"] == tf["id"]
    [notice] = await notices(scene, owner)
    assert notice["id"] == published["noticeId"]
    assert (notice["title"], notice["scope"], notice["subjectId"]) == ("东清大厦整治专班整改进展公示", "COMPOUND", tf["id"])
    assert "共发现问题 2 处，已整改 0 处" in notice["body"] and "· 消防：已整改 0 / 共 1 处" in notice["body"]
    again = (await scene.client.query(PUBLISH, {"input": {"taskForceId": tf["id"]}}, token=scene.tokens["worker"]))["publishTaskForceProgress"]
    assert again["noticeId"] == notice["id"], "unchanged progress keeps the notice"

    # The fire department resolves its finding: the progress notice is replaced.
    item = (await inbox(scene, fire))[fire_finding["id"]]
    await scene.client.query(step("acceptWorkItem"), {"input": {"id": item["id"]}}, token=fire)
    await scene.client.query(step("resolveWorkItem"), {"input": {"id": item["id"], "outcome": "FIXED", "note": "已清理"}}, token=fire)
    [renewed] = await notices(scene, owner)
    assert renewed["id"] != notice["id"]
    assert "已整改 1 处，整改率 50%" in renewed["body"] and "· 消防：已整改 1 / 共 1 处" in renewed["body"] and "· 住建：已整改 0 / 共 1 处" in renewed["body"]
    history = {n["id"]: n for n in await notices(scene, scene.tokens["worker"], include_inactive=True)}
    assert history[notice["id"]]["withdrawalReason"] == "Replaced by a newer notice."


async def test_a_task_force_without_findings_has_nothing_to_publish(scene):
    input = {"name": "空专班", "compoundId": gid("Compound", scene.registry["compound"][0]), "departments": ["FIRE"], "startedOn": "2026-01-01"}
    tf = (await scene.ok("createTaskForce", input, scene.tokens["worker"], fields="taskForce { id }"))["taskForce"]
    refused = (await scene.client.query(PUBLISH, {"input": {"taskForceId": tf["id"]}}, token=scene.tokens["worker"]))["publishTaskForceProgress"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("MISSING_CONTENT", "taskForceId")]
