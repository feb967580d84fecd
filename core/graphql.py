"""GraphQL types and queries of the core registry (streets, buildings, units, residents)."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Annotated

import strawberry
from sqlalchemy import false, select, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.core import models
from jiedao.core.care import CareProfile, care_profile
from jiedao.core import clock
from jiedao.core.personal_data import mask_phone
from jiedao.core.geo_graphql import BuildingLocation, location_of
from jiedao.core.household import HomeMember, home_members
from jiedao.core.registry_lookahead import preload_building, preload_building_page
from jiedao.schema.child_connection import children_connection_field
from jiedao.schema.connection import AFTER_HELP, FIRST_HELP, Connection, read_page
from jiedao.schema.cost import list_bound
from jiedao.schema.ids import decode_id_of, encode_global_id, parse_pk
from jiedao.schema.loaders import by_id, children, linked, plain_by_id, through
from jiedao.schema.plain_rows import MISSING, preloadable, preloaded
from jiedao.schema.references import preload_list_references
from jiedao.schema.context import Context
from jiedao.schema.node import PUBLIC, Node, caller_resolver, computed_node_type, node_type, plain_resolver, resolve_node
from jiedao.schema.permissions import IsAuthenticated, allow, public

REGISTRY = "core.registry.read"
RESIDENTS = "core.residents.read"
PARTY = "core.party.read"
PERSONAL_DATA = "jiedao.core.personal_data.read"

_read_phone = attrgetter("phone")
_read_party_member = attrgetter("party_member")


def _masked_phone(resident: object) -> str | None:
    return mask_phone(resident.phone)  # type: ignore[attr-defined]


def _no_answer(_resident: object) -> None:
    return None


def _phone_reader(context: Context) -> Callable[[object], str | None]:
    """How the caller reads residents' phones: as stored with ``personal_data.read``, else masked."""
    return _read_phone if context.has_permission(PERSONAL_DATA) else _masked_phone


def _party_member_reader(context: Context) -> Callable[[object], bool | None]:
    """How the caller reads residents' party membership: as stored with ``core.party.read``, else null."""
    return _read_party_member if context.has_permission(PARTY) else _no_answer


READ_REGISTRY = allow(REGISTRY)
READ_RESIDENTS = allow(RESIDENTS)
First = Annotated[int | None, strawberry.argument(description=FIRST_HELP)]
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]


def _care(resident, info: strawberry.Info) -> CareProfile:
    """The resident's care profile under the street's care settings, today."""
    ctx = info.context
    return care_profile(resident, ctx.kernel.settings(ctx.street, "care"), clock.today())


async def _loaded(loader, key):
    """``loader``'s value for ``key``, awaited in a coroutine as an ``async`` resolver's would be."""
    return await loader.load(key)


def visible_units(ctx: Context) -> ColumnElement[bool]:
    """The units the caller may see: all with ``core.registry.read``, else those they own
    (a resident reaches them through ``me { resident { units } }``)."""
    if ctx.has_permission(REGISTRY):
        return true()
    resident_id = ctx.user.resident_id if ctx.user is not None else None
    if resident_id is None:
        return false()
    return models.Unit.id.in_(select(models.Ownership.unit_id).where(models.Ownership.resident_id == resident_id))


def visible_residents(ctx: Context) -> ColumnElement[bool]:
    """The residents the caller may see: all with ``core.residents.read``, else their own
    record (``me { resident }``)."""
    if ctx.has_permission(RESIDENTS):
        return true()
    resident_id = ctx.user.resident_id if ctx.user is not None else None
    return false() if resident_id is None else models.Resident.id == resident_id


@strawberry.type(description="The street (街道) this endpoint serves.")
class Street(Node):
    pk: strawberry.Private[int]

    @strawberry.field(description="The street's global ID (stable: a client cache can key the street on it).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Street", self.pk))

    slug: str = strawberry.field(description="The street's key in plugins.toml, as in the endpoint's path `/graphql/{street}` (e.g. `changqing`).")
    name: str = strawberry.field(description="The street's name (街道名称), e.g. 某某街道.")
    plugins: list[str] = strawberry.field(description="The plugins this street enables.", metadata=list_bound(50))


@node_type(models.Community, read=REGISTRY)
@strawberry.type(description="A community (社区).")
class Community(Node):
    name: str = strawberry.field(description="The community's name (社区名称), unique in the street.")

    @strawberry.field(description="Every compound of the community; page them with compoundsConnection.", metadata=list_bound(50))
    async def compounds(self, info: strawberry.Info) -> list["Compound"]:
        return await children(info.context, models.Compound.community_id).load(self.id)

    compounds_connection = children_connection_field(
        Annotated["Compound", strawberry.lazy("jiedao.core.graphql")], models.Compound.community_id,
        description="The community's compounds, a page at a time (in registry order; batched over communities).",
    )


