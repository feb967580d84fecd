"""Who sees what: inspectors everything, operators their own, other streets nothing; and
lists that do not grow their SQL with their length."""

from __future__ import annotations

from jiedao.core.testing.fixtures import count_statements
from jiedao.plugins.credit.tests.conftest import COMPLAINT, INSPECTION, checklist, days_ago, make_shop
from jiedao.schema.ids import encode_global_id

LIST = """query($grade: CreditClass, $category: String) { enterprises(first: 50, grade: $grade, category: $category) {
  totalCount edges { node { id name grade score { value reasons { code } } portrait { percentile trend { value } } history(limit: 3) { value } } } } }"""
ONE = """query($id: ID!) { enterprise(id: $id) { name score { value } } }"""
BUILDING = """query($id: ID!) { building(id: $id) { enterprises { name grade } } }"""


async def test_an_operator_sees_only_their_own_enterprise(kernel, client, shop):
    other = await make_shop(kernel, client, licence="JY-OTHER")
    owner = await shop.owner()
    listed = (await client.query(LIST, token=owner))["enterprises"]
    assert [e["node"]["id"] for e in listed["edges"]] == [shop.id] and listed["totalCount"] == 1
    assert (await client.query(ONE, {"id": shop.id}, token=owner))["enterprise"]["name"] == "知味面馆"
    assert (await client.query(ONE, {"id": other.id}, token=owner))["enterprise"] is None
    fetched = await client.query("query($id: ID!, $o: ID!) { own: node(id: $id) { id } other: node(id: $o) { id } }", {"id": shop.id, "o": other.id}, token=owner)
    assert fetched == {"own": {"id": shop.id}, "other": None}, "node(id:) answers as enterprise(id:)"
    unlinked = await client.token("resident", username="no-resident-record")
    assert (await client.errors(LIST, token=unlinked))[0]["extensions"]["code"] == "FORBIDDEN"
    neighbour = await shop.token("resident", "neighbour", shop.residents[2])
    assert (await client.query(LIST, token=neighbour))["enterprises"]["totalCount"] == 0


async def test_operators_cannot_record_evidence_and_workers_only_read(shop, client):
    errors = await client.errors(COMPLAINT, {"input": {"enterpriseId": shop.id, "receivedOn": days_ago(1), "substantiated": True}}, token=await shop.owner())
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    worker = await client.token("community_worker")
    assert (await client.query(LIST, token=worker))["enterprises"]["totalCount"] == 1
    errors = await client.errors(COMPLAINT, {"input": {"enterpriseId": shop.id, "receivedOn": days_ago(1), "substantiated": True}}, token=worker)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_gongchen_cannot_see_changqing(shop, client):
    gongchen_admin = await client.token("street_admin", "gongchen", username="gongchen-admin")
    errors = await client.errors(ONE, {"id": shop.id}, street="gongchen", token=gongchen_admin)
    assert "credit" in errors[0]["message"]  # the field does not exist there: the plugin is not enabled
    errors = await client.errors(ONE, {"id": shop.id}, street="changqing", token=gongchen_admin)
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_filter_by_grade_and_category_and_the_building_lists_its_enterprises(kernel, client, shop):
    poor = await make_shop(kernel, client, licence="JY-POOR")
    await poor.evidence(INSPECTION, inspectedOn=days_ago(5), items=checklist(failed_key=3))
    inspector = await shop.inspector()
    d = (await client.query(LIST, {"grade": "D"}, token=inspector))["enterprises"]
    assert [e["node"]["id"] for e in d["edges"]] == [poor.id]
    a = (await client.query(LIST, {"grade": "A", "category": "restaurant"}, token=inspector))["enterprises"]
    assert [e["node"]["id"] for e in a["edges"]] == [shop.id]
    assert (await client.query(LIST, {"category": "hotel"}, token=inspector))["enterprises"]["totalCount"] == 0
    building = (await client.query(BUILDING, {"id": encode_global_id("Building", shop.buildings[0])}, token=inspector))["building"]
    assert building["enterprises"] == [{"name": "知味面馆", "grade": "A"}]


async def test_the_list_costs_the_same_statements_for_2_or_12_enterprises(kernel, client):
    inspector = await client.token("inspector", username="inspector-1")

    async def statements() -> int:
        with count_statements() as counter:
            await client.query(LIST, token=inspector)
        return counter.count

    first = await make_shop(kernel, client, licence="JY-N0")
    await first.evidence(COMPLAINT, receivedOn=days_ago(3), substantiated=True)
    await make_shop(kernel, client, licence="JY-N1")
    few = await statements()
    for n in range(2, 12):
        await make_shop(kernel, client, licence=f"JY-N{n}")
    assert await statements() == few
