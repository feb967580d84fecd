"""``Unit.household``: the people of a home — its owners (co-owners) and the members of the
households living in it — for the resident's "my homes" screen.

A resident reads it for the units they own or live in (their household's unit) and for no
other; an owner who does not live in the unit sees its owners only, not the household living
there (a tenant's family is not the landlord's to list): a neighbour's unit is not even visible to them (``visible_units``), and the field
refuses one it reaches anyway. Street staff holding ``core.residents.read`` read it for any
unit. It shows a person's name, whether they own the unit or live in it, and whether it is
the caller; phones are masked unless the caller's role reads personal data (as on
``Resident.phone``); nothing else of the person (no ID card, care needs or party membership).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import strawberry
from sqlalchemy import bindparam, desc, false, select, true, union_all

from jiedao.core import models
from jiedao.core.personal_data import mask_phone
from jiedao.schema.context import Context
from jiedao.schema.errors import ClientError

RESIDENTS = "core.residents.read"
PERSONAL_DATA = "jiedao.core.personal_data.read"


@strawberry.type(description="A person of a home: an owner (co-owner) or a member of the household living in it.")
class HomeMember:
    name: str = strawberry.field(description="The person's (or organisation's) name, as registered.")
    owner: bool = strawberry.field(description="Owns (or co-owns) the unit.")
    lives_here: bool = strawberry.field(description="A member of a household living in the unit.")
    is_you: bool = strawberry.field(description="The caller's own resident record.")
    phone: str | None = strawberry.field(description="Masked (138****5678) unless your role reads personal data.")


_HOMES = union_all(
    select(models.Ownership.unit_id, false().label("lives_here")).where(models.Ownership.resident_id == bindparam("resident_id")),
    select(models.Household.unit_id, true())
    .join(models.Resident, models.Resident.household_id == models.Household.id)
    .where(models.Resident.id == bindparam("resident_id"), models.Household.unit_id.is_not(None)),
)
"""SQL, built once: ``(unit_id, lives_here)`` of each home of the resident ``resident_id`` —
the units they own (or co-own), and their household's unit, where they live."""

_MEMBERS = union_all(
    select(models.Ownership.unit_id, models.Resident.id.label("resident_id"), models.Resident.name, models.Resident.phone, true().label("owner"))
    .join(models.Resident, models.Resident.id == models.Ownership.resident_id)
    .where(models.Ownership.unit_id.in_(bindparam("unit_ids", expanding=True))),
    select(models.Household.unit_id, models.Resident.id, models.Resident.name, models.Resident.phone, false())
    .join(models.Resident, models.Resident.household_id == models.Household.id)
    .where(models.Household.unit_id.in_(bindparam("unit_ids", expanding=True))),
).order_by(desc("owner"), "resident_id")
"""SQL, built once: ``(unit_id, resident id, name, phone, owner)`` of the owners of the units
``unit_ids``, then of the members of the households living in them, each by resident id."""


def _own_units_loader(ctx: Context):
    """Loader: resident id → (their homes, the homes they live in), read once per request
    (one statement)."""

    async def load(resident_ids: Sequence[int]) -> list[tuple[set[int], set[int]]]:
        homes = []
        for resident_id in resident_ids:
            rows = await ctx.rows(_HOMES, {"resident_id": resident_id}, built_once=True)
            homes.append(({unit_id for unit_id, _ in rows}, {unit_id for unit_id, lives_here in rows if lives_here}))
        return homes

    return ctx.loader(("core", "own_units"), load)


def _members_loader(ctx: Context):
    """Loader: unit id → its people (owners first, then the household), one statement for all
    units."""
    full_phone = ctx.has_permission(PERSONAL_DATA)
    me = ctx.user.resident_id if ctx.user is not None else None

    async def load(unit_ids: Sequence[int]) -> list[list[HomeMember]]:
        people: dict[int, dict[int, dict]] = defaultdict(dict)
        for unit_id, resident_id, name, phone, owner in await ctx.rows(_MEMBERS, {"unit_ids": list(unit_ids)}, built_once=True):
            entry = people[unit_id].setdefault(resident_id, {"name": name, "phone": phone, "owner": False, "lives_here": False})
            entry["owner" if owner else "lives_here"] = True
        return [
            [
                HomeMember(
                    name=entry["name"], owner=entry["owner"], lives_here=entry["lives_here"], is_you=pid == me,
                    phone=entry["phone"] if full_phone else mask_phone(entry["phone"]),
                )
                for pid, entry in people.get(unit_id, {}).items()
            ]
            for unit_id in unit_ids
        ]

    return ctx.loader(("core", "home_members"), load)


async def home_members(ctx: Context, unit_id: int) -> list[HomeMember]:
    """The people of ``unit_id`` as the caller may read them; ``FORBIDDEN`` for a unit that is
    not the caller's own home (unless they read the residents' register)."""
    if ctx.has_permission(RESIDENTS):
        return await _members_loader(ctx).load(unit_id)
    me = ctx.user.resident_id if ctx.user is not None else None
    mine, lived = await _own_units_loader(ctx).load(me) if me is not None else (set(), set())
    if unit_id not in mine:
        raise ClientError("Only the people of this home (or staff reading the residents' register) see its household.", code="FORBIDDEN")
    members = await _members_loader(ctx).load(unit_id)
    if unit_id in lived:
        return members
    # an owner living elsewhere (a landlord) sees the co-owners, not the people living there
    return [member for member in members if member.owner]