@node_type(models.Compound, read=REGISTRY)
@strawberry.type(description="A residential compound (小区).")
class Compound(Node):
    name: str = strawberry.field(description="The compound's name (小区名称), unique in its community.")

    @strawberry.field(description="The community (社区) the compound belongs to.")
    @preloadable
    async def community(self, info: strawberry.Info) -> Community:
        # Ready when the buildings page looked ahead (core.registry_lookahead); else batched.
        ready = preloaded(self, "community")
        return await by_id(info.context, models.Community).load(self.community_id) if ready is MISSING else ready

    @strawberry.field(description="Every building (楼/幢) of the compound, in registry order.", metadata=list_bound(100))
    async def buildings(self, info: strawberry.Info) -> list["Building"]:
        return await children(info.context, models.Building.compound_id).load(self.id)


@node_type(models.Building, read=REGISTRY)
@strawberry.type(description="A building of a compound.")
class Building(Node):
    name: str = strawberry.field(description="The building's name or number (楼号), e.g. 3幢; unique in its compound.")

    @strawberry.field(description="The compound (小区) the building stands in.")
    @preloadable
    async def compound(self, info: strawberry.Info) -> Compound:
        # Ready when the buildings page looked ahead (core.registry_lookahead); else batched.
        ready = preloaded(self, "compound")
        return await by_id(info.context, models.Compound).load(self.compound_id) if ready is MISSING else ready

    @strawberry.field(description="Every unit of the building (up to a few hundred in a tower); page them with unitsConnection.", metadata=list_bound(300))
    @preloadable
    def units(self, info: strawberry.Info) -> list["Unit"]:
        # Ready when the buildings page looked ahead (core.registry_lookahead); else batched.
        ready = preloaded(self, "units")
        return _loaded(children(info.context, models.Unit.building_id), self.id) if ready is MISSING else ready

    units_connection = children_connection_field(
        Annotated["Unit", strawberry.lazy("jiedao.core.graphql")], models.Unit.building_id, description="The building's units, a page at a time (in registry order; batched over buildings)."
    )

    @strawberry.field(description="Where the building stands (GCJ-02, with WGS-84); null when the registry does not say.")
    def location(self) -> BuildingLocation | None:
        return location_of(self)


@node_type(models.Unit, read=PUBLIC, visible=visible_units)
@strawberry.type(description="A unit (户) with its exclusive floor area.")
class Unit(Node):
    number: str = strawberry.field(description="The unit's number (室号), e.g. 1-201; unique in its building.")
    stairwell: str = strawberry.field(description="The stairwell (单元) the unit opens on; empty when the building has one.")
    floor: int | None = strawberry.field(description="The floor (楼层); negative below ground; null when unknown.")

    @strawberry.field(description="Exclusive floor area in m².")
    @plain_resolver
    def area(self) -> float:
        return self.area_dm2 / 100

    building = linked(models.Building, "building_id", Building, nullable=False, description="The building (楼/幢) the unit is in.")

    @strawberry.field(description="The owners (co-owners share the unit).", permission_classes=READ_RESIDENTS, metadata=list_bound(4))
    @preloadable
    def owners(self, info: strawberry.Info) -> list["Resident"]:
        # Ready when the buildings page looked ahead (core.registry_lookahead); else batched.
        ready = preloaded(self, "owners")
        if ready is not MISSING:
            return ready
        return _loaded(through(info.context, models.Ownership.unit_id, models.Ownership.resident_id, models.Resident), self.id)

    @strawberry.field(
        description="The people of this home: its owners (co-owners) and the members of the households living in it. "
        "A resident reads it for their own homes only (FORBIDDEN otherwise); staff with core.residents.read for any unit.",
        permission_classes=[IsAuthenticated],
        metadata=list_bound(20),
    )
    async def household(self, info: strawberry.Info) -> list[HomeMember]:
        return await home_members(info.context, self.id)


