"""Look-ahead loading of a page of buildings: the units (and their owners) the query asks
for, read for the whole page in ONE column statement and handed to the nested fields ready;
the page's compounds and their communities too (one column statement, priming the loaders).
``building(id:)`` gets the same for its one building (``preload_building``).

``buildings(first: 10) { edges { node { units { number area owners { name phone } } } } }``
otherwise resolves ``Building.units`` and ``Unit.owners`` through a DataLoader per row
(an awaited future, an ORM entity per unit and owner). Here, when the page's selection asks
for ``units`` with only plain fields (``UNIT_FIELDS``; owners with ``OWNER_FIELDS``; seen
through fragments and ``@skip``/``@include`` as the executor sees them, ``schema.selection``)
and nothing deferred, the units of the page's buildings and their owners come from one
outer-joined column query, as plain rows (``schema.plain_rows``), in the loaders' order
(units by id, owners by id). Anything else falls back to the loaders (the general path),
which give the same answers.

Permissions and scoping stay those of the general path: ``Unit.owners`` keeps its
permission check (decided once per request, ``schema.caller_permissions``; refused at every
row as before), and owners are only read when the caller
holds ``core.residents.read`` (a caller who asks for owners without it gets the general
path, refusals and all). The statement runs on the session's
connection (``Context.rows``: core rows, no ORM loading per column), with the street
criteria the session would add (``core.db.scoped_to_street``) on units, ownerships and
residents alike, and under the street's RLS on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import strawberry
from graphql import FieldNode, GraphQLObjectType, GraphQLResolveInfo, get_named_type
from sqlalchemy import bindparam, select

from jiedao.core import models
from jiedao.schema.loaders import by_id
from jiedao.schema.plain_rows import PRELOADED, column_keys, columns_of, plain_row, plain_row_class, preload
from jiedao.schema.references import register_type_lookahead
from jiedao.schema.selection import Selection, object_type_of, plain_nodes, selected_fields, selected_page_nodes

UNIT_FIELDS = frozenset({"__typename", "id", "number", "stairwell", "floor", "area", "owners", "building"})
"""Unit fields that resolve on a plain row exactly as on the ORM instance."""
OWNER_FIELDS = frozenset({"__typename", "id", "name", "phone", "isOrganisation", "livesAlone", "disabled", "bedridden", "partyMember", "idCard"})
"""Resident fields that resolve on a plain row exactly as on the ORM instance."""
RESIDENTS = "core.residents.read"


def _plain_selection(info: GraphQLResolveInfo, parent_type: GraphQLObjectType | None, nodes: Sequence[FieldNode], allowed: frozenset[str]) -> Selection | None:
    """The fields selected under ``nodes`` if all are in ``allowed`` and plain (no arguments,
    no directive beyond ``@skip``/``@include``, nothing deferred); otherwise ``None``."""
    if parent_type is None or not plain_nodes(nodes):
        return None
    selection = selected_fields(info, parent_type, nodes)
    if selection is None or not set(selection) <= allowed or not all(plain_nodes(found) for found in selection.values()):
        return None
    return selection


def _wanted(info: GraphQLResolveInfo, building_type: GraphQLObjectType, building_fields: Selection) -> tuple[bool, bool, bool]:
    """For the page's selection: whether the look-ahead may read the units, whether the
    units' owners are asked for, and whether the look-ahead may read them too."""
    units = building_fields.get("units")
    unit_type = object_type_of(building_type, "units")
    unit_fields = _plain_selection(info, unit_type, units, UNIT_FIELDS) if units else None
    if unit_fields is None:
        return False, False, False
    if "owners" not in unit_fields:
        return True, False, False
    owners = _plain_selection(info, object_type_of(unit_type, "owners"), unit_fields["owners"], OWNER_FIELDS)
    return True, True, owners is not None


