"""Organisations through GraphQL as the real roles: the street admin records them, their
members and places; an account acts only for its own organisation; party membership and
phone numbers are shown only to those who need them."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from jiedao.core.identity.models import User
from jiedao.core.models import Resident
from jiedao.core.testing.fixtures import TEST_PASSWORD, build_registry
from jiedao.schema.ids import encode_global_id

LOGIN = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token errors { code } } }"
CREATE = """mutation($input: CreateOrganisationInput!) {
  createOrganisation(input: $input) { organisation { id code kind name termStart termEnd filedOn community { name } compound { name } }
  errors { code field message } } }"""
ADD_MEMBER = """mutation($input: AddMembershipInput!) {
  addMembership(input: $input) { membership { id office role current account resident { name } } errors { code field message } } }"""
END_MEMBER = "mutation($id: ID!) { endMembership(input: {membershipId: $id}) { membership { current endedOn } errors { code field } } }"
SERVED = """mutation($input: SetServedCompoundsInput!) {
  setServedCompounds(input: $input) { organisation { servedCompounds { compound { name } contractStart contractEnd current } } errors { code field } } }"""
COVERED = """mutation($input: SetCoveredBuildingsInput!) {
  setCoveredBuildings(input: $input) { organisation { coveredBuildings { name } } errors { code field } } }"""
ME = "{ me { roles organisations { role office permissions organisation { id name kind } } } }"


def gid(type_name: str, pk: int) -> str:
    return encode_global_id(type_name, pk)


async def _create(client, token, street="changqing", **fields):
    return (await client.query(CREATE, {"input": fields}, token=token, street=street))["createOrganisation"]


async def _account(kernel, password_hash, username: str) -> int:
    async with kernel.db.transaction() as session:
        user = User(username=username, password_hash=password_hash)
        session.add(user)
    return user.id


async def _login(client, username: str) -> str:
    result = (await client.query(LOGIN, {"u": username, "p": TEST_PASSWORD}))["login"]
    assert result["errors"] == [], result
    return result["token"]


@pytest.fixture
async def place(kernel):
    """A compound of three buildings with one owner per unit, in changqing."""
    return await build_registry(kernel, "changqing", buildings=3, units_per_building=1)


async def test_street_admin_records_an_owners_committee_with_its_term_and_offices(kernel, client, place):
    admin = await client.token("street_admin")
    created = await _create(client, admin, code="oc-1", kind="OWNERS_COMMITTEE", name="测试小区业委会", compoundId=gid("Compound", place["compound"][0]),
                            termStart="2023-01-15", termEnd="2028-01-14", filedOn="2023-02-01")
    assert created["errors"] == []
    org = created["organisation"]
    assert (org["kind"], org["termStart"], org["termEnd"], org["filedOn"]) == ("OWNERS_COMMITTEE", "2023-01-15", "2028-01-14", "2023-02-01")
    assert org["compound"]["name"] == "测试小区" and org["community"]["name"].startswith("社区"), "the community comes from the compound"
    offices = []
    for resident_id, office in zip(place["residents"], ("主任", "副主任", "委员")):
        added = (await client.query(ADD_MEMBER, {"input": {"organisationId": org["id"], "residentId": gid("Resident", resident_id), "office": office}}, token=admin))["addMembership"]
        assert added["errors"] == [] and added["membership"]["current"] is True
        offices.append(office)
    listed = await client.query(
        "{ organisations(first: 10, kind: OWNERS_COMMITTEE) { totalCount edges { node { code members { office role resident { name } } } } } }", token=admin
    )
    [node] = [e["node"] for e in listed["organisations"]["edges"]]
    assert [m["office"] for m in node["members"]] == offices and all(m["resident"]["name"].startswith("业主") for m in node["members"])
    log = await client.query('{ auditLog(first: 10, action: "core.organisation.created") { edges { node { target actor } } } }', token=admin)
    assert [e["node"]["target"] for e in log["auditLog"]["edges"]] == [org["id"]]
    updated = await client.query(
        'mutation($id: ID!) { updateOrganisation(input: {id: $id, name: "凤起业委会", termEnd: "2028-01-15"}) { organisation { name termStart termEnd compound { name } } errors { field } } }',
        {"id": org["id"]}, token=admin)
    assert updated["updateOrganisation"] == {"organisation": {"name": "凤起业委会", "termStart": "2023-01-15", "termEnd": "2028-01-15", "compound": {"name": "测试小区"}}, "errors": []}
    cleared = await client.query('mutation($id: ID!) { updateOrganisation(input: {id: $id, compoundId: null}) { errors { field code } } }', {"id": org["id"]}, token=admin)
    assert cleared["updateOrganisation"]["errors"] == [{"field": "compoundId", "code": "BAD_INPUT"}], "an owners' committee keeps its compound"
    log = await client.query('{ auditLog(first: 10, action: "core.organisation.updated") { edges { node { details } } } }', token=admin)
    assert log["auditLog"]["edges"][0]["node"]["details"] == {"changed": ["name", "term_end"]}


async def test_rules_of_each_kind_name_the_field(kernel, client, place):
    admin = await client.token("street_admin")
    compound = gid("Compound", place["compound"][0])

    async def refused(**fields):
        result = await _create(client, admin, **fields)
        assert result["organisation"] is None
        return result["errors"][0]["field"], result["errors"][0]["code"]

    assert await refused(code="a", kind="OWNERS_COMMITTEE", name="业委会") == ("compoundId", "BAD_INPUT")
    assert await refused(code="a", kind="RESIDENTS_COMMITTEE", name="居委会") == ("communityId", "BAD_INPUT")
    assert await refused(code="a", kind="PARTY_ORGANISATION", name="支部") == ("partyLevel", "BAD_INPUT")
    assert await refused(code="a", kind="PROPERTY_MANAGER", name="物业", termStart="2023-01-01") == ("termStart", "BAD_INPUT")
    assert await refused(code="a", kind="OWNERS_COMMITTEE", name="业委会", compoundId=compound, termStart="2023-01-01", termEnd="2022-01-01") == ("termEnd", "BAD_INPUT")
    assert await refused(code=" ", kind="DEPARTMENT", name="城管") == ("code", "BAD_INPUT")
    assert (await _create(client, admin, code="cg", kind="DEPARTMENT", name="城管"))["errors"] == []
    assert await refused(code="cg", kind="DEPARTMENT", name="城管二") == ("code", "DUPLICATE")
    pm = (await _create(client, admin, code="pm", kind="PROPERTY_MANAGER", name="物业"))["organisation"]["id"]
    member = await client.query(ADD_MEMBER, {"input": {"organisationId": pm, "residentId": gid("Resident", place["residents"][0]), "role": "boss"}}, token=admin)
    assert member["addMembership"]["errors"][0]["field"] == "role"
    nobody = await client.query(ADD_MEMBER, {"input": {"organisationId": pm, "username": "ghost", "role": "org_staff"}}, token=admin)
    assert nobody["addMembership"]["errors"][0] == {"code": "NOT_FOUND", "field": "username", "message": "No account 'ghost'."}
    loop = await client.query("mutation($id: ID!) { updateOrganisation(input: {id: $id, parentId: $id}) { errors { field } } }", {"id": pm}, token=admin)
    assert loop["updateOrganisation"]["errors"][0]["field"] == "parentId"


async def test_a_property_manager_account_logs_in_and_acts_only_for_its_company(kernel, client, place, password_hash):
    admin = await client.token("street_admin")
    pm = (await _create(client, admin, code="wuye", kind="PROPERTY_MANAGER", name="绿城物业"))["organisation"]["id"]
    other = (await _create(client, admin, code="oc", kind="OWNERS_COMMITTEE", name="业委会", compoundId=gid("Compound", place["compound"][0])))["organisation"]["id"]
    served = await client.query(SERVED, {"input": {"organisationId": pm, "compounds": [
        {"compoundId": gid("Compound", place["compound"][0]), "contractStart": "2023-01-01", "contractEnd": "2099-12-31"}]}}, token=admin)
    assert served["setServedCompounds"]["organisation"]["servedCompounds"] == [
        {"compound": {"name": "测试小区"}, "contractStart": "2023-01-01", "contractEnd": "2099-12-31", "current": True}]
    await _account(kernel, password_hash, "wuye-manager")
    added = (await client.query(ADD_MEMBER, {"input": {"organisationId": pm, "username": "wuye-manager", "office": "经理", "role": "org_staff"}}, token=admin))["addMembership"]
    assert added["errors"] == [] and added["membership"]["account"] == "wuye-manager"
    manager = await _login(client, "wuye-manager")  # the membership gave the account a way in
    me = (await client.query(ME, token=manager))["me"]
    assert me["roles"] == ["organisation_member"]
    [acting] = me["organisations"]
    assert acting["organisation"] == {"id": pm, "name": "绿城物业", "kind": "PROPERTY_MANAGER"} and acting["office"] == "经理"
    assert acting["permissions"] == ["org.read", "org.work.handle", "org.work.read"], "a 物业 cannot convene owners' ballots"
    mine = await client.query("query($id: ID!) { node(id: $id) { ... on Organisation { name servedCompounds { compound { name } } members { office account } } } }", {"id": pm}, token=manager)
    assert mine["node"] == {"name": "绿城物业", "servedCompounds": [{"compound": {"name": "测试小区"}}], "members": [{"office": "经理", "account": "wuye-manager"}]}
    assert (await client.query("query($id: ID!) { node(id: $id) { id } }", {"id": other}, token=manager))["node"] is None
    errors = await client.errors("{ organisations(first: 5) { edges { node { name } } } }", token=manager)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    ended = (await client.query(END_MEMBER, {"id": added["membership"]["id"]}, token=admin))["endMembership"]
    assert ended["errors"] == [] and ended["membership"]["current"] is False
    assert (await client.query(ME, token=manager))["me"]["organisations"] == []
    assert (await client.query("query($id: ID!) { node(id: $id) { id } }", {"id": pm}, token=manager))["node"] is None
    again = (await client.query(END_MEMBER, {"id": added["membership"]["id"]}, token=admin))["endMembership"]
    assert again["errors"] == [{"code": "INVALID_STATE", "field": "membershipId"}]


async def test_served_compounds_and_covered_buildings_fit_the_kind(kernel, client, place):
    admin = await client.token("street_admin")
    oc = (await _create(client, admin, code="oc", kind="OWNERS_COMMITTEE", name="业委会", compoundId=gid("Compound", place["compound"][0])))["organisation"]["id"]
    branch = (await _create(client, admin, code="ld", kind="PARTY_ORGANISATION", name="1幢楼道党支部", partyLevel="BUILDING_BRANCH"))["organisation"]["id"]
    wrong = await client.query(SERVED, {"input": {"organisationId": oc, "compounds": [{"compoundId": gid("Compound", place["compound"][0])}]}}, token=admin)
    assert wrong["setServedCompounds"]["errors"] == [{"code": "BAD_INPUT", "field": "organisationId"}]
    covered = await client.query(COVERED, {"input": {"organisationId": branch, "buildingIds": [gid("Building", place["buildings"][0])]}}, token=admin)
    assert covered["setCoveredBuildings"] == {"organisation": {"coveredBuildings": [{"name": "1幢"}]}, "errors": []}
    wrong = await client.query(COVERED, {"input": {"organisationId": oc, "buildingIds": [gid("Building", place["buildings"][0])]}}, token=admin)
    assert wrong["setCoveredBuildings"]["errors"] == [{"code": "BAD_INPUT", "field": "organisationId"}]


WRITES = [
    (CREATE, {"input": {"code": "x", "kind": "DEPARTMENT", "name": "城管"}}),
    ("mutation($id: ID!) { updateOrganisation(input: {id: $id, name: \"改\"}) { errors { code } } }", "org"),
    (ADD_MEMBER, "member"),
    (END_MEMBER, "membership"),
    (SERVED, "served"),
    (COVERED, "covered"),
]


async def test_every_organisation_write_is_refused_below_street_admin(kernel, client, place, password_hash):
    admin = await client.token("street_admin")
    org = (await _create(client, admin, code="pm", kind="PROPERTY_MANAGER", name="物业"))["organisation"]["id"]
    other = (await _create(client, admin, code="pm2", kind="PROPERTY_MANAGER", name="别的物业"))["organisation"]["id"]
    await _account(kernel, password_hash, "other-admin")
    membership = (await client.query(ADD_MEMBER, {"input": {"organisationId": other, "username": "other-admin", "role": "org_admin"}}, token=admin))["addMembership"]["membership"]["id"]
    variables = {
        "org": {"id": org},
        "member": {"input": {"organisationId": org, "residentId": gid("Resident", place["residents"][0])}},
        "membership": {"id": membership},
        "served": {"input": {"organisationId": org, "compounds": []}},
        "covered": {"input": {"organisationId": org, "buildingIds": []}},
    }
    callers = {
        "anonymous": None,
        "resident": await client.token("resident", resident_id=place["residents"][0]),
        "grid worker": await client.token("grid_worker"),
        "community worker": await client.token("community_worker"),
        "org admin of another organisation": await _login(client, "other-admin"),
    }
    for who, token in callers.items():
        for query, key in WRITES:
            errors = await client.errors(query, variables[key] if isinstance(key, str) else key, token=token)
            expected = "UNAUTHENTICATED" if token is None else "FORBIDDEN"
            assert errors[0]["extensions"]["code"] == expected, (who, query)
    for who in ("anonymous", "resident", "org admin of another organisation"):
        errors = await client.errors("{ organisations(first: 5) { edges { node { name } } } }", token=callers[who])
        assert errors[0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN"), who
        node = await client.result("query($id: ID!) { node(id: $id) { id } }", {"id": org}, token=callers[who])
        assert (node.get("data") or {}).get("node") is None, who
    for who in ("grid worker", "community worker"):
        listed = await client.query("{ organisations(first: 5) { totalCount } }", token=callers[who])
        assert listed["organisations"]["totalCount"] == 2, f"a {who} reads the register"


async def test_ids_of_another_street_are_refused(kernel, client, place):
    gongchen = await build_registry(kernel, "gongchen", buildings=1, units_per_building=1)
    cq_admin, gc_admin = await client.token("street_admin"), await client.token("street_admin", "gongchen")
    cq_org = (await _create(client, cq_admin, code="pm", kind="PROPERTY_MANAGER", name="物业"))["organisation"]["id"]
    foreign = await _create(client, gc_admin, street="gongchen", code="oc", kind="OWNERS_COMMITTEE", name="业委会", compoundId=gid("Compound", place["compound"][0]))
    assert foreign["errors"][0]["code"] == "NOT_FOUND" and foreign["errors"][0]["field"] == "compoundId"
    member = await client.query(ADD_MEMBER, {"input": {"organisationId": cq_org, "residentId": gid("Resident", gongchen["residents"][0])}}, token=gc_admin, street="gongchen")
    assert member["addMembership"]["errors"][0]["field"] == "organisationId"
    member = await client.query(ADD_MEMBER, {"input": {"organisationId": cq_org, "residentId": gid("Resident", gongchen["residents"][0])}}, token=cq_admin)
    assert member["addMembership"]["errors"][0] == {"code": "NOT_FOUND", "field": "residentId", "message": member["addMembership"]["errors"][0]["message"]}
    listed = await client.query("{ organisations(first: 5) { totalCount } }", token=gc_admin, street="gongchen")
    assert listed["organisations"]["totalCount"] == 0


async def test_party_membership_is_shown_only_to_holders_of_core_party_read(kernel, client, place):
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await session.execute(update(Resident).where(Resident.id == place["residents"][0]).values(party_member=True))
    query = "{ residents(first: 1) { edges { node { name partyMember } } } }"
    for role in ("community_worker", "grid_worker", "mediator"):
        node = (await client.query(query, token=await client.token(role)))["residents"]["edges"][0]["node"]
        assert node["partyMember"] is None, role
    own = await client.query("{ me { resident { partyMember } } }", token=await client.token("resident", resident_id=place["residents"][0]))
    assert own["me"]["resident"]["partyMember"] is None
    admin = (await client.query(query, token=await client.token("street_admin")))["residents"]["edges"][0]["node"]
    assert admin["partyMember"] is True


async def test_an_organisations_phone_is_masked_without_personal_data_read(kernel, client):
    admin = await client.token("street_admin")
    await _create(client, admin, code="cg", kind="DEPARTMENT", name="城管", phone="13812345678")
    query = "{ organisations(first: 1) { edges { node { phone } } } }"
    assert (await client.query(query, token=await client.token("inspector")))["organisations"]["edges"][0]["node"]["phone"] == "138****5678"
    assert (await client.query(query, token=admin))["organisations"]["edges"][0]["node"]["phone"] == "13812345678"


LIST = """{ organisations(first: 20) { edges { node { name community { name } compound { name } parent { name }
  servedCompounds { compound { name } } coveredBuildings { name } members { office resident { name } } } } } }"""


async def test_statements_of_the_organisation_list_do_not_grow_with_it(kernel, client, place):
    admin = await client.token("street_admin")
    parent = (await _create(client, admin, code="dw", kind="PARTY_ORGANISATION", name="党工委", partyLevel="COMMITTEE"))["organisation"]["id"]

    async def add(n: int):
        for i in range(n):
            org = (await _create(client, admin, code=f"b{i}-{n}", kind="PARTY_ORGANISATION", name=f"支部{i}", partyLevel="BRANCH", parentId=parent))["organisation"]["id"]
            await client.query(COVERED, {"input": {"organisationId": org, "buildingIds": [gid("Building", place["buildings"][i % 3])]}}, token=admin)
            await client.query(ADD_MEMBER, {"input": {"organisationId": org, "residentId": gid("Resident", place["residents"][i % 3]), "office": "书记"}}, token=admin)

    await add(2)
    few = await client.statements(LIST, token=admin)
    await add(8)
    many = await client.statements(LIST, token=admin)
    assert few == many