@node_type(models.Resident, read=PUBLIC, visible=visible_residents)
@strawberry.type(description="A resident, owner or organisation (e.g. the developer).")
class Resident(Node):
    name: str = strawberry.field(description="The person's or organisation's name (姓名/名称), as registered.")
    is_organisation: bool = strawberry.field(description="An organisation rather than a person (e.g. the developer 开发商 holding unsold units).")
    lives_alone: bool = strawberry.field(description="Lives alone (独居), as recorded.")
    disabled: bool = strawberry.field(description="Registered with a disability (残疾).")
    bedridden: bool = strawberry.field(description="Bedridden (卧床/失能).")

    @strawberry.field(description="Elderly (老年人): aged at least the street's care.elderly_age by birth year; without a birth year, as recorded.")
    @caller_resolver
    def elderly(self, info: strawberry.Info) -> bool:
        return _care(self, info).elderly

    @strawberry.field(description="Very old (高龄): aged at least the street's care.very_old_age by birth year.")
    @caller_resolver
    def very_old(self, info: strawberry.Info) -> bool:
        return _care(self, info).very_old

    @strawberry.field(description="Care needs, weightiest first: BEDRIDDEN, DISABLED, VERY_OLD, LIVES_ALONE, ELDERLY.")
    def care_needs(self, info: strawberry.Info) -> list[str]:
        return list(_care(self, info).needs)

    @strawberry.field(description="Masked (138****5678) unless your role needs the full number.")
    @caller_resolver(reader=_phone_reader)
    def phone(self, info: strawberry.Info) -> str | None:
        return _phone_reader(info.context)(self)

    @strawberry.field(description="Whether this person is a member of the Communist Party: null unless you hold core.party.read.")
    @caller_resolver(reader=_party_member_reader)
    def party_member(self, info: strawberry.Info) -> bool | None:
        return _party_member_reader(info.context)(self)

    @strawberry.field(description="Always masked; the full number is never stored.")
    def id_card(self) -> str | None:
        return self.id_card_masked

    @strawberry.field(description="The units this resident owns.", metadata=list_bound(10))
    async def units(self, info: strawberry.Info) -> list[Unit]:
        # The linked rows the selection asks for (buildings, with compound and community) read ahead for all of them.
        units = await through(info.context, models.Ownership.resident_id, models.Ownership.unit_id, models.Unit).load(self.id)
        return await preload_list_references(info.context, info, units)


def street_of(ctx: Context) -> Street:
    """The street of the request ``ctx``."""
    return Street(pk=ctx.street_id, slug=ctx.street, name=ctx.kernel.config.streets[ctx.street].name, plugins=list(ctx.plugins))


async def load_street(ctx: Context, pk: int) -> Street | None:
    """The street with primary key ``pk`` if it is the one this request is in (``node(id:)``)."""
    return street_of(ctx) if pk == ctx.street_id else None


computed_node_type("Street", read=PUBLIC, parse_key=parse_pk, load=load_street)


@strawberry.type
class CoreQuery:
    @strawberry.field(description="This street; public.", permission_classes=public("the street's name and plugins tell a front end what to show"))
    def street(self, info: strawberry.Info) -> Street:
        ctx = info.context
        return street_of(ctx)

    @strawberry.field(description="Any object by global ID, if this street can see it.", permission_classes=[IsAuthenticated])
    async def node(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of any object (e.g. a Unit's `id`).")]) -> Node | None:
        return await resolve_node(info.context, id, set(info._raw_info.schema.type_map))

    @strawberry.field(description="Every community (社区) of the street, in registry order; needs core.registry.read.", permission_classes=READ_REGISTRY, metadata=list_bound(50))
    async def communities(self, info: strawberry.Info) -> list[Community]:
        return await info.context.scalars(select(models.Community).order_by(models.Community.id))

    @strawberry.field(description="Every compound (小区) of the street, in registry order; needs core.registry.read.", permission_classes=READ_REGISTRY, metadata=list_bound(200))
    async def compounds(self, info: strawberry.Info) -> list[Compound]:
        return await info.context.scalars(select(models.Compound).order_by(models.Compound.id))

    @strawberry.field(description="The street's buildings (楼/幢), a page at a time in registry order; needs core.registry.read.", permission_classes=READ_REGISTRY)
    async def buildings(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        compound_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only the buildings of this compound (global ID of a Compound).")] = None,
    ) -> Connection[Building]:
        statement = select(models.Building)
        if compound_id is not None:
            statement = statement.where(models.Building.compound_id == decode_id_of(compound_id, "Compound", "compoundId"))
        page = await read_page(info, statement, first, after, plain=True)
        await preload_building_page(info.context, info, [edge.node for edge in page.edges])
        return page

    @strawberry.field(description="One building by its global ID; null when there is none in this street; needs core.registry.read.", permission_classes=READ_REGISTRY)
    async def building(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the Building.")]) -> Building | None:
        # A plain row, as the buildings page reads them (every field of Building reads columns and loaders).
        building = await plain_by_id(info.context, models.Building).load(decode_id_of(id, "Building"))
        await preload_building(info.context, info, building)
        return building

    @strawberry.field(description="The street's units (户/室), a page at a time in registry order; needs core.registry.read.", permission_classes=READ_REGISTRY)
    async def units(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        building_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only the units of this building (global ID of a Building).")] = None,
    ) -> Connection[Unit]:
        statement = select(models.Unit).where(visible_units(info.context))
        if building_id is not None:
            statement = statement.where(models.Unit.building_id == decode_id_of(building_id, "Building", "buildingId"))
        return await read_page(info, statement, first, after, plain=True)

    @strawberry.field(description="The street's residents and owners (居民/业主), a page at a time in registry order; needs core.residents.read.", permission_classes=READ_RESIDENTS)
    async def residents(self, info: strawberry.Info, first: First = None, after: After = None) -> Connection[Resident]:
        return await read_page(info, select(models.Resident).where(visible_residents(info.context)), first, after, plain=True)


from jiedao.core import registry_sql as _registry_sql  # noqa: E402,F401 - the registry in SQL (schema.compiled_reads)