async def preload_building_page(ctx: Any, info: strawberry.Info, buildings: Sequence[Any]) -> None:
    """Read the compounds (and their communities) and the units (and their owners) the
    selection of a buildings connection (``info``'s field; fragments included,
    ``schema.selection``) asks for, for every building of the page at once, and preload
    ``Building.compound`` (``Compound.community``) and ``Building.units`` (``Unit.owners``)
    with them; a part whose selection needs the general path is left to it."""
    if not buildings:
        return
    raw = info._raw_info  # noqa: SLF001 - graphql-core's field nodes, types and fragments
    reached = selected_page_nodes(raw)
    if reached is None:
        return
    await _preload_selected(ctx, raw, *reached, buildings)


async def preload_building(ctx: Any, info: strawberry.Info, building: Any) -> None:
    """The same look-ahead for one building (``building(id:)``): its compound and the
    compound's community in one statement rather than one loader after the other, and its
    units (and their owners) in one, as a page of one building would have them."""
    if building is None:
        return
    raw = info._raw_info  # noqa: SLF001 - graphql-core's field nodes, types and fragments
    building_type = get_named_type(raw.return_type)
    if not isinstance(building_type, GraphQLObjectType):
        return
    building_fields = selected_fields(raw, building_type, raw.field_nodes)
    if building_fields is not None:
        await _preload_selected(ctx, raw, building_type, building_fields, [building])


async def _preload_selected(ctx: Any, info: GraphQLResolveInfo, building_type: GraphQLObjectType, building_fields: Selection, buildings: Sequence[Any]) -> None:
    """The compounds (with their communities) and the units (with their owners) that
    ``building_fields``, selected on ``buildings``, ask for (the two look-aheads above)."""
    await _preload_compounds(ctx, info, building_type, building_fields, buildings)
    await _preload_units(ctx, _wanted(info, building_type, building_fields), buildings)


# Buildings read ahead through a field (a unit's, a device's, a work item's ``building``) get
# their compounds with the communities, and their units with the owners, as a page does.
register_type_lookahead("Building", _preload_selected)


async def _preload_compounds(ctx: Any, info: GraphQLResolveInfo, building_type: GraphQLObjectType, building_fields: Selection, buildings: Sequence[Any]) -> None:
    """The page's compounds, with their communities when asked, in one statement, handed to
    the request's ``by_id`` loaders (the rows the fields would get); a building whose compound
    (or a compound whose community) the street cannot see keeps the general path, which
    reports it."""
    compound_nodes = building_fields.get("compound")
    compound_type = object_type_of(building_type, "compound")
    if not compound_nodes or compound_type is None or not plain_nodes(compound_nodes):
        return
    compound_fields = selected_fields(info, compound_type, compound_nodes)
    community_nodes = compound_fields.get("community") if compound_fields is not None else None
    with_communities = bool(community_nodes) and plain_nodes(community_nodes)
    compound_ids = sorted({b.compound_id for b in buildings})
    if with_communities:
        compounds, communities = await _compounds_and_communities(ctx, compound_ids)
    else:
        compounds, communities = await _rows_by_id(ctx, models.Compound, compound_ids), {}
    for building in buildings:
        if building.compound_id in compounds:
            preload(building, "compound", compounds[building.compound_id])
    for compound in compounds.values():
        if compound.community_id in communities:
            preload(compound, "community", communities[compound.community_id])


@cache
def _compounds_statement() -> Any:
    """The compounds ``compound_ids`` (bound at each run) with their communities
    (outer-joined), built once (``Context.rows(built_once=True)``)."""
    return (
        select(*columns_of(models.Compound), *columns_of(models.Community))
        .outerjoin(models.Community, models.Community.id == models.Compound.community_id)
        .where(models.Compound.id.in_(bindparam("compound_ids", expanding=True)))
    )


