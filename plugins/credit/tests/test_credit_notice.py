"""The public credit classes (A–D, with reasons) become a street-wide notice (公示) that
residents read, through the kernel's notices; a changed listing replaces the previous one."""

from __future__ import annotations

from jiedao.core.testing.fixtures import build_registry
from jiedao.plugins.credit.tests.conftest import COMPLAINT, CREATE, days_ago, flat_scorecard
from jiedao.schema.ids import encode_global_id

RECOMPUTE = "mutation { recomputeCreditScores(input: {}) { recomputed errors { code message } } }"
NOTICES = """query($all: Boolean) { notices(first: 50, includeInactive: $all) { edges { node {
  title kind scope placeName body withdrawalReason } } } }"""
TITLE = "餐饮单位信用风险分类公示"


async def open_restaurant(client, inspector: str, name: str, licence: str, building: int) -> str:
    data = await client.query(CREATE, {"input": {
        "name": name, "licenceNo": licence, "licenceIssuedOn": days_ago(400), "buildingId": encode_global_id("Building", building),
    }}, token=inspector)
    assert data["createEnterprise"]["errors"] == [], data["createEnterprise"]["errors"]
    return data["createEnterprise"]["enterprise"]["id"]


async def complain(client, inspector: str, enterprise: str, times: int) -> None:
    for n in range(times):
        data = await client.query(COMPLAINT, {"input": {"enterpriseId": enterprise, "receivedOn": days_ago(10 + n), "substantiated": True}}, token=inspector)
        assert data["recordComplaint"]["errors"] == []


async def credit_notices(client, token: str, *, all: bool = False) -> list[dict]:
    edges = (await client.query(NOTICES, {"all": all}, token=token))["notices"]["edges"]
    return [e["node"] for e in edges if e["node"]["title"] == TITLE]


async def test_recomputed_classes_are_a_street_wide_notice_residents_read(kernel, client):
    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=2)
    inspector = await client.token("inspector", username="inspector-1")
    admin = await client.token("street_admin", username="admin-changqing")
    card = (await client.query("""mutation($input: CreateScorecardVersionInput!) { createCreditScorecardVersion(input: $input) {
      errors { message } } }""", {"input": {"definition": flat_scorecard(15), "note": "one complaint costs 15"}}, token=admin))
    assert card["createCreditScorecardVersion"]["errors"] == []
    shops = {}
    for complaints, (name, licence) in enumerate([("甲记面馆", "JY-A"), ("乙家小厨", "JY-B"), ("丙味餐厅", "JY-C"), ("丁丁烧烤", "JY-D")]):
        shops[name] = await open_restaurant(client, inspector, name, licence, ids["buildings"][0])
        await complain(client, inspector, shops[name], complaints)  # 100 A, 85 B, 70 C, 55 D

    resident = await client.token("resident", username="neighbour", resident_id=ids["residents"][1])
    recomputed = (await client.query(RECOMPUTE, token=admin))["recomputeCreditScores"]
    assert recomputed["errors"] == [] and recomputed["recomputed"] == 4
    [notice] = await credit_notices(client, resident)
    assert (notice["kind"], notice["scope"], notice["placeName"]) == ("PUBLICITY", "STREET", "长庆街道")
    body = notice["body"]
    order = [body.index(label) for label in ("A 类（信用风险低），共 1 家", "B 类（信用风险一般），共 1 家", "C 类（信用风险较高），共 1 家", "D 类（信用风险高），共 1 家")]
    assert order == sorted(order), "classes are listed from A to D"
    assert "· 甲记面馆\n" in body, "a restaurant that lost nothing is listed without reasons"
    assert f"· 丁丁烧烤：{days_ago(10)} 投诉属实；{days_ago(11)} 投诉属实；{days_ago(12)} 投诉属实" in body
    assert body.index("丙味餐厅") > body.index("C 类") > body.index("乙家小厨")

    assert (await client.query(RECOMPUTE, token=admin))["recomputeCreditScores"]["errors"] == []
    assert len(await credit_notices(client, resident)) == 1, "an unchanged listing is not published again"

    await complain(client, inspector, shops["甲记面馆"], 2)  # A -> C
    assert (await client.query(RECOMPUTE, token=admin))["recomputeCreditScores"]["errors"] == []
    [current] = await credit_notices(client, resident)
    assert "C 类（信用风险较高），共 2 家" in current["body"] and "A 类（" not in current["body"]
    staff = await credit_notices(client, admin, all=True)
    assert [n["withdrawalReason"] for n in staff] == [None, "Replaced by a newer notice."], "the replaced listing stays in the record"
