"""Issue 13, item 13: every ID a mutation takes is checked against the caller's street.

The attack: a street admin of 长庆 passes the ID of a row of 拱宸桥 (or of no row at all)
where a mutation stores a reference. Every plugin's mutations must answer NOT_FOUND naming
the field and store nothing; the database layer refuses such references even when a
mutation forgets, and an integrity error is never reported as somebody else's change.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from jiedao.core.errors import DomainError
from jiedao.core.identity.models import Grant, User
from jiedao.core.models import Compound
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import encode_global_id


@pytest.fixture
async def streets(kernel):
    """A small registry in each street; returns (home, other) global IDs."""
    home = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    other = await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    result = {}
    for name, registry, street in (("home", home, "changqing"), ("other", other, "gongchen")):
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            community = await session.scalar(select(Compound.community_id).where(Compound.id == registry["compound"][0]))
        result[name] = {
            "Community": encode_global_id("Community", community),
            "Compound": encode_global_id("Compound", registry["compound"][0]),
            "Building": encode_global_id("Building", registry["buildings"][0]),
            "Unit": encode_global_id("Unit", registry["units"][0]),
            "Resident": encode_global_id("Resident", registry["residents"][0]),
        }
    return result


async def _rows(kernel) -> dict[str, int]:
    """The number of rows of every table: proof that a refused mutation stored nothing."""
    from jiedao.core.db import Base

    async with kernel.db.transaction() as session:
        existing = set(await session.run_sync(lambda sync: inspect(sync.connection()).get_table_names()))
        tables = [t for t in Base.metadata.sorted_tables if t.name in existing]  # other tests register example plugins' models
        return {t.name: await session.scalar(select(func.count()).select_from(t)) for t in tables}


async def _mutate(client, token, name: str, input_type: str, input: dict, result: str) -> dict:
    fields = "buildingId" if result == "acknowledgement" else "id"
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {result} {{ {fields} }} errors {{ field code message }} }} }}"
    return (await client.query(query, {"input": input}, token=token))[name]


# (plugin, mutation, input type, payload field, input with {ref} where the foreign ID goes, field at fault, type).
# createStudio, createBallot and createEnterprise stored the foreign reference before; the
# sensors and dashboard mutations already looked their row up and stay covered here.
ATTACKS = [
    ("mediation", "createStudio", "CreateStudioInput", "studio", {"name": "潘大姐工作室", "communityId": "{ref}"}, "communityId", "Community"),
    ("deliberation", "createBallot", "CreateBallotInput", "ballot",
     {"title": "t", "matter": "m", "rule": "SIMPLE_MAJORITY", "scope": {"buildingIds": ["{ref}"]}, "opensAt": "2026-05-01T09:00:00+08:00",
      "closesAt": "2026-05-03T09:00:00+08:00"}, "scope.buildingIds[0]", "Building"),
    ("dashboard", "acknowledgeHotspot", "AcknowledgeHotspotInput", "acknowledgement", {"buildingId": "{ref}", "note": "已知"}, "buildingId", "Building"),
    ("credit", "createEnterprise", "CreateEnterpriseInput", "enterprise",
     {"name": "小吃店", "licenceNo": "JY-X-1", "licenceIssuedOn": "2024-01-01", "buildingId": "{ref}"}, "buildingId", "Building"),
    ("credit", "createEnterprise", "CreateEnterpriseInput", "enterprise",
     {"name": "小吃店", "licenceNo": "JY-X-2", "licenceIssuedOn": "2024-01-01", "operatorId": "{ref}"}, "operatorId", "Resident"),
    ("sensors", "registerDevice", "RegisterDeviceInput", "device",
     {"deviceId": "EM-X-1", "kind": "SMOKE_DETECTOR", "unitId": "{ref}"}, "unitId", "Unit"),
]


def _fill(value, ref):
    if isinstance(value, dict):
        return {k: _fill(v, ref) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ref) for v in value]
    return ref if value == "{ref}" else value


@pytest.mark.parametrize("where", ["other street", "nowhere"])
@pytest.mark.parametrize(("plugin", "name", "input_type", "result", "input", "field", "type_name"), ATTACKS, ids=[f"{a[1]}.{a[5]}" for a in ATTACKS])
async def test_a_foreign_id_is_not_found(kernel, client, streets, where, plugin, name, input_type, result, input, field, type_name):
    if plugin not in kernel.installed:
        pytest.skip(f"{plugin} is not installed")
    token = await client.token("street_admin")
    ref = streets["other"][type_name] if where == "other street" else encode_global_id(type_name, 987_654)
    before = await _rows(kernel)
    payload = await _mutate(client, token, name, input_type, _fill(input, ref), result)
    assert payload[result] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "NOT_FOUND")], payload["errors"]
    assert "someone else" not in payload["errors"][0]["message"]
    assert await _rows(kernel) == before


async def test_the_same_mutation_with_the_streets_own_id_works(kernel, client, streets):
    token = await client.token("street_admin")
    payload = await _mutate(
        client, token, "createStudio", "CreateStudioInput", {"name": "老傅调解室", "communityId": streets["home"]["Community"]}, "studio"
    )
    assert payload["errors"] == [] and payload["studio"]["id"]


async def test_a_nested_foreign_id_is_named_by_its_path(kernel, client, streets):
    token = await client.token("street_admin")
    studio = await _mutate(client, token, "createStudio", "CreateStudioInput", {"name": "老傅调解室"}, "studio")
    payload = await _mutate(
        client, token, "openCase", "OpenCaseInput",
        {"title": "漏水", "category": "NOISE", "source": "APPLICATION", "studioId": studio["studio"]["id"],
         "parties": [{"residentId": streets["home"]["Resident"], "role": "APPLICANT"}, {"residentId": streets["other"]["Resident"], "role": "RESPONDENT"}]},
        "case",
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("parties[1].residentId", "NOT_FOUND")]


async def test_the_database_layer_refuses_a_reference_into_another_street(kernel, streets):
    """Whatever code writes the row: a session of one street, or the kernel's own session."""
    from jiedao.plugins.mediation.models import Studio
    from jiedao.schema.ids import decode_global_id

    other_community = decode_global_id(streets["other"]["Community"])[1]
    with pytest.raises(DomainError) as refused:
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            session.add(Studio(name="x", description="", community_id=other_community))
    assert (refused.value.code, refused.value.field) == ("NOT_FOUND", "communityId")
    with pytest.raises(DomainError) as refused:
        async with kernel.db.transaction() as session:
            session.add(Studio(name="x", description="", community_id=other_community, street_id=kernel.street_id("changqing")))
    assert refused.value.code == "NOT_FOUND"


async def test_integrity_errors_are_told_apart(kernel):
    """A unique violation is a CONFLICT, a missing referenced row NOT_FOUND — on both databases."""
    from jiedao.core.db_checks import domain_error_for

    async with kernel.db.transaction() as session:
        session.add(User(username="twin", password_hash="x"))
    with pytest.raises(IntegrityError) as duplicate:
        async with kernel.db.transaction() as session:
            session.add(User(username="twin", password_hash="x"))
    assert domain_error_for(duplicate.value).code == "CONFLICT"
    with pytest.raises(IntegrityError) as dangling:
        async with kernel.db.transaction() as session:
            session.add(Grant(user_id=987_654, street_id=kernel.street_id("changqing"), role="resident"))
    assert domain_error_for(dangling.value).code == "NOT_FOUND"
