"""Lists whose pages are read as plain rows (``schema.connection.paginate(plain=True)``) answer
every field of their items exactly as the same objects fetched by ``node(id:)`` (ORM rows).

A plain row holds the model's columns only: a field of the type that reads a relationship,
a property or a method of the model would fail or differ on it. Every list that opts in is
listed in ``PLAIN_LISTS``; the test selects every field of the item type that takes no
required argument (objects and lists of objects by their ``__typename``, connections by
their ``totalCount`` too), so a field added later is covered without touching the test.
"""

from __future__ import annotations

import pytest

from jiedao.core.demo import DEMO_PASSWORD

PLAIN_LISTS = {
    "buildings": "Building",
    "grids": "Grid",
    "notices": "Notice",
    "organisations": "Organisation",
    "residents": "Resident",
    "units": "Unit",
    "workItems": "WorkItem",
}
"""Root list field → item type, for every list paged as plain rows."""

LOGIN = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }"
TYPE = """query($name: String!) { __type(name: $name) { fields { name args { type { kind } defaultValue }
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }"""


def _named(type_ref: dict) -> dict:
    while type_ref.get("ofType"):
        type_ref = type_ref["ofType"]
    return type_ref


async def every_field(client, token: str, type_name: str) -> str:
    """A selection of every field of ``type_name`` callable without arguments."""
    fields = (await client.query(TYPE, {"name": type_name}, token=token))["__type"]["fields"]
    chosen = []
    for field in fields:
        if any(arg["type"]["kind"] == "NON_NULL" and arg["defaultValue"] is None for arg in field["args"]):
            continue
        named = _named(field["type"])
        if named["kind"] in {"SCALAR", "ENUM"}:
            chosen.append(field["name"])
        elif named["name"].endswith("Connection"):
            chosen.append(f"{field['name']} {{ __typename totalCount }}")
        else:
            chosen.append(f"{field['name']} {{ __typename }}")
    return " ".join(chosen)


@pytest.mark.demo
@pytest.mark.parametrize("list_field", sorted(PLAIN_LISTS))
async def test_a_plain_page_answers_as_node_does(client, list_field):
    token = (await client.query(LOGIN, {"u": "changqing-admin", "p": DEMO_PASSWORD}))["login"]["token"]
    type_name = PLAIN_LISTS[list_field]
    selection = await every_field(client, token, type_name)
    page = await client.result(f"{{ {list_field}(first: 5) {{ edges {{ node {{ {selection} }} }} }} }}", token=token)
    assert not page.get("errors"), page["errors"]
    listed = [edge["node"] for edge in page["data"][list_field]["edges"]]
    assert len(listed) >= 2, f"the demo street has too few {type_name} rows to compare"
    one_by_one = " ".join(f'n{i}: node(id: "{item["id"]}") {{ ... on {type_name} {{ {selection} }} }}' for i, item in enumerate(listed))
    fetched = await client.result(f"{{ {one_by_one} }}", token=token)
    assert not fetched.get("errors"), fetched["errors"]
    assert [fetched["data"][f"n{i}"] for i in range(len(listed))] == listed


WALK = "query($after: String) {{ {field}(first: 100, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} }} }} }}"


async def walk(client, token: str, street: str, list_field: str) -> tuple[list[str], int]:
    """Every ID of ``list_field`` in ``street``, page by page, and the list's ``totalCount``."""
    ids, after = [], None
    while True:
        page = (await client.query(WALK.format(field=list_field), {"after": after}, street=street, token=token))[list_field]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


@pytest.mark.demo
@pytest.mark.parametrize("list_field", sorted(PLAIN_LISTS))
async def test_a_plain_list_holds_its_own_streets_rows_only(client, list_field):
    """The whole list, walked page by page in each demo street, shares no row with the other
    street's and counts what it lists. A first page alone cannot show a leak: the demo seeds
    长庆 first, so the other street's rows sort after its own (this is how a plain page that
    left SQLite's street criteria out went unnoticed by the test above)."""
    walked = {}
    for street in ("changqing", "gongchen"):
        token = (await client.query(LOGIN, {"u": f"{street}-admin", "p": DEMO_PASSWORD}, street=street))["login"]["token"]
        ids, total = await walk(client, token, street, list_field)
        assert len(set(ids)) == len(ids) == total, (street, len(ids), total)
        walked[street] = set(ids)
    assert walked["changqing"], f"the demo's 长庆 has no {PLAIN_LISTS[list_field]} rows that could leak"
    assert not walked["changqing"] & walked["gongchen"]
