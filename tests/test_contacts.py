"""Emergency contacts through GraphQL as the real roles: a grid worker enters a resident's
contacts; the list holds at most three checked entries; phones are masked like the
resident's own; a resident cannot enter contacts; the audit log never holds a phone."""

from __future__ import annotations

import json

from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import encode_global_id

SET = """mutation($input: SetEmergencyContactsInput!) {
  setEmergencyContacts(input: $input) { resident { name emergencyContacts { position name relation phone } } errors { code field message } } }"""
READ = """query($id: ID!) { node(id: $id) { ... on Resident { phone emergencyContacts { position name relation phone } } } }"""
DAUGHTER = {"name": "王晓梅", "relation": "女儿", "phone": "139 1234-5678"}
NEIGHBOUR = {"name": "周阿姨", "relation": "邻居", "phone": "0571 8700 1234"}


async def _resident(kernel) -> str:
    place = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    return encode_global_id("Resident", place["residents"][0]), place["residents"][0]


async def test_a_grid_worker_enters_contacts_and_the_resident_sees_them_masked(kernel, client):
    resident, resident_pk = await _resident(kernel)
    worker = await client.token("grid_worker")
    owner = await client.token("resident", username="owner-wang", resident_id=resident_pk)
    done = (await client.query(SET, {"input": {"residentId": resident, "contacts": [DAUGHTER, NEIGHBOUR]}}, token=worker))["setEmergencyContacts"]
    assert done["errors"] == []
    assert done["resident"]["emergencyContacts"] == [
        {"position": 1, "name": "王晓梅", "relation": "女儿", "phone": "13912345678"},
        {"position": 2, "name": "周阿姨", "relation": "邻居", "phone": "0571-87001234"},
    ], "spaces and dashes are normalised; a worker needs the full numbers"
    own = (await client.query(READ, {"id": resident}, token=owner))["node"]
    assert own["phone"] == "138****5678"
    assert [c["phone"] for c in own["emergencyContacts"]] == ["139****5678", "057******1234"], "masked like Resident.phone"
    mediator = await client.token("mediator")
    assert [c["phone"] for c in (await client.query(READ, {"id": resident}, token=mediator))["node"]["emergencyContacts"]] == ["139****5678", "057******1234"]

    replaced = (await client.query(SET, {"input": {"residentId": resident, "contacts": [NEIGHBOUR]}}, token=worker))["setEmergencyContacts"]
    assert [c["name"] for c in replaced["resident"]["emergencyContacts"]] == ["周阿姨"], "the list is replaced"
    cleared = (await client.query(SET, {"input": {"residentId": resident, "contacts": []}}, token=worker))["setEmergencyContacts"]
    assert cleared["resident"]["emergencyContacts"] == []

    admin = await client.token("street_admin")
    log = await client.query('{ auditLog(first: 10, action: "core.resident.contacts.set") { edges { node { target details } } } }', token=admin)
    entries = [e["node"] for e in log["auditLog"]["edges"]]
    assert len(entries) == 3 and entries[0]["target"] == resident
    assert "13912345678" not in json.dumps(entries) and "87001234" not in json.dumps(entries), "no phone in clear in the audit log"


async def test_the_resident_may_not_enter_contacts(kernel, client):
    resident, resident_pk = await _resident(kernel)
    owner = await client.token("resident", username="owner-li", resident_id=resident_pk)
    errors = await client.errors(SET, {"input": {"residentId": resident, "contacts": [DAUGHTER]}}, token=owner)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    for role in ("mediator", "inspector"):
        errors = await client.errors(SET, {"input": {"residentId": resident, "contacts": [DAUGHTER]}}, token=await client.token(role))
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", role
    worker = await client.token("community_worker")
    assert (await client.query(READ, {"id": resident}, token=worker))["node"]["emergencyContacts"] == [], "nothing was written"


async def test_bad_contacts_are_refused_naming_the_field(kernel, client):
    resident, _ = await _resident(kernel)
    worker = await client.token("community_worker")

    async def refused(contacts):
        errors = (await client.query(SET, {"input": {"residentId": resident, "contacts": contacts}}, token=worker))["setEmergencyContacts"]["errors"]
        assert len(errors) == 1, errors
        return errors[0]

    four = await refused([DAUGHTER, NEIGHBOUR, DAUGHTER, NEIGHBOUR])
    assert (four["code"], four["field"]) == ("BAD_INPUT", "contacts") and "3" in four["message"]
    bad_phone = await refused([{**DAUGHTER, "phone": "12345"}])
    assert (bad_phone["code"], bad_phone["field"]) == ("BAD_INPUT", "contacts[0].phone")
    for phone in ("1291234567", "139123456789", "0571-123", "13912345678x"):
        assert (await refused([NEIGHBOUR, {**DAUGHTER, "phone": phone}]))["field"] == "contacts[1].phone", phone
    assert (await refused([{**DAUGHTER, "name": "王\x00梅"}]))["field"] == "contacts[0].name"
    assert (await refused([{**DAUGHTER, "name": "王" * 51}]))["field"] == "contacts[0].name"
    assert (await refused([{**DAUGHTER, "relation": "关" * 21}]))["field"] == "contacts[0].relation"
    assert (await refused([{**DAUGHTER, "relation": "  "}]))["field"] == "contacts[0].relation"
    assert (await client.query(READ, {"id": resident}, token=worker))["node"]["emergencyContacts"] == []


async def test_contacts_of_many_residents_load_in_one_statement(kernel, client):
    place = await build_registry(kernel, "changqing", buildings=2, units_per_building=5)
    worker = await client.token("grid_worker")
    for pk in place["residents"]:
        await client.query(SET, {"input": {"residentId": encode_global_id("Resident", pk), "contacts": [DAUGHTER, NEIGHBOUR]}}, token=worker)
    query = "query($n: Int) { residents(first: $n) { edges { node { emergencyContacts { phone } } } } }"
    few = await client.statements(query, {"n": 2}, token=worker)
    assert await client.statements(query, {"n": 10}, token=worker) == few
