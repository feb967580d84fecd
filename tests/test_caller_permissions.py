"""Permission classes that look at the caller only (``schema.caller_permissions``) are decided
once per request, not once per row, and refuse exactly where and how they refused before."""

from __future__ import annotations

import pytest

from jiedao.core import graphql as core_graphql
from jiedao.core.identity.roles import INSPECTOR, STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema import caller_permissions
from jiedao.schema.context import Context
from jiedao.schema.ids import encode_global_id

RESIDENTS = "core.residents.read"
README_LIST = """query($first: Int) { buildings(first: $first) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id name compound { name community { name } } units { number area owners { name phone } } } } } }"""
REFUSED = {
    "en": "You lack the permission 'core.residents.read' in this street.",
    "zh-CN": "您在本街道没有权限“core.residents.read”。",
}

pytestmark = pytest.mark.usefixtures("compiled_reads_off")  # the general path (schema.compiled_reads answers these on PostgreSQL otherwise)



@pytest.fixture
def residents_checks(monkeypatch):
    """How many times the requests asked whether the caller holds core.residents.read."""
    asked = []
    holds = Context.has_permission

    def counting(self, permission: str) -> bool:
        if permission == RESIDENTS:
            asked.append(permission)
        return holds(self, permission)

    monkeypatch.setattr(Context, "has_permission", counting)
    return asked


def _aliases(units: list[int]) -> str:
    """Each unit twice by ``node(id:)``: ``u<i>`` with its owners, ``n<i>`` without."""
    parts = []
    for i, pk in enumerate(units):
        global_id = encode_global_id("Unit", pk)
        parts.append(f'u{i}: node(id: "{global_id}") {{ ... on Unit {{ number owners {{ name }} }} }}')
        parts.append(f'n{i}: node(id: "{global_id}") {{ ... on Unit {{ number area }} }}')
    return "{ " + " ".join(parts) + " }"


async def _checks_for(client, residents_checks, query: str, variables: dict | None, token: str) -> tuple[dict, int, int]:
    """The response to one request, the core.residents.read checks and the decisions it took."""
    asked, decided = len(residents_checks), caller_permissions.decisions
    body = await client.result(query, variables, token=token)
    return body, len(residents_checks) - asked, caller_permissions.decisions - decided


@pytest.mark.parametrize("look_ahead", [True, False])
async def test_the_owners_check_runs_once_per_request_whatever_the_number_of_units(client, kernel, residents_checks, monkeypatch, look_ahead):
    if not look_ahead:  # the loaders' path: owners resolved per unit through a DataLoader

        async def nothing(*args, **kwargs) -> None:
            return None

        monkeypatch.setattr(core_graphql, "preload_building_page", nothing)
    await build_registry(kernel, "changqing", buildings=6, units_per_building=4)
    token = await client.token(STREET_ADMIN)
    one, checks_one, _ = await _checks_for(client, residents_checks, README_LIST, {"first": 1}, token)
    six, checks_six, decided = await _checks_for(client, residents_checks, README_LIST, {"first": 6}, token)
    assert "errors" not in six, six["errors"]
    owners = [o for e in six["data"]["buildings"]["edges"] for u in e["node"]["units"] for o in u["owners"]]
    assert len(owners) == 24
    # The look-ahead asks once more (whether to read owners), never once per unit.
    assert checks_one == checks_six == (2 if look_ahead else 1)
    assert decided == 1  # Unit.owners' permission set, for 24 units


async def test_a_caller_without_the_permission_is_refused_at_every_owners_path(client, kernel, residents_checks):
    made = await build_registry(kernel, "changqing", buildings=3, units_per_building=2)
    query = _aliases(made["units"])
    inspector = await client.token(INSPECTOR)
    for language, message in REFUSED.items():
        asked = len(residents_checks)
        body = await client.result(query, token=inspector, language=language)
        assert len(residents_checks) - asked == 1  # one decision for six units
        data, errors = body["data"], body["errors"]
        assert [e["path"] for e in errors] == [[f"u{i}", "owners"] for i in range(6)]
        for error in errors:
            assert error["message"] == message
            assert error["extensions"] == {"code": "FORBIDDEN", "permission": RESIDENTS}
        # owners is non-null: each refused unit is null, as before; its other fields are answered elsewhere
        assert [data[f"u{i}"] for i in range(6)] == [None] * 6
        assert [data[f"n{i}"] for i in range(6)] == [{"number": n, "area": 90.0} for n in ("001", "002") * 3]
    # On the README list the first refused unit nulls the page, as before.
    body = await client.result(README_LIST, {"first": 3}, token=inspector)
    assert body["data"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["buildings", "edges", 0, "node", "units", 0, "owners"], "FORBIDDEN")]
    # The verdict is the caller's: the next request, by someone who holds the permission, gets the owners.
    admin = await client.query(query, token=await client.token(STREET_ADMIN))
    assert all(admin[f"u{i}"]["owners"] for i in range(6))


async def test_an_asynchronous_field_is_refused_at_every_path_as_before(client, kernel, residents_checks):
    made = await build_registry(kernel, "changqing", buildings=3, units_per_building=1)
    ids = [encode_global_id("Building", pk) for pk in made["buildings"]]
    query = "{ " + " ".join(f'd{i}: building(id: "{b}") {{ name devices {{ id }} }} n{i}: building(id: "{b}") {{ name }}' for i, b in enumerate(ids)) + " }"
    decided = caller_permissions.decisions
    body = await client.result(query, token=await client.token(INSPECTOR), language="zh-CN")
    assert caller_permissions.decisions - decided == 1  # Building.devices, for three buildings
    assert [e["path"] for e in body["errors"]] == [[f"d{i}", "devices"] for i in range(3)]
    assert {e["message"] for e in body["errors"]} == {"您在本街道没有权限“sensors.device.read”。"}
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert [body["data"][f"d{i}"] for i in range(3)] == [None] * 3
    assert all(body["data"][f"n{i}"]["name"] for i in range(3))
    anonymous = await client.result(query)  # building() needs a login: refused at the root, as before
    assert {tuple(e["path"]) for e in anonymous["errors"]} == {(f"{k}{i}",) for k in "dn" for i in range(3)}
    assert {e["extensions"]["code"] for e in anonymous["errors"]} == {"UNAUTHENTICATED"}
