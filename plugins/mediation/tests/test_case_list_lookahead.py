"""The case list reads each page's children and linked rows ahead (``schema.references``):
the parties, places and history of every case on the page in one statement each, its studio
in one more, and one level further down the parties' residents, the places' buildings and
the studio's committee; the executor answers them itself — and the case's own computed
columns (its document number, by the caller's street; its mediator's account, read ahead) —
the answers are the loaders', and the statements do not grow with the page."""

from __future__ import annotations

from jiedao.core.testing.plain_path import resolved_parent_types, without_page_look_ahead

CASES = """{ mediationCases(first: 10) { totalCount edges { node { id title documentNumber mediatorUsername openTooLong escalated
  studio { name committee { name } } parties { role answeredOn resident { name } } places { building { name } }
  history { toState } } } } }"""


async def test_the_case_list_answers_children_and_studios_without_resolving_them(scene, monkeypatch):
    mediated = await scene.in_mediation()
    for _ in range(2):
        await scene.open_case()
    resolved = resolved_parent_types(monkeypatch)
    roles = ("admin", "worker", "med-a", "med-b")
    by_role = {role: await scene.client.query(CASES, token=scene.tokens[role]) for role in roles}
    resolved.clear()
    ahead = await scene.client.query(CASES, token=scene.tokens["admin"])
    edges = ahead["mediationCases"]["edges"]
    assert len(edges) == 3 and all(len(e["node"]["parties"]) == 2 and e["node"]["history"] for e in edges)
    assert {e["node"]["studio"]["name"] for e in edges} == {"潘大姐工作室"}
    assert {e["node"]["id"]: e["node"]["mediatorUsername"] for e in edges} == {e["node"]["id"]: "med-a2" if e["node"]["id"] == mediated["id"] else None for e in edges}
    assert all("人调字第" in e["node"]["documentNumber"] for e in edges)
    assert all(p["resident"]["name"] for e in edges for p in e["node"]["parties"])
    assert all(p["building"]["name"] for e in edges for p in e["node"]["places"]) and edges[0]["node"]["studio"]["committee"]
    # the parties' residents, the places' buildings and the studio's committee: read one level further down
    assert not {"Case", "CaseParty", "CasePlace", "CaseTransition", "Studio"} & set(resolved), resolved

    without_page_look_ahead(monkeypatch)
    resolved.clear()
    assert await scene.client.query(CASES, token=scene.tokens["admin"]) == ahead, "the loaders answer the same"
    assert "Case" in resolved
    for role in roles:
        assert await scene.client.query(CASES, token=scene.tokens[role]) == by_role[role], role
    assert by_role["med-b"]["mediationCases"]["totalCount"] == 0, "studio B sees none of studio A's cases"


async def test_the_case_list_costs_the_same_statements_for_1_or_4_cases(scene):
    await scene.open_case()
    one = await scene.client.statements(CASES, token=scene.tokens["admin"])
    for _ in range(3):
        await scene.open_case(parties=(2, 3))
    assert len((await scene.client.query(CASES, token=scene.tokens["admin"]))["mediationCases"]["edges"]) == 4
    assert await scene.client.statements(CASES, token=scene.tokens["admin"]) == one
