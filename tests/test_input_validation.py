"""Issue 13, item 14: every mutation's input is validated before anything is stored.

The attack: the worst value of each kind (300,000 characters, a NUL byte, a control
character, the years 1 and 9999, a time without zone, -1e308, a string one character longer
than its column) sent to mutations of every plugin and of the core. Each must answer
``BAD_INPUT`` naming the field, the same on SQLite and PostgreSQL (which used to store the
long title, or fail with INTERNAL), and store nothing.
"""

from __future__ import annotations

from typing import Annotated

import pytest
import strawberry
from sqlalchemy import func, inspect, select

from jiedao.core.errors import DomainError
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import encode_global_id
from jiedao.schema.validation import MaxLength, check_input

BIG = "长" * 300_000
NUL = "abc\x00def"
BELL = "abc\x07def"
NAIVE = "2026-05-01T09:00:00"
YEAR_1 = "0001-01-01T00:00:00+00:00"
YEAR_9999 = "9999-12-31T23:00:00+00:00"
LATER = "2026-05-08T09:00:00+08:00"

STUDIO = {"name": "潘大姐工作室"}
CASE = {"title": "漏水", "category": "NOISE", "source": "APPLICATION", "studioId": "{studio}", "parties": [{"residentId": "{resident}", "role": "APPLICANT"}]}
TASK_FORCE = {"name": "东清大厦整治", "compoundId": "{compound}", "departments": ["FIRE"], "startedOn": "2026-05-01"}
TOPIC = {"title": "加装电梯"}
MEETING = {"kind": "JOINT", "title": "半月谈", "scheduledAt": LATER, "agenda": [{"title": "电梯"}]}
BALLOT = {"title": "加装电梯", "matter": "是否加装", "rule": "SIMPLE_MAJORITY", "scope": {"compoundId": "{compound}"}, "opensAt": LATER, "closesAt": LATER}
ENTERPRISE = {"name": "小吃店", "licenceNo": "JY-1", "licenceIssuedOn": "2024-01-01"}
PENALTY = {"enterpriseId": "{enterprise}", "decidedOn": "2026-01-01", "decisionNo": "罚1"}
INSPECTION = {"enterpriseId": "{enterprise}", "inspectedOn": "2026-01-01", "items": [{"code": "1.1", "score": 1, "maxScore": 2}]}
DEVICE = {"deviceId": "EM-9", "kind": "SMOKE_DETECTOR"}
LOGIN = {"username": "someone", "password": "secret"}

# (plugin, mutation, input type, selection, valid input, path of the bad value, bad value)
CASES = [
    ("mediation", "createStudio", "CreateStudioInput", "studio { id }", STUDIO, "name", BIG),
    ("mediation", "createStudio", "CreateStudioInput", "studio { id }", STUDIO, "name", NUL),
    ("mediation", "createStudio", "CreateStudioInput", "studio { id }", STUDIO, "description", BIG),
    ("mediation", "openCase", "OpenCaseInput", "case { id }", CASE, "title", BIG),
    ("mediation", "openCase", "OpenCaseInput", "case { id }", CASE, "title", "长" * 201),
    ("mediation", "openCase", "OpenCaseInput", "case { id }", CASE, "description", NUL),
    ("mediation", "createTaskForce", "CreateTaskForceInput", "taskForce { id }", TASK_FORCE, "startedOn", "0001-01-01"),
    ("mediation", "createTaskForce", "CreateTaskForceInput", "taskForce { id }", TASK_FORCE, "startedOn", "9999-12-31"),
    ("deliberation", "raiseTopic", "RaiseTopicInput", "topic { id }", TOPIC, "title", BIG),
    ("deliberation", "raiseTopic", "RaiseTopicInput", "topic { id }", TOPIC, "title", NUL),
    ("deliberation", "raiseTopic", "RaiseTopicInput", "topic { id }", TOPIC, "description", BELL),
    ("deliberation", "scheduleMeeting", "ScheduleMeetingInput", "meeting { id }", MEETING, "scheduledAt", NAIVE),
    ("deliberation", "scheduleMeeting", "ScheduleMeetingInput", "meeting { id }", MEETING, "scheduledAt", YEAR_1),
    ("deliberation", "scheduleMeeting", "ScheduleMeetingInput", "meeting { id }", MEETING, "scheduledAt", YEAR_9999),
    ("deliberation", "scheduleMeeting", "ScheduleMeetingInput", "meeting { id }", MEETING, "agenda[0].title", NUL),
    ("deliberation", "createBallot", "CreateBallotInput", "ballot { id }", BALLOT, "opensAt", NAIVE),
    ("credit", "createEnterprise", "CreateEnterpriseInput", "enterprise { id }", ENTERPRISE, "name", BIG),
    ("credit", "createEnterprise", "CreateEnterpriseInput", "enterprise { id }", ENTERPRISE, "licenceNo", NUL),
    ("credit", "createEnterprise", "CreateEnterpriseInput", "enterprise { id }", ENTERPRISE, "licenceIssuedOn", "0001-01-01"),
    ("credit", "recordPenalty", "RecordPenaltyInput", "evidence { id }", PENALTY, "amountYuan", -1e308),
    ("credit", "recordPenalty", "RecordPenaltyInput", "evidence { id }", PENALTY, "amountYuan", -1),
    ("credit", "recordInspection", "RecordInspectionInput", "evidence { id }", INSPECTION, "items[0].score", 1e308),
    ("credit", "createCreditScorecardVersion", "CreateScorecardVersionInput", "scorecard { version }", {"definition": {}}, "definition", {"name": NUL}),
    ("sensors", "registerDevice", "RegisterDeviceInput", "device { id }", DEVICE, "deviceId", BIG),
    ("sensors", "registerDevice", "RegisterDeviceInput", "device { id }", DEVICE, "name", NUL),
    ("sensors", "acknowledgeAlarm", "AcknowledgeAlarmInput", "alarm { id }", {"alarmId": encode_global_id("Alarm", 1)}, "note", NUL),
    ("core", "login", "LoginInput", "token", LOGIN, "username", BIG),
    ("core", "login", "LoginInput", "token", LOGIN, "password", NUL),
]


