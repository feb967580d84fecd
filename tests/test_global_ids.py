"""Every ``id: ID!`` of the schema is the global ID of its own type, fetchable with ``node(id:)``.

Relay and Apollo key their caches on ``id`` (Relay: across all types). An ``id`` that is a
raw number, or that repeats another type's global ID (a hotspot showing its building's), or
that ``node(id:)`` cannot answer, corrupts a client's store. This test walks the schema of
the kernel and every in-tree plugin; ``test_node_permissions`` checks, on the seeded demo
street and both databases, that each node type's IDs round-trip through ``node(id:)`` for
the callers who may read them and give ``null`` to those who may not.
"""

from __future__ import annotations

from graphql import GraphQLID, GraphQLNonNull, GraphQLObjectType, get_named_type

from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.schema.node import access_for, node_type_names


async def in_tree_schema():
    """The full GraphQL schema of the kernel and Jiedao's own plugins."""
    config = parse_config({"streets": {"ids": {"name": "IDs", "plugins": []}}}, database_url="sqlite+aiosqlite:///:memory:")
    kernel = await Kernel.load(config, in_tree_only=True)
    try:
        return kernel.schemas.full._schema
    finally:
        await kernel.close()


def object_types(schema) -> list[GraphQLObjectType]:
    """The schema's own object types (no introspection types)."""
    return [t for name, t in sorted(schema.type_map.items()) if isinstance(t, GraphQLObjectType) and not name.startswith("__")]


async def test_every_id_field_is_the_global_id_of_a_node():
    schema = await in_tree_schema()
    node = schema.type_map["Node"]
    offenders = [
        f"{t.name}.id"
        for t in object_types(schema)
        if "id" in t.fields
        and isinstance(t.fields["id"].type, GraphQLNonNull)
        and get_named_type(t.fields["id"].type) is GraphQLID
        and node not in t.interfaces
    ]
    assert not offenders, f"these types have an `id: ID!` but do not implement Node (make them node types, or rename the field, e.g. `organisationId`): {offenders}"


async def test_every_node_type_is_fetchable_by_node():
    schema = await in_tree_schema()
    implementers = {t.name for t in schema.get_possible_types(schema.type_map["Node"])}
    declared = node_type_names()
    undeclared = sorted(implementers - declared)
    assert not undeclared, f"these types implement Node but node(id:) cannot fetch them (declare node_type(...) or computed_node_type(...)): {undeclared}"
    no_rule = sorted(name for name in implementers if access_for(name) is not None and access_for(name).read == ())
    assert not no_rule, f"these node types declare no read rule, so node(id:) never returns them: {no_rule}"


async def test_no_object_type_outside_node_has_an_id_field_of_type_id():
    """A nullable ``id: ID`` would fool a client cache just the same."""
    schema = await in_tree_schema()
    node = schema.type_map["Node"]
    offenders = [f"{t.name}.id" for t in object_types(schema) if "id" in t.fields and get_named_type(t.fields["id"].type) is GraphQLID and node not in t.interfaces]
    assert not offenders, offenders


async def test_computed_node_ids_are_checked_and_answer_their_owner_only(client):
    """A hotspot's key is read back strictly; ``Me`` and ``Street`` come back by ID."""
    from jiedao.schema.ids import encode_global_id

    worker = await client.token("community_worker")
    resident = await client.token("resident")
    mine = (await client.query("{ me { id username } street { id slug } }", token=worker))
    again = await client.query("query($me: ID!, $s: ID!) { me: node(id: $me) { id ... on Me { username } } s: node(id: $s) { id ... on Street { slug } } }",
                               {"me": mine["me"]["id"], "s": mine["street"]["id"]}, token=worker)
    assert again == {"me": mine["me"], "s": mine["street"]}
    other = await client.query("query($me: ID!) { node(id: $me) { id } }", {"me": mine["me"]["id"]}, token=resident)
    assert other == {"node": None}, "another account's Me is null"
    # Me names its street (roles differ per street): the same account's Me of another street, and
    # another street itself, are null here
    from jiedao.schema.ids import decode_global_id

    _, (street_pk, user_pk) = decode_global_id(mine["me"]["id"])
    _, this_street = decode_global_id(mine["street"]["id"])
    assert street_pk == this_street
    elsewhere = {"me": encode_global_id("Me", f"{street_pk + 1}.{user_pk}"), "s": encode_global_id("Street", street_pk + 1)}
    assert await client.query("query($me: ID!, $s: ID!) { me: node(id: $me) { id } s: node(id: $s) { id } }", elsewhere, token=worker) == {"me": None, "s": None}
    cockpit = await client.token("street_admin")
    for key in ("BUILDING.1.1.253402300799", "BUILDING.1.1.2000000000"):  # past year 9999; a 63-year window
        answer = await client.query("query($id: ID!) { node(id: $id) { id } }", {"id": encode_global_id("Hotspot", key)}, token=cockpit)
        assert answer == {"node": None}, key
    for key in ("BUILDING.1.20.10", "BUILDING.01.10.20", "HOUSE.1.10.20", "1"):
        errors = await client.errors("query($id: ID!) { node(id: $id) { id } }", {"id": encode_global_id("Hotspot", key)}, token=worker)
        assert [e["extensions"]["code"] for e in errors] == ["INVALID_ID"], key


def test_a_rows_global_id_is_the_same_however_it_is_encoded():
    """``Node.id`` on a list's rows (``global_id_of_row``) writes what ``encode_global_id``
    writes and ``decode_global_id`` reads back, whatever the padding base64 would need."""
    from types import SimpleNamespace

    from jiedao.schema.ids import decode_global_id, encode_global_id, global_id_of_row

    for type_name in ("Unit", "Building", "MeetingActionItem"):
        of_row = global_id_of_row(type_name)
        for pk in (1, 12, 123, 4567, 2**31 - 1, 2**53):
            written = of_row(SimpleNamespace(id=pk))
            assert written == encode_global_id(type_name, pk)
            assert "=" not in written and "+" not in written and "/" not in written
            if pk < 2**31:
                assert decode_global_id(written) == (type_name, pk)
