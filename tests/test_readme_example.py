"""The README's example query runs as shown, and selects an ``id`` of every object in it
(what Apollo's and Relay's caches key on; see docs/frontend.md)."""

from __future__ import annotations

import re
from pathlib import Path

from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import decode_global_id

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> str:
    """The first ```graphql block of the README."""
    match = re.search(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, "the README shows an example query in a ```graphql block"
    return match.group(1)


def objects(value, path="data"):
    """Every object of a response with its path, but the plumbing of connections (the
    connection, its edges and its pageInfo) and the root."""
    if isinstance(value, dict):
        plumbing = path == "data" or path.endswith(".pageInfo") or "edges" in value or "node" in value
        if not plumbing:
            yield path, value
        for key, item in value.items():
            yield from objects(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from objects(item, f"{path}[{n}]")


async def test_the_readme_example_runs_and_selects_ids_at_every_level(kernel, client):
    await build_registry(kernel, "changqing", buildings=2, units_per_building=2)
    token = await client.token("community_worker")
    data = await client.query(readme_example(), token=token)
    assert data["buildings"]["edges"][0]["node"]["units"][0]["owners"], "the example reaches the owners"
    walked = list(objects(data))
    assert {"street", "node", "compound", "community", "units[0]", "owners[0]"} <= {path.rsplit(".", 1)[-1] for path, _ in walked}
    for path, obj in walked:
        assert "id" in obj, f"{path} has no id: {obj}"
        type_name, _ = decode_global_id(obj["id"])
        assert type_name, path