def _ids(case) -> str:
    value = case[6]
    shown = f"{len(value)} chars" if isinstance(value, str) and len(value) > 40 else repr(value)
    return f"{case[1]}.{case[5]}={shown}"


def _set(target: dict, path: str, value) -> None:
    """Put ``value`` at ``path`` (``agenda[0].title``) inside ``target``."""
    *parents, last = path.split(".")
    for part in parents:
        name, _, index = part.partition("[")
        target = target[name][int(index[:-1])] if index else target[name]
    target[last] = value


def _fill(value, refs: dict):
    if isinstance(value, dict):
        return {k: _fill(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, refs) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return refs[value[1:-1]]
    return value


async def _rows(kernel) -> dict[str, int]:
    from jiedao.core.db import Base

    async with kernel.db.transaction() as session:
        existing = set(await session.run_sync(lambda sync: inspect(sync.connection()).get_table_names()))
        tables = [t for t in Base.metadata.sorted_tables if t.name in existing]  # other tests register example plugins' models
        return {t.name: await session.scalar(select(func.count()).select_from(t)) for t in tables}


async def _mutate(client, token, name, input_type, selection, input) -> dict:
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} errors {{ field code message }} }} }}"
    body = await client.result(query, {"input": input}, token=token)
    assert "errors" not in body, body["errors"]
    return body["data"][name]


@pytest.fixture
async def refs(kernel, client):
    """IDs the valid inputs refer to: a studio, a resident, a compound, an enterprise."""
    registry = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    token = await client.token("street_admin")
    refs = {
        "token": token,
        "resident": encode_global_id("Resident", registry["residents"][0]),
        "compound": encode_global_id("Compound", registry["compound"][0]),
    }
    if "mediation" in kernel.installed:
        refs["studio"] = (await _mutate(client, token, "createStudio", "CreateStudioInput", "studio { id }", STUDIO))["studio"]["id"]
    if "credit" in kernel.installed:
        made = await _mutate(client, token, "createEnterprise", "CreateEnterpriseInput", "enterprise { id }", {**ENTERPRISE, "licenceNo": "JY-0"})
        refs["enterprise"] = made["enterprise"]["id"]
    return refs


@pytest.mark.parametrize(("plugin", "name", "input_type", "selection", "valid", "path", "bad"), CASES, ids=[_ids(c) for c in CASES])
async def test_a_bad_value_is_refused_naming_its_field(kernel, client, refs, plugin, name, input_type, selection, valid, path, bad):
    if plugin != "core" and plugin not in kernel.installed:
        pytest.skip(f"{plugin} is not installed")
    input = _fill(valid, refs)
    _set(input, path, bad)
    before = await _rows(kernel)
    payload = await _mutate(client, None if name == "login" else refs["token"], name, input_type, selection, input)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(path, "BAD_INPUT")], payload["errors"]
    assert await _rows(kernel) == before


async def test_the_valid_inputs_are_accepted(kernel, client, refs):
    """The inputs the attacks start from are good ones: each is refused only for its bad value."""
    for plugin, name, input_type, selection, valid, _, _ in CASES:
        if plugin == "core" or plugin not in kernel.installed or name in ("acknowledgeAlarm", "createCreditScorecardVersion"):
            continue
        input = _fill(valid, refs)
        if name in ("createEnterprise",):
            input["licenceNo"] = f"JY-{len(str(input))}-{name}"
        payload = await _mutate(client, refs["token"], name, input_type, selection, input)
        assert payload["errors"] == [] or all(e["code"] != "BAD_INPUT" for e in payload["errors"]), (name, payload["errors"])


@strawberry.input
class Tags:
    inner: list[Annotated[str, MaxLength(3)]] = strawberry.field(default_factory=list)
    outer: Annotated[list[str], MaxLength(3)] = strawberry.field(default_factory=list)


def test_a_nested_limit_applies_to_each_element():
    """``list[Annotated[str, MaxLength(n)]]`` and ``Annotated[list[str], MaxLength(n)]``."""
    check_input(Tags(inner=["abc"], outer=["abc"]), "")
    for value, path in ((Tags(inner=["abcd"]), "inner[0]"), (Tags(outer=["ok", "abcd"]), "outer[1]")):
        with pytest.raises(DomainError) as refused:
            check_input(value, "")
        assert (refused.value.code, refused.value.field) == ("BAD_INPUT", path)