async def _compounds_and_communities(ctx: Any, ids: Sequence[int]) -> tuple[dict[int, Any], dict[int, Any]]:
    """The compounds with these ids the street can see and their communities, in one column
    statement, as plain rows (every field of ``Compound`` and ``Community`` reads columns
    only); the request's ``by_id`` loaders are primed with them (later loads of the same rows
    are answered without a statement, as if the loaders had read them)."""
    compound_width = len(columns_of(models.Compound))
    community_id_at = compound_width + column_keys(models.Community).index("id")
    compounds: dict[int, Any] = {}
    communities: dict[int, Any] = {}
    for row in await ctx.rows(_compounds_statement(), {"compound_ids": list(ids)}, built_once=True):
        compound = plain_row(models.Compound, row[:compound_width])
        compounds[compound.id] = compound
        if row[community_id_at] is not None:
            community = communities.get(row[community_id_at]) or plain_row(models.Community, row[compound_width:])
            communities[community.id] = community
    by_id(ctx, models.Compound).prime_many(compounds)
    by_id(ctx, models.Community).prime_many(communities)
    return compounds, communities


async def _rows_by_id(ctx: Any, model: type, ids: Sequence[int]) -> dict[int, Any]:
    """The rows of ``model`` with these ids the street can see, through the request's
    ``by_id`` loader (one statement; later loads of the same rows are answered from it)."""
    rows = await by_id(ctx, model).load_many(ids)
    return {row.id: row for row in rows if row is not None}


@cache
def _units_statement(with_owners: bool) -> Any:
    """The units of the buildings ``building_ids`` (bound at each run), by id, with their
    owners by id (outer-joined: a unit without owners is still read) when ``with_owners``:
    built once (``Context.rows(built_once=True)``)."""
    statement = select(*columns_of(models.Unit))
    if with_owners:
        statement = (
            statement.add_columns(*columns_of(models.Resident))
            .select_from(models.Unit)
            .outerjoin(models.Ownership, models.Ownership.unit_id == models.Unit.id)
            .outerjoin(models.Resident, models.Resident.id == models.Ownership.resident_id)
            .order_by(models.Unit.id, models.Resident.id)
        )
    else:
        statement = statement.order_by(models.Unit.id)
    return statement.where(models.Unit.building_id.in_(bindparam("building_ids", expanding=True)))


async def _preload_units(ctx: Any, wanted: tuple[bool, bool, bool], buildings: Sequence[Any]) -> None:
    """The units (and owners) of the page's buildings in one column statement, when the
    selection's units ask only for plain fields (``wanted``: see ``_wanted``)."""
    want_units, owners_asked, plain_owners = wanted
    if not want_units or (owners_asked and not ctx.has_permission(RESIDENTS)):
        # A refused field ends the request while the page's other loaders may still be
        # running: keep the general path's order of events for refusals.
        return
    with_owners = plain_owners
    unit_width = len(columns_of(models.Unit))
    ids = [building.id for building in buildings]
    by_building: dict[int, list[Any]] = {i: [] for i in ids}
    unit_keys = column_keys(models.Unit)
    id_at, building_at = unit_keys.index("id"), unit_keys.index("building_id")
    resident_id_at = unit_width + column_keys(models.Resident).index("id")
    # plain_row and preload, without a call of each per row (a page holds hundreds).
    unit_row, resident_row, new_row = plain_row_class(models.Unit), plain_row_class(models.Resident), tuple.__new__
    unit = None
    owners: list[Any] = []
    for row in await ctx.rows(_units_statement(with_owners), {"building_ids": ids}, built_once=True):
        if unit is None or unit.id != row[id_at]:
            unit = new_row(unit_row, row[:unit_width])
            by_building[row[building_at]].append(unit)
            if with_owners:
                owners = []
                unit.__dict__[PRELOADED] = {"owners": owners}  # a new row: nothing else preloaded
        if with_owners and row[resident_id_at] is not None:
            owners.append(new_row(resident_row, row[unit_width:]))
    for building in buildings:
        preload(building, "units", by_building[building.id])
